"""Queries of industry requirements."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hours.models import industry_requirement
from hours.policy.resolve import IndustryRequirement

t = industry_requirement


async def for_industry(session: AsyncSession, industry: str, year: int) -> list[IndustryRequirement]:
    return await for_industry_years(session, industry, [year])


async def for_industry_years(session: AsyncSession, industry: str, years: Sequence[int]) -> list[IndustryRequirement]:
    """The industry's requirements of several years in one statement (``PolicyBook.requirement`` picks the year)."""
    rows = await session.execute(select(t).where(t.c.industry == industry, t.c.year.in_(list(years))))
    return [
        IndustryRequirement(
            industry=r.industry,
            year=r.year,
            region_code=r.region_code,
            total=r.total,
            public=r.public,
            professional=r.professional,
            public_required=r.public_required,
            source=r.source,
        )
        for r in rows
    ]


async def rows(session: AsyncSession, industry: str, year: int) -> list[Row[Any]]:
    result = await session.execute(
        select(t).where(t.c.industry == industry, t.c.year == year).order_by(t.c.region_code)
    )
    return list(result.all())


async def get(session: AsyncSession, industry: str, year: int, region_code: str) -> Row[Any] | None:
    result = await session.execute(
        select(t).where(t.c.industry == industry, t.c.year == year, t.c.region_code == region_code)
    )
    return result.one_or_none()


async def put(
    session: AsyncSession,
    industry: str,
    year: int,
    region_code: str,
    values: Mapping[str, Decimal | None],
    source: str,
    set_by: str,
) -> Row[Any]:
    fields = {**values, "source": source, "set_by": set_by}
    statement = (
        insert(t)
        .values(industry=industry, year=year, region_code=region_code, **fields)
        .on_conflict_do_update(
            index_elements=[t.c.industry, t.c.year, t.c.region_code], set_={**fields, "updated_at": func.now()}
        )
        .returning(*t.c)
    )
    return (await session.execute(statement)).one()
