"""Every query on ``statement``."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.models import statement

# Any row, whatever its columns (SQLAlchemy types rows by their column tuple).
AnyRow = Row[*tuple[Any, ...]]


async def add(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(statement).values(**values))


async def get(session: AsyncSession, statement_id: uuid.UUID) -> AnyRow | None:
    return (await session.execute(select(statement).where(statement.c.id == statement_id))).one_or_none()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> Sequence[AnyRow]:
    """Newest first, without the credentials (a list does not need them)."""
    t = statement
    query = (
        select(t.c.id, t.c.year, t.c.issued_at, t.c.valid_until, t.c.revoked_at, t.c.suspended_at)
        .where(t.c.person_id == person_id)
        .order_by(t.c.issued_at.desc(), t.c.id)
    )
    return (await session.execute(query)).all()


async def revoke(session: AsyncSession, statement_id: uuid.UUID, at: datetime, reason: str) -> AnyRow | None:
    """Marks it revoked unless it already is (None then): the row lock makes a concurrent second revocation wait
    and then find it revoked."""
    t = statement
    query = (
        update(t)
        .where(t.c.id == statement_id, t.c.revoked_at.is_(None))
        .values(revoked_at=at, revocation_reason=reason)
        .returning(t)
    )
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    return row


async def suspend(session: AsyncSession, statement_id: uuid.UUID, at: datetime, reason: str) -> AnyRow | None:
    t = statement
    query = (
        update(t)
        .where(t.c.id == statement_id, t.c.revoked_at.is_(None), t.c.suspended_at.is_(None))
        .values(suspended_at=at, suspension_reason=reason)
        .returning(t)
    )
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    return row


async def reinstate(session: AsyncSession, statement_id: uuid.UUID) -> AnyRow | None:
    t = statement
    query = (
        update(t)
        .where(t.c.id == statement_id, t.c.revoked_at.is_(None), t.c.suspended_at.is_not(None))
        .values(suspended_at=None, suspension_reason=None)
        .returning(t)
    )
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    return row
