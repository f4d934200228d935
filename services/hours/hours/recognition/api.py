"""Internal routes for the certificates service (role ``service``; not published through the gateway)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from hours import access
from hours.deps import RegistryDep
from hours.recognition import service
from hours.recognition.schemas import CertifiedRecords, RecognitionIn, RecognitionOut, WithdrawalIn, WithdrawalOut

router = APIRouter(tags=["internal"])

Machine = Annotated[Principal, Depends(require_roles(access.SERVICE, access.ADMIN))]


@router.get(
    "/v1/internal/hours/persons/{person_id}/certified-records",
    summary="A person's certified records (the certificate's content); machine clients",
    response_model=CertifiedRecords,
    responses=problem_responses(401, 403, 404, 422),
)
async def certified_records(
    person_id: uuid.UUID,
    actor: Machine,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> CertifiedRecords:
    return await service.certified_records(session, person_id, year)


@router.post(
    "/v1/internal/hours/recognised-credits",
    summary="Credit the certified entries of a verified partner statement, once per entry (000 art. 22)",
    response_model=RecognitionOut,
    responses=problem_responses(401, 403, 422, 503),
)
async def recognise(body: RecognitionIn, actor: Machine, session: SessionDep, registry: RegistryDep) -> RecognitionOut:
    return await service.recognise(session, registry, actor, body)


@router.post(
    "/v1/internal/hours/recognised-credits:withdraw",
    summary="Reverse the hours recognised from a credential the partner revoked",
    response_model=WithdrawalOut,
    responses=problem_responses(401, 403, 422),
)
async def withdraw(body: WithdrawalIn, actor: Machine, session: SessionDep) -> WithdrawalOut:
    return await service.withdraw(session, actor, body)
