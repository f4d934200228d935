"""Every query on ``recognition``."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.models import recognition
from certificates.partners import paging

AnyRow = Row[*tuple[Any, ...]]
_LISTED = [c for c in recognition.c if c.name != "credential"]


async def add(session: AsyncSession, values: dict[str, Any]) -> AnyRow | None:
    """The new row; None when this credential was recognised meanwhile (the unique (issuer, credential_id))."""
    query = (
        insert(recognition)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[recognition.c.issuer, recognition.c.credential_id])
        .returning(*_LISTED)
    )
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    return row


async def get(session: AsyncSession, recognition_id: uuid.UUID) -> AnyRow | None:
    return (await session.execute(select(*_LISTED).where(recognition.c.id == recognition_id))).one_or_none()


async def of_credential(session: AsyncSession, issuer: str, credential_id: str) -> AnyRow | None:
    query = select(*_LISTED).where(recognition.c.issuer == issuer, recognition.c.credential_id == credential_id)
    return (await session.execute(query)).one_or_none()


async def page(
    session: AsyncSession, person_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[AnyRow], str | None]:
    """Newest first; one person's, or everyone's (admin)."""
    t = recognition
    query = select(*_LISTED).order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit + 1)
    if person_id is not None:
        query = query.where(t.c.person_id == person_id)
    if cursor is not None:
        query = query.where(paging.after(t, cursor))
    rows = (await session.execute(query)).all()
    return rows[:limit], paging.encode(rows[limit - 1]) if len(rows) > limit else None


async def active_batch(session: AsyncSession, after: uuid.UUID | None, limit: int) -> Sequence[AnyRow]:
    """Recognitions still in force, by id, after ``after``: the re-verification walks them in batches."""
    t = recognition
    query = select(t.c.id, t.c.issuer, t.c.credential_id, t.c.credential, t.c.person_id, t.c.partner_region_code)
    query = query.where(t.c.status == "recognised").order_by(t.c.id).limit(limit)
    if after is not None:
        query = query.where(t.c.id > after)
    return (await session.execute(query)).all()


async def checked(session: AsyncSession, recognition_id: uuid.UUID, at: datetime, outcome: str, detail: str) -> None:
    await session.execute(
        update(recognition)
        .where(recognition.c.id == recognition_id)
        .values(checked_at=at, check_outcome=outcome, check_detail=detail[:1000])
    )


async def withdraw(
    session: AsyncSession, recognition_id: uuid.UUID, at: datetime, reason: str, detail: str
) -> AnyRow | None:
    """Marks it withdrawn unless it already is (None then)."""
    query = (
        update(recognition)
        .where(recognition.c.id == recognition_id, recognition.c.status == "recognised")
        .values(
            status="withdrawn",
            withdrawn_at=at,
            withdrawal_reason=reason,
            checked_at=at,
            check_outcome="revoked",
            check_detail=detail[:1000],
        )
        .returning(*_LISTED)
    )
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    return row
