"""Routes of employer annual assessments (thin; ``assessments.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cekit.auth import PrincipalDep
from cekit.db import SessionDep
from cekit.problems import problem_responses
from hours.assessments import service
from hours.assessments.schemas import AssessmentHistory, AssessmentIn, AssessmentOut, AssessmentPage, Opinion
from hours.deps import PolicyDep

router = APIRouter(tags=["annual assessments"])


@router.post(
    "/v1/assessments",
    summary="Sign the year's assessment opinion on a staff member (年度考核验证, 001 §2.3; employer admins); "
    "signing again adds a version, the latest is current",
    status_code=201,
    response_model=AssessmentOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def sign_assessment(
    body: AssessmentIn, actor: PrincipalDep, session: SessionDep, book: PolicyDep
) -> AssessmentOut:
    return await service.sign(session, book, actor, body)


@router.get(
    "/v1/assessments/{person_id}",
    summary="A person's assessments, every signing with the current one flagged (whoever may read their compliance)",
    response_model=AssessmentHistory,
    responses=problem_responses(401, 404, 422),
)
async def get_assessments(
    person_id: uuid.UUID,
    actor: PrincipalDep,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> AssessmentHistory:
    return AssessmentHistory(person_id=person_id, items=await service.history(session, actor, person_id, year))


@router.get(
    "/v1/assessments",
    summary="Current assessments of the people the caller may read (an employer's staff, an official's scope), "
    "oldest signing first (cursor pagination)",
    response_model=AssessmentPage,
    responses=problem_responses(400, 401, 422),
)
async def list_assessments(
    actor: PrincipalDep,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    opinion: Opinion | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AssessmentPage:
    items, next_cursor = await service.page(session, actor, year=year, opinion=opinion, cursor=cursor, limit=limit)
    return AssessmentPage(items=items, next_cursor=next_cursor)
