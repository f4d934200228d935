"""Routes of learning records: thin; the use cases are in ``records.service`` and ``reviews.service``."""

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Row

from cekit.auth import PrincipalDep, require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.routing import OrjsonRoute
from cekit.tokens import Principal
from hours import access
from hours.clock import today_in_china
from hours.deps import PolicyDep, RegistryDep
from hours.records import service
from hours.records.schemas import (
    BatchIn,
    BatchResult,
    DeclaredRecord,
    Measure,
    RecordOut,
    RecordPage,
    ReviewIn,
    StatusName,
)
from hours.reviews import service as reviews
from hours.vocabulary import MEASURE_FIELDS, Status

router = APIRouter(tags=["learning records"], route_class=OrjsonRoute)  # batches of up to 1,000 records

Institution = Annotated[Principal, Depends(require_roles(access.INSTITUTION))]
Declarant = Annotated[Principal, Depends(require_roles(access.PERSON, access.EMPLOYER))]


@router.post(
    "/v1/learning-records:batch",
    summary="Push learning records (institutions; up to 1,000, each answered on its own, in input order)",
    response_model=BatchResult,
    response_model_exclude_none=True,
    responses=problem_responses(401, 403, 422, 503),
)
async def push_records(
    body: BatchIn, actor: Institution, session: SessionDep, registry: RegistryDep, book: PolicyDep
) -> Response:
    outcomes = await service.push(session, registry, book, actor, body.records, today_in_china())
    # Serialised here, straight from the outcomes, in ``BatchResult``'s shape (absent fields left out): a model per
    # result, validated and dumped, cost 5 µs a record (tests/test_intake.py reads the answer against the model).
    answer = {"results": [_result_json(o) for o in outcomes]}
    return Response(orjson.dumps(answer, default=str), media_type="application/json")  # str: asyncpg's UUIDs


@router.post(
    "/v1/learning-records",
    summary="Declare a record: a person their own (exam, self-study, publication, …), an employer's admin "
    "in-unit training of its staff",
    status_code=201,
    response_model=RecordOut,
    responses={
        200: {"description": "The same record was declared before (identical content)", "model": RecordOut},
        **problem_responses(401, 403, 409, 422, 503),
    },
)
async def declare_record(
    body: DeclaredRecord,
    actor: Declarant,
    session: SessionDep,
    registry: RegistryDep,
    book: PolicyDep,
    response: Response,
) -> RecordOut:
    row, created = await service.declare(session, registry, book, actor, body, today_in_china())
    if not created:
        response.status_code = 200
    return record_out(row)


@router.get(
    "/v1/learning-records/{record_id}",
    summary="A learning record (the person, their employer, officials of its region or industry, the institution)",
    response_model=RecordOut,
    responses=problem_responses(401, 404),
)
async def get_record(record_id: uuid.UUID, actor: PrincipalDep, session: SessionDep) -> RecordOut:
    return record_out(await service.read(session, actor, record_id))


@router.get(
    "/v1/learning-records",
    summary="Learning records the caller may see, oldest first (cursor pagination)",
    response_model=RecordPage,
    responses=problem_responses(400, 401, 422),
)
async def list_records(
    actor: PrincipalDep,
    session: SessionDep,
    person_id: uuid.UUID | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: StatusName | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RecordPage:
    rows, next_cursor = await service.page(
        session,
        actor,
        person_id=person_id,
        year=year,
        status=Status(status) if status else None,
        cursor=cursor,
        limit=limit,
    )
    return RecordPage(items=[record_out(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/v1/learning-records/{record_id}/reviews",
    summary="Review a record: the employer's first review, then certification by HR (public subjects) or the "
    "industry authority (professional subjects), 000 art. 14",
    response_model=RecordOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def review_record(record_id: uuid.UUID, body: ReviewIn, actor: PrincipalDep, session: SessionDep) -> RecordOut:
    return record_out(await reviews.review(session, actor, record_id, body.decision, body.comment))


def record_out(row: Row[Any]) -> RecordOut:
    return RecordOut(
        id=row.id,
        external_id=row.external_id,
        submitter_type=row.submitter_type,
        submitter_id=row.submitter_id,
        person_id=row.person_id,
        region_code=row.region_code,
        employer_id=row.employer_id,
        industry=row.industry,
        title_level=row.title_level,
        year=row.year,
        category=row.category,
        activity=row.activity,
        title=row.title,
        start_date=row.start_date,
        end_date=row.end_date,
        result=row.result,
        course_code=row.course_code,
        required=row.required,
        measure=Measure(**{name: getattr(row, name) for name in MEASURE_FIELDS}),
        status=row.status,
        credited_hours=row.credit_hours,
        rule=row.rule,
        source=row.source,
        explanation=row.explanation,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _result_json(outcome: service.Outcome) -> dict[str, Any]:
    """One ``ItemResult`` as JSON: hours as a number, as ``Hours`` serialises them."""
    result: dict[str, Any] = {} if outcome.external_id is None else {"external_id": outcome.external_id}
    result["status"] = outcome.status
    if outcome.record_id is not None:
        result["record_id"] = outcome.record_id
    if outcome.credited_hours is not None:
        result["credited_hours"] = float(outcome.credited_hours)
    if outcome.error is not None:
        result["error"] = {"code": outcome.error.code.value, "detail": outcome.error.detail}
    return result
