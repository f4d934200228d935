"""Route of title-evaluation eligibility (thin; ``eligibility.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cekit.auth import PrincipalDep
from cekit.db import SessionDep
from cekit.problems import problem_responses
from hours.deps import PolicyDep, RegistryDep
from hours.eligibility import service
from hours.eligibility.schemas import EligibilityOut

router = APIRouter(tags=["eligibility"])


@router.get(
    "/v1/eligibility/{person_id}",
    summary="Whether each year of a window (at most 10) met its requirement, and so whether the person may be "
    "evaluated for a title (004 §3; 001 §4; 000 art. 15)",
    response_model=EligibilityOut,
    responses=problem_responses(401, 404, 422),
)
async def get_eligibility(
    person_id: uuid.UUID,
    from_year: Annotated[int, Query(ge=2000, le=2100)],
    to_year: Annotated[int, Query(ge=2000, le=2100)],
    actor: PrincipalDep,
    session: SessionDep,
    book: PolicyDep,
    registry: RegistryDep,
) -> EligibilityOut:
    return await service.eligibility(session, book, actor, person_id, from_year, to_year, registry)
