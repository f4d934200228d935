"""Routes of statements (thin; ``statements.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from certificates import access
from certificates.deps import AuthorizationDep, ServicesDep
from certificates.statements import service
from certificates.statements.schemas import StatementIssued, StatementOut, StatementRequest, StatusChange

router = APIRouter(tags=["statements"])

Issuer = Annotated[Principal, Depends(require_roles(*access.STATEMENT_ISSUERS))]
Reader = Annotated[Principal, Depends(require_roles(*access.CERTIFICATE_READERS))]
Changer = Annotated[Principal, Depends(require_roles(*access.STATUS_CHANGERS))]


@router.post(
    "/v1/statements",
    summary="Issue a person's annual statement: a signed W3C verifiable credential (the person, officials, admin)",
    description="The credential is a compact JWS (`alg: EdDSA`, `typ: vc+jwt`, `kid`) whose payload is the W3C VC "
    "2.0 document: issuer, validity (to the end of year + N), the person by certificate code, name, masked ID "
    "number and a salted SHA-256 commitment to the ID number (never the number), the year's totals against the "
    "requirement, compliance, the certified entries (000 art. 15), and two Bitstring Status List entries "
    "(revocation, suspension). `Idempotency-Key` makes a retry return the first statement.",
    status_code=201,
    response_model=StatementIssued,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def issue_statement(
    body: StatementRequest,
    actor: Issuer,
    authorization: AuthorizationDep,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
) -> StatementIssued:
    issued = await service.issue(session, services, actor, authorization, body)
    response.headers["Location"] = f"/v1/statements/{issued.statement_id}"
    return issued


@router.get(
    "/v1/statements/{statement_id}",
    summary="A statement as issued, with its current status",
    response_model=StatementOut,
    responses=problem_responses(401, 403, 404, 503),
)
async def get_statement(
    statement_id: uuid.UUID, actor: Reader, authorization: AuthorizationDep, session: SessionDep, services: ServicesDep
) -> StatementOut:
    return await service.get(session, services, actor, authorization, statement_id)


@router.post(
    "/v1/statements/{statement_id}/revocation",
    summary="Revoke a statement for good: its bit in the revocation status list is set (officials, admin)",
    response_model=StatementOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def revoke_statement(
    statement_id: uuid.UUID,
    body: StatusChange,
    actor: Changer,
    authorization: AuthorizationDep,
    session: SessionDep,
    services: ServicesDep,
) -> StatementOut:
    return await service.revoke(session, services, actor, authorization, statement_id, body.reason)


@router.post(
    "/v1/statements/{statement_id}/suspension",
    summary="Suspend a statement until it is reinstated (officials, admin)",
    response_model=StatementOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def suspend_statement(
    statement_id: uuid.UUID,
    body: StatusChange,
    actor: Changer,
    authorization: AuthorizationDep,
    session: SessionDep,
    services: ServicesDep,
) -> StatementOut:
    return await service.suspend(session, services, actor, authorization, statement_id, body.reason)


@router.post(
    "/v1/statements/{statement_id}/reinstatement",
    summary="Lift a statement's suspension (officials, admin)",
    response_model=StatementOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def reinstate_statement(
    statement_id: uuid.UUID,
    body: StatusChange,
    actor: Changer,
    authorization: AuthorizationDep,
    session: SessionDep,
    services: ServicesDep,
) -> StatementOut:
    return await service.reinstate(session, services, actor, authorization, statement_id, body.reason)
