"""Every query on ``partner``."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from certificates.models import partner
from certificates.partners import paging

AnyRow = Row[*tuple[Any, ...]]


async def add(session: AsyncSession, values: dict[str, Any]) -> AnyRow:
    row: AnyRow = (await session.execute(insert(partner).values(**values).returning(partner))).one()
    return row


async def get(session: AsyncSession, partner_id: uuid.UUID) -> AnyRow | None:
    return (await session.execute(select(partner).where(partner.c.id == partner_id))).one_or_none()


async def active_with(session: AsyncSession, issuer: str, region_code: str) -> AnyRow | None:
    """The active partner with this issuer or this region, if any."""
    query = select(partner).where(
        partner.c.status == "active", or_(partner.c.issuer == issuer, partner.c.region_code == region_code)
    )
    return (await session.execute(query.limit(1))).one_or_none()


async def page(session: AsyncSession, cursor: str | None, limit: int) -> tuple[Sequence[AnyRow], str | None]:
    query = select(partner).order_by(partner.c.created_at.desc(), partner.c.id.desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(paging.after(partner, cursor))
    rows = (await session.execute(query)).all()
    return rows[:limit], paging.encode(rows[limit - 1]) if len(rows) > limit else None


async def revoke(session: AsyncSession, partner_id: uuid.UUID, at: datetime, by: str, reason: str) -> AnyRow | None:
    """Marks it revoked unless it already is (None then)."""
    query = (
        update(partner)
        .where(partner.c.id == partner_id, partner.c.status == "active")
        .values(status="revoked", revoked_at=at, revoked_by=by, revocation_reason=reason)
        .returning(partner)
    )
    row: AnyRow | None = (await session.execute(query)).one_or_none()
    return row


async def everything(connection: AsyncConnection) -> Sequence[AnyRow]:
    """Every partner, active and revoked (a handful of provinces): the directory's snapshot."""
    return (await connection.execute(select(partner).order_by(partner.c.created_at))).all()
