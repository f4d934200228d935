"""Routes of recognitions (thin; ``recognitions.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from certificates.deps import AuthorizationDep, ServicesDep
from certificates.partners.wiring import PartneringDep, ReverifierDep
from certificates.recognitions import access, service
from certificates.recognitions.schemas import RecognitionOut, RecognitionPage, RecognitionRequest, ReverifyOut

router = APIRouter(tags=["recognitions"])

Recogniser = Annotated[Principal, Depends(require_roles(*access.RECOGNISERS))]
Reader = Annotated[Principal, Depends(require_roles(*access.READERS))]
Reverifier = Annotated[Principal, Depends(require_roles(*access.REVERIFIERS))]


@router.post(
    "/v1/recognitions",
    summary="Recognise a partner province's statement: credit its certified hours here, once (000 art. 22)",
    description="For the person themself, their employer, HR / industry officials in scope, admin. The statement "
    "is verified (the partner's keys and status list, validity, the ID number against its commitment) and must "
    "be an active partner's; then its entries are credited to the person registered here with that ID number and "
    "the statement's name, once per partner entry. 201 with the recognition; a replay of the same credential "
    "answers 200 with the same recognition and credits nothing. Refusals (422) carry a `code` — `own_credential`, "
    "`issuer_not_partner`, `credential_invalid`, `credential_revoked`, `credential_suspended`, "
    "`credential_expired`, `id_number_mismatch`, `unknown_person`, `name_mismatch`, `nothing_to_recognise` — and "
    "the verification report (`verification`); a partner out of reach is 503 `partner_unreachable` with "
    "Retry-After. `Idempotency-Key` is honoured.",
    status_code=201,
    response_model=RecognitionOut,
    responses={200: {"description": "recognised before: the same recognition", "model": RecognitionOut},
               **problem_responses(401, 403, 404, 409, 422, 503)},
)  # fmt: skip
async def recognise(
    body: RecognitionRequest,
    actor: Recogniser,
    session: SessionDep,
    services: ServicesDep,
    partnering: PartneringDep,
    response: Response,
) -> RecognitionOut:
    recognition, created = await service.recognise(session, services, partnering.directory, actor, body)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/v1/recognitions/{recognition.recognition_id}"
    return recognition


@router.post(
    "/v1/recognitions:reverify",
    summary="Verify every recognised statement again now; withdraw the hours of those their partner revoked (admin)",
    description="The same run as the background one (every CERTIFICATES_REVERIFY_EVERY_SECONDS). Revoked: hours "
    "reversed, recognition withdrawn. Suspended and undecidable ones are left as they are and counted.",
    response_model=ReverifyOut,
    responses=problem_responses(401, 403, 503),
)
async def reverify(actor: Reverifier, reverifier: ReverifierDep) -> ReverifyOut:
    answer = await reverifier.run(actor, wait=True)
    assert answer is not None  # a waiting run always runs
    return answer


@router.get(
    "/v1/recognitions",
    summary="Recognitions of a person, newest first (those who may see the person; admin: everyone's)",
    response_model=RecognitionPage,
    responses=problem_responses(400, 401, 403, 404, 422, 503),
)
async def list_recognitions(
    actor: Reader,
    authorization: AuthorizationDep,
    session: SessionDep,
    services: ServicesDep,
    person_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RecognitionPage:
    return await service.page(session, services, actor, authorization, person_id, cursor, limit)


@router.get(
    "/v1/recognitions/{recognition_id}",
    summary="One recognition, with its status (recognised or withdrawn)",
    response_model=RecognitionOut,
    responses=problem_responses(401, 403, 404, 503),
)
async def get_recognition(
    recognition_id: uuid.UUID,
    actor: Reader,
    authorization: AuthorizationDep,
    session: SessionDep,
    services: ServicesDep,
) -> RecognitionOut:
    return await service.get(session, services, actor, authorization, recognition_id)
