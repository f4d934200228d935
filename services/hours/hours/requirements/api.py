"""Routes of industry requirements (thin)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Row

from cekit.auth import PrincipalDep
from cekit.db import SessionDep
from cekit.problems import problem_responses
from hours.requirements import repository, service
from hours.requirements.schemas import IndustryRequirementIn, IndustryRequirementOut

router = APIRouter(tags=["requirements"])

Industry = Annotated[str, Path(min_length=1, max_length=60)]
Year = Annotated[int, Query(ge=2000, le=2100)]


@router.put(
    "/v1/requirements/industries/{industry}",
    summary="Set an industry's higher yearly requirement (its industry official, or an admin); the higher of it "
    "and the jurisdiction's rule applies (001 §2.2)",
    response_model=IndustryRequirementOut,
    responses=problem_responses(401, 403, 422),
)
async def put_industry_requirement(
    industry: Industry,
    year: Year,
    body: IndustryRequirementIn,
    actor: PrincipalDep,
    session: SessionDep,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$", description="default: your region")] = None,
) -> IndustryRequirementOut:
    return _out(await service.set_requirement(session, actor, industry, year, region_code, body))


@router.get(
    "/v1/requirements/industries/{industry}",
    summary="An industry's requirements for a year, per region where set",
    response_model=list[IndustryRequirementOut],
    responses=problem_responses(401, 422),
)
async def get_industry_requirements(
    industry: Industry, year: Year, actor: PrincipalDep, session: SessionDep
) -> list[IndustryRequirementOut]:
    return [_out(row) for row in await repository.rows(session, industry, year)]


def _out(row: Row[Any]) -> IndustryRequirementOut:
    return IndustryRequirementOut.model_validate(row._mapping, from_attributes=False)
