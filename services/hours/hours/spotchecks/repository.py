"""Queries of spot checks and their items."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hours.models import learning_record, spot_check, spot_check_item


async def create(session: AsyncSession, values: dict[str, Any], record_ids: Sequence[uuid.UUID]) -> None:
    await session.execute(insert(spot_check).values(**values))
    if record_ids:
        await session.execute(
            insert(spot_check_item),
            [{"spot_check_id": values["id"], "record_id": r, "position": i} for i, r in enumerate(record_ids)],
        )


async def get(session: AsyncSession, check_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(spot_check).where(spot_check.c.id == check_id))).one_or_none()


async def items(session: AsyncSession, check_id: uuid.UUID) -> list[Row[Any]]:
    i, r = spot_check_item, learning_record
    rows = await session.execute(
        select(i, r.c.person_id, r.c.category, r.c.activity, r.c.title, r.c.credit_hours, r.c.status)
        .join(r, r.c.id == i.c.record_id)
        .where(i.c.spot_check_id == check_id)
        .order_by(i.c.position)
    )
    return list(rows.all())


async def get_item(
    session: AsyncSession, check_id: uuid.UUID, record_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any] | None:
    i = spot_check_item
    query = select(i).where(i.c.spot_check_id == check_id, i.c.record_id == record_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def set_result(
    session: AsyncSession, check_id: uuid.UUID, record_id: uuid.UUID, passed: bool, comment: str | None, by: str
) -> None:
    i = spot_check_item
    await session.execute(
        update(i)
        .where(i.c.spot_check_id == check_id, i.c.record_id == record_id)
        .values(passed=passed, comment=comment, checked_by=by, checked_at=func.now())
    )
