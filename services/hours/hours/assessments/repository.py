"""Queries of annual assessments. Current = the highest version of its person-year."""

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, exists, func, insert, or_, select, true
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from hours import access
from hours.errors import BadCursor
from hours.models import annual_assessment, person_profile

t = annual_assessment


async def latest(session: AsyncSession, person_id: uuid.UUID, year: int) -> Row[Any] | None:
    result = await session.execute(
        select(t).where(t.c.person_id == person_id, t.c.year == year).order_by(t.c.version.desc()).limit(1)
    )
    return result.one_or_none()


async def create(session: AsyncSession, values: Mapping[str, Any]) -> Row[Any]:
    return (await session.execute(insert(t).values(**values).returning(*t.c))).one()


async def for_person(session: AsyncSession, person_id: uuid.UUID, year: int | None) -> list[Row[Any]]:
    """Every signing of the person (of ``year``), newest year first, newest signing first, flagged ``current``."""
    newest = func.max(t.c.version).over(partition_by=[t.c.person_id, t.c.year])
    query = select(t, (t.c.version == newest).label("current")).where(t.c.person_id == person_id)
    if year is not None:
        query = query.where(t.c.year == year)
    rows = await session.execute(query.order_by(t.c.year.desc(), t.c.version.desc()))
    return list(rows.all())


async def current_for_years(session: AsyncSession, person_id: uuid.UUID, years: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await session.execute(
        select(t, true().label("current"))
        .where(t.c.person_id == person_id, t.c.year.in_(list(years)))
        .ext(distinct_on(t.c.year))
        .order_by(t.c.year, t.c.version.desc())
    )
    return {row.year: row for row in rows}


def encode_cursor(row: Row[Any]) -> str:
    raw = json.dumps([row.signed_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        signed_at, assessment_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(signed_at), uuid.UUID(assessment_id)
    except (ValueError, TypeError) as exc:
        raise BadCursor("The cursor is not one this service gave out; start again without it.") from exc


async def page(
    session: AsyncSession,
    scopes: Sequence[access.Scope],
    *,
    year: int | None,
    opinion: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row[Any]], str | None]:
    """Current assessments of the people the caller may read (by their latest known facts, as compliance
    decides), oldest signing first, keyset-paginated on (signed_at, id)."""
    newer = t.alias("newer")
    superseded = exists().where(
        newer.c.person_id == t.c.person_id, newer.c.year == t.c.year, newer.c.version > t.c.version
    )
    conditions = [access.scope_condition(scopes, person_profile), ~superseded]
    if year is not None:
        conditions.append(t.c.year == year)
    if opinion is not None:
        conditions.append(t.c.opinion == opinion)
    if cursor is not None:
        signed_at, last_id = decode_cursor(cursor)
        conditions.append(or_(t.c.signed_at > signed_at, and_(t.c.signed_at == signed_at, t.c.id > last_id)))
    query = (
        select(t, true().label("current"))
        .join(person_profile, person_profile.c.person_id == t.c.person_id)
        .where(*conditions)
        .order_by(t.c.signed_at, t.c.id)
        .limit(limit + 1)
    )
    rows = list((await session.execute(query)).all())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
