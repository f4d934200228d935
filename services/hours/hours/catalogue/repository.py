"""Every query of the subject catalogue."""

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, delete, exists, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hours import regions
from hours.errors import BadCursor
from hours.models import catalogue_course, learning_record

t = catalogue_course
CourseKey = tuple[int, str]  # year, code


@dataclass(frozen=True)
class Course:
    """What intake needs to know about a cited course."""

    year: int
    code: str
    category: str
    required: bool
    industry: str | None
    region_code: str


async def courses_for(session: AsyncSession, keys: Iterable[CourseKey]) -> dict[CourseKey, Course]:
    """The cited courses, in one statement. ``FOR KEY SHARE`` holds them until the records citing them are
    written and committed, so a concurrent withdrawal waits and then sees the citation (or, if it went first,
    the code is simply unknown here)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await session.execute(
        select(t.c.year, t.c.code, t.c.category, t.c.required, t.c.industry, t.c.region_code)
        .where(tuple_(t.c.year, t.c.code).in_(wanted))
        .with_for_update(read=True, key_share=True)
    )
    return {(r.year, r.code): Course(r.year, r.code, r.category, r.required, r.industry, r.region_code) for r in rows}


async def insert_course(session: AsyncSession, values: Mapping[str, Any]) -> Row[Any] | None:
    """The new course, or None when the year already holds its code (the caller compares with what is there)."""
    statement = insert(t).values(**values).on_conflict_do_nothing(index_elements=[t.c.year, t.c.code]).returning(*t.c)
    return (await session.execute(statement)).one_or_none()


async def get(session: AsyncSession, year: int, code: str, *, for_update: bool = False) -> Row[Any] | None:
    query = select(t).where(t.c.year == year, t.c.code == code)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def is_cited(session: AsyncSession, year: int, code: str) -> bool:
    r = learning_record
    cited = exists().where(r.c.year == year, r.c.course_code == code)
    return bool((await session.execute(select(cited))).scalar())


async def delete_course(session: AsyncSession, year: int, code: str) -> None:
    await session.execute(delete(t).where(t.c.year == year, t.c.code == code))


def encode_cursor(row: Row[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([row.year, row.code]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> CourseKey:
    try:
        year, code = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if type(year) is not int or not 2000 <= year <= 2100 or not isinstance(code, str):
            raise TypeError(cursor)
        return year, code
    except (ValueError, TypeError) as exc:
        raise BadCursor("The cursor is not one this service gave out; start again without it.") from exc


async def page(
    session: AsyncSession,
    *,
    year: int | None,
    category: str | None,
    applies_in: str | None,
    industry: str | None,
    required: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row[Any]], str | None]:
    """Courses by (year, code), keyset-paginated. ``applies_in``: courses published for that region or for a
    region containing it (its city, its province, nationwide)."""
    conditions = []
    if year is not None:
        conditions.append(t.c.year == year)
    if category is not None:
        conditions.append(t.c.category == category)
    if applies_in is not None:
        conditions.append(t.c.region_code.in_([*regions.ancestors(applies_in), regions.NATIONAL]))
    if industry is not None:
        conditions.append(t.c.industry == industry)
    if required is not None:
        conditions.append(t.c.required == required)
    if cursor is not None:
        last_year, last_code = decode_cursor(cursor)
        conditions.append(or_(t.c.year > last_year, and_(t.c.year == last_year, t.c.code > last_code)))
    query = select(t).where(*conditions).order_by(t.c.year, t.c.code).limit(limit + 1)
    rows = list((await session.execute(query)).all())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
