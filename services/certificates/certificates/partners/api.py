"""Routes of the partner registry (thin; ``partners.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from certificates import access
from certificates.deps import ServicesDep
from certificates.partners import service
from certificates.partners.schemas import PartnerCreate, PartnerOut, PartnerPage, PartnerRevocation
from certificates.partners.wiring import PartneringDep

router = APIRouter(tags=["partners"])

Admin = Annotated[Principal, Depends(require_roles(access.ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(access.ADMIN, access.HR, access.INDUSTRY))]


@router.post(
    "/v1/partners",
    summary="Register a partner province whose statements we verify and recognise (admin; 000 art. 22)",
    description="Its keys come from `jwks_url` (cached within bounds, refetched for an unknown kid, stale copy "
    "used for a while when it is out of reach) or are given inline as `jwks`. The status lists its credentials "
    "name must lie under `base_url`. One active partner per issuer and per region (409 `partner_exists`).",
    status_code=201,
    response_model=PartnerOut,
    responses=problem_responses(401, 403, 409, 422),
)
async def register_partner(
    body: PartnerCreate,
    actor: Admin,
    session: SessionDep,
    services: ServicesDep,
    partnering: PartneringDep,
    response: Response,
    background: BackgroundTasks,
) -> PartnerOut:
    created = await service.register(session, services.settings, partnering.directory, actor, body)
    background.add_task(partnering.directory.invalidate)  # once more after the commit, for concurrent readers
    response.headers["Location"] = f"/v1/partners/{created.id}"
    return created


@router.get(
    "/v1/partners",
    summary="The partner provinces, newest first (admin, officials)",
    response_model=PartnerPage,
    responses=problem_responses(400, 401, 403),
)
async def list_partners(
    actor: Reader,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PartnerPage:
    return await service.page(session, cursor, limit)


@router.get(
    "/v1/partners/{partner_id}",
    summary="One partner province (admin, officials)",
    response_model=PartnerOut,
    responses=problem_responses(401, 403, 404),
)
async def get_partner(partner_id: uuid.UUID, actor: Reader, session: SessionDep) -> PartnerOut:
    return await service.get(session, partner_id)


@router.post(
    "/v1/partners/{partner_id}/revocation",
    summary="Stop trusting a partner: its credentials become untrusted, its /jjj/ calls get 403 (admin)",
    response_model=PartnerOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def revoke_partner(
    partner_id: uuid.UUID,
    body: PartnerRevocation,
    actor: Admin,
    session: SessionDep,
    partnering: PartneringDep,
    background: BackgroundTasks,
) -> PartnerOut:
    revoked = await service.revoke(session, partnering.directory, actor, partner_id, body.reason)
    background.add_task(partnering.directory.invalidate)
    return revoked
