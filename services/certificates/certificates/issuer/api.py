"""Routes of the issuer's public keys and metadata: public, cacheable.

The JWKS lives at ``/v1/issuer/jwks`` (the platform's ``/.well-known/jwks.json`` is the registry's token keys).
``/.well-known/jwt-vc-issuer`` follows the SD-JWT VC issuer metadata: ``{issuer, jwks_uri}``, plus what a partner
province needs to find the rest.
"""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from certificates.deps import Services, ServicesDep

router = APIRouter(tags=["issuer"])

JWKS_PATH = "/v1/issuer/jwks"
KEYS_MAX_AGE = 300


@router.get(
    JWKS_PATH,
    summary="The public keys that sign our statements and status lists, retired ones included; anyone",
    response_class=JSONResponse,
)
async def issuer_jwks(services: ServicesDep) -> JSONResponse:
    # Retired keys stay: statements they signed are valid for years. A verifier meeting an unknown kid refetches.
    return JSONResponse(services.keys.jwks(), headers={"Cache-Control": f"public, max-age={KEYS_MAX_AGE}"})


@router.get(
    "/.well-known/jwt-vc-issuer",
    summary="Issuer metadata: who signs our statements and where the keys are; anyone",
    response_class=JSONResponse,
)
async def issuer_metadata(services: ServicesDep) -> JSONResponse:
    return JSONResponse(metadata(services), headers={"Cache-Control": f"public, max-age={KEYS_MAX_AGE}"})


@router.get("/.well-known/jwt-vc-issuer/{issuer_path:path}", include_in_schema=False)
async def issuer_metadata_for_path(issuer_path: str, services: ServicesDep) -> JSONResponse:
    """The same document where SD-JWT VC puts it for an https issuer with a path (``/.well-known/jwt-vc-issuer/…``)."""
    return await issuer_metadata(services)


def metadata(services: Services) -> dict[str, Any]:
    settings = services.settings
    return {
        "issuer": settings.issuer_id,
        "jwks_uri": settings.public_base_url + JWKS_PATH,
        "name": settings.issuer_name,
        "region_code": settings.region_code,
        "status_list_base_url": settings.public_base_url + "/v1/status-lists/",
        "credential_types": ["ContinuingEducationStatement"],
    }
