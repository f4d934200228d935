"""Routes of spot checks (thin)."""

import uuid

from fastapi import APIRouter

from cekit.auth import PrincipalDep
from cekit.db import SessionDep
from cekit.problems import problem_responses
from hours.spotchecks import service
from hours.spotchecks.schemas import SpotCheckIn, SpotCheckOut, SpotCheckResultIn

router = APIRouter(tags=["spot checks"])


@router.post(
    "/v1/spot-checks",
    summary="Draw a random sample of certified records in your scope (HR and industry officials, 000 art. 16)",
    status_code=201,
    response_model=SpotCheckOut,
    responses=problem_responses(401, 403, 422),
)
async def draw_spot_check(body: SpotCheckIn, actor: PrincipalDep, session: SessionDep) -> SpotCheckOut:
    return await service.draw(session, actor, body)


@router.get(
    "/v1/spot-checks/{check_id}",
    summary="A spot check and the results so far",
    response_model=SpotCheckOut,
    responses=problem_responses(401, 404),
)
async def get_spot_check(check_id: uuid.UUID, actor: PrincipalDep, session: SessionDep) -> SpotCheckOut:
    return await service.read(session, actor, check_id)


@router.post(
    "/v1/spot-checks/{check_id}/results",
    summary="Record the result of checking one sampled record; a failure withdraws its hours by a reversing entry",
    response_model=SpotCheckOut,
    responses=problem_responses(401, 404, 409, 422),
)
async def record_spot_check_result(
    check_id: uuid.UUID, body: SpotCheckResultIn, actor: PrincipalDep, session: SessionDep
) -> SpotCheckOut:
    return await service.record_result(session, actor, check_id, body)
