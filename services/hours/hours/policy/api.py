"""Routes that show the policy as data: the packs with every rule's source, and the requirement that applies
to a region, title level, industry and year (what compliance uses). Public policy, so any signed-in caller."""

from dataclasses import asdict
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cekit.auth import PrincipalDep
from cekit.db import SessionDep
from cekit.problems import NotFound, problem_responses
from hours.deps import PolicyDep
from hours.policy.model import Pack
from hours.requirements import repository as requirements
from hours.units import SignedHours
from hours.vocabulary import TitleLevel

router = APIRouter(tags=["policy"])


class PackSummary(BaseModel):
    id: str = Field(description="a region code, or 'national'")
    name: str
    extends: str | None
    document: str


class RequiredKey(BaseModel):
    hours: SignedHours | None = Field(description="null: not constrained here")
    source: str | None


class RequirementOut(BaseModel):
    region_code: str
    title_level: TitleLevel
    industry: str | None
    year: int
    jurisdiction: str
    total: RequiredKey
    public: RequiredKey
    professional: RequiredKey
    public_required: RequiredKey


@router.get(
    "/v1/policy-packs",
    summary="The policy packs, one per jurisdiction",
    response_model=list[PackSummary],
    responses=problem_responses(401),
)
async def list_packs(actor: PrincipalDep, book: PolicyDep) -> list[PackSummary]:
    return [PackSummary(id=p.id, name=p.name, extends=p.extends, document=p.document) for p in book.packs.values()]


@router.get(
    "/v1/policy-packs/{pack_id}",
    summary="A pack's requirements, caps and crediting rules, each with its source and first year",
    responses=problem_responses(401, 404),
)
async def get_pack(pack_id: str, actor: PrincipalDep, book: PolicyDep) -> dict[str, Any]:
    pack = book.packs.get(pack_id)
    if pack is None:
        raise NotFound(f"No policy pack {pack_id!r}.", code="pack_not_found")
    return _plain(pack)


@router.get(
    "/v1/requirements",
    summary="The yearly requirement for a region, title level and industry, with the source of each figure",
    response_model=RequirementOut,
    responses=problem_responses(401, 422),
)
async def get_requirement(
    actor: PrincipalDep,
    session: SessionDep,
    book: PolicyDep,
    region_code: Annotated[str, Query(pattern=r"^\d{6}$")],
    year: Annotated[int, Query(ge=2000, le=2100)],
    title_level: TitleLevel = TitleLevel.NONE,
    industry: Annotated[str | None, Query(max_length=60)] = None,
) -> RequirementOut:
    overrides = await requirements.for_industry(session, industry, year) if industry else []
    requirement = book.requirement(region_code, title_level, year, overrides)
    keys = {k: RequiredKey(hours=v.hours, source=v.source) for k, v in requirement.values.items()}
    return RequirementOut(
        region_code=region_code,
        title_level=title_level,
        industry=industry,
        year=year,
        jurisdiction=requirement.jurisdiction,
        **keys,
    )


def _plain(pack: Pack) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral() else float(value)
        if isinstance(value, Fraction):
            return str(value)
        if isinstance(value, frozenset | set):
            return sorted(str(v) for v in value)
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    plain: dict[str, Any] = convert(asdict(pack))
    return plain
