"""The queries of statistics: the people of a scope and their year's hours, streamed in one statement, and the
industry requirements of the years asked for."""

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, and_, cast, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hours import access
from hours.models import industry_requirement, person_profile, person_year_total
from hours.policy.resolve import IndustryRequirement
from hours.statistics.schemas import GroupBy
from hours.vocabulary import Category

p = person_profile
t = person_year_total

# Enough rows per round trip to keep the server busy, few enough to keep memory flat at any scope size.
_CHUNK = 5000


class Alike(NamedTuple):
    """People who share everything their compliance and their row depend on: their facts (region, title,
    industry), the year, their credited hours per category, and the row's key. ``persons`` of them."""

    key: Any
    region_code: str
    title_level: str
    industry: str
    year: int
    public: int  # tenths of an hour credited, each
    professional: int
    public_required: int
    persons: int
    pending: int  # tenths of an hour pending, all of them together


def key_column(group_by: GroupBy) -> ColumnElement[Any]:
    if group_by is GroupBy.REGION:
        return p.c.region_code
    if group_by is GroupBy.INDUSTRY:
        return p.c.industry
    return p.c.employer_id


def after_key(group_by: GroupBy, key: str | uuid.UUID) -> ColumnElement[bool]:
    """People whose key sorts after ``key``, in the order the service sorts keys: code points for text (the "C"
    collation, whatever the database's default), then people without an employer last."""
    if group_by is GroupBy.EMPLOYER:
        return or_(p.c.employer_id > key, p.c.employer_id.is_(None))
    return key_column(group_by).collate("C") > key


def _tenths(hours: ColumnElement[Decimal]) -> ColumnElement[int]:
    """Hours as whole tenths (the totals are numeric(9,1), so exact; no row: 0): integers decode, hash and add
    several times faster than decimals, which counts at 100,000 people."""
    return cast(func.coalesce(hours, 0) * 10, Integer)


def _total_of(total: Any, year: ColumnElement[int], category: Category) -> ColumnElement[bool]:
    return and_(total.c.person_id == p.c.person_id, total.c.year == year, total.c.category == category.value)


async def alike_people(
    session: AsyncSession,
    scopes: Sequence[access.Scope],
    wanted: access.Scope,
    group_by: GroupBy,
    *,
    from_year: int,
    to_year: int,
    after: ColumnElement[bool] | None = None,
) -> AsyncIterator[Alike]:
    """Every person with a profile in one of ``scopes`` and in ``wanted``, in every year from ``from_year`` to
    ``to_year``, with that year's kept totals (none: zeros), counted together with the people alike (at most
    one row per person-year; far fewer where facts and hours repeat). One statement, read through a server-side
    cursor."""
    years = func.generate_series(from_year, to_year).table_valued("year").render_derived(name="y")
    # The kept totals hold one row per person, year and category (their key): the year's public and
    # professional rows, joined by that key, are what ``compliance.service.sums`` reads for one person.
    public = t.alias("public_total")
    professional = t.alias("professional_total")
    conditions = [access.scope_condition(scopes, p), access.scope_condition([wanted], p)]
    if after is not None:
        conditions.append(after)
    person_year = (
        select(
            (years.c.year if group_by is GroupBy.YEAR else key_column(group_by)).label("key"),
            p.c.region_code,
            p.c.title_level,
            p.c.industry,
            years.c.year,
            _tenths(public.c.credited).label("public"),
            _tenths(professional.c.credited).label("professional"),
            _tenths(public.c.required_credited).label("public_required"),
            (_tenths(public.c.pending) + _tenths(professional.c.pending)).label("pending"),
        )
        .select_from(
            p.join(years, true())
            .outerjoin(public, _total_of(public, years.c.year, Category.PUBLIC))
            .outerjoin(professional, _total_of(professional, years.c.year, Category.PROFESSIONAL))
        )
        .where(*conditions)
        .subquery("person_year")
    )
    alike = [person_year.c[name] for name in Alike._fields[:-2]]
    statement = (
        select(*alike, func.count().label("persons"), func.sum(person_year.c.pending).label("pending"))
        .group_by(*alike)
        .execution_options(yield_per=_CHUNK)
    )
    result = await session.stream(statement)
    try:
        async for chunk in result.partitions():
            for row in chunk:
                yield Alike._make(row)
    finally:
        await result.close()  # a consumer that stops early must not leave the cursor open on the connection


_REQUIREMENT_FIELDS = [f.name for f in dataclasses.fields(IndustryRequirement)]


async def industry_requirements(
    session: AsyncSession, from_year: int, to_year: int
) -> dict[tuple[str, int], list[IndustryRequirement]]:
    """All industries' higher requirements of the years (a small table), by industry and year."""
    rows = await session.execute(
        select(*(industry_requirement.c[name] for name in _REQUIREMENT_FIELDS)).where(
            industry_requirement.c.year.between(from_year, to_year)
        )
    )
    found: dict[tuple[str, int], list[IndustryRequirement]] = {}
    for row in rows:
        found.setdefault((row.industry, row.year), []).append(IndustryRequirement(**row._mapping))
    return found
