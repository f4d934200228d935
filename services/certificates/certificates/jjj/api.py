"""Routes of the ``/jjj/`` interface (public at the gateway: partners authenticate here, with their own JWT)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer

from cekit.db import SessionDep
from cekit.problems import problem_responses
from certificates.deps import ServicesDep
from certificates.issuer.api import JWKS_PATH
from certificates.jjj import auth
from certificates.jjj.schemas import CONTRACT_VERSION, PartnerInfo
from certificates.partners.wiring import PartneringDep
from certificates.verification.api import present
from certificates.verification.schemas import VerificationOut, VerificationRequest

router = APIRouter(tags=["mutual recognition"])

INFO_MAX_AGE = 300
VERIFICATIONS_PATH = "/jjj/v1/verifications"
# Documents the scheme in OpenAPI; the token is checked by ``auth.authenticate``, not by FastAPI.
partner_jwt = HTTPBearer(
    scheme_name="PartnerJWT",
    bearerFormat="JWT",
    description="A JWT the partner signs (EdDSA or ES256) with a key of its published JWKS: iss = its issuer id, "
    "aud = our issuer id, iat, exp (at most 300 s later), jti (single use).",
    auto_error=False,
)


@router.get(
    "/jjj/v1/partner-info",
    summary="Who we are to partner provinces: issuer id, keys, status lists, endpoints; anyone",
    response_model=PartnerInfo,
)
async def partner_info(services: ServicesDep) -> JSONResponse:
    settings = services.settings
    base = settings.public_base_url
    info = PartnerInfo(
        region_code=settings.region_code,
        name=settings.issuer_name,
        issuer=settings.issuer_id,
        jwks_url=base + JWKS_PATH,
        status_list_base_url=base + "/v1/status-lists/",
        verification_url=base + VERIFICATIONS_PATH,
        recognition_url=base + "/v1/recognitions",
        contract_version=CONTRACT_VERSION,
    )
    return JSONResponse(info.model_dump(), headers={"Cache-Control": f"public, max-age={INFO_MAX_AGE}"})


@router.post(
    VERIFICATIONS_PATH,
    summary="Verify one of our statements for a partner province's system (partner JWT)",
    description="The same report as `POST /v1/verifications`. 401: no token, malformed, expired, living longer "
    "than 300 s, or its jti used before; 403: not a partner, a revoked partner, a key the partner does not "
    "publish, a signature that does not verify; 503: the partner's own keys cannot be fetched to check it.",
    response_model=VerificationOut,
    dependencies=[Depends(partner_jwt)],
    responses=problem_responses(401, 403, 422, 503),
)
async def partner_verification(
    body: VerificationRequest,
    session: SessionDep,
    services: ServicesDep,
    partnering: PartneringDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> VerificationOut:
    await auth.authenticate(authorization, session, partnering.directory, services.settings.issuer_id)
    return present(await services.verifier.verify(body.credential, id_number=body.id_number))
