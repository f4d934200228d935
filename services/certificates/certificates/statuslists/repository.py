"""Every query on ``status_list`` (and the status positions held by ``statement``)."""

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.db import Reader
from certificates.models import statement, status_list
from certificates.statuslists import bitstring

_POSITION = {
    "revocation": (statement.c.revocation_list_id, statement.c.revocation_index),
    "suspension": (statement.c.suspension_list_id, statement.c.suspension_index),
}

# Any row, whatever its columns (SQLAlchemy types rows by their column tuple).
AnyRow = Row[*tuple[Any, ...]]


async def lock_open_list(session: AsyncSession, purpose: str) -> AnyRow | None:
    """The oldest list of ``purpose`` that still takes new entries, locked until the transaction ends: index
    allocation on one list is serialised, so two statements never get the same index (the unique constraints
    on ``statement`` would refuse it anyway)."""
    t = status_list
    query = (
        select(t.c.id, t.c.size, t.c.allocated)
        .where(t.c.purpose == purpose, t.c.allocated < t.c.size * 3 / 4)
        .order_by(t.c.id)
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(query)).one_or_none()


async def create_list(session: AsyncSession, purpose: str, size: int) -> int:
    list_id = await session.scalar(
        insert(status_list)
        .values(purpose=purpose, size=size, bits=bitstring.empty(size), allocated=0, version=0)
        .returning(status_list.c.id)
    )
    assert list_id is not None
    return int(list_id)


async def used_indexes(session: AsyncSession, purpose: str, list_id: int, candidates: Collection[int]) -> set[int]:
    list_column, index_column = _POSITION[purpose]
    rows = await session.scalars(select(index_column).where(list_column == list_id, index_column.in_(list(candidates))))
    return set(rows)


async def count_allocation(session: AsyncSession, list_id: int) -> None:
    await session.execute(
        update(status_list).where(status_list.c.id == list_id).values(allocated=status_list.c.allocated + 1)
    )


async def set_bit(session: AsyncSession, list_id: int, index: int, value: int) -> None:
    """One bit, in the database (``set_bit`` under the row lock the UPDATE takes): concurrent flips of other bits
    of the same list queue behind each other instead of overwriting each other's bitstring."""
    t = status_list
    await session.execute(
        update(t)
        .where(t.c.id == list_id)
        .values(
            bits=func.set_bit(t.c.bits, bitstring.postgres_bit_number(index), value),
            version=t.c.version + 1,
            # Not now(): that is the transaction's start, which may precede the change queued before ours.
            updated_at=func.clock_timestamp(),
        )
    )


async def head(session: AsyncSession, list_id: int) -> AnyRow | None:
    t = status_list
    query = select(t.c.id, t.c.purpose, t.c.size, t.c.version, t.c.updated_at).where(t.c.id == list_id)
    return (await session.execute(query)).one_or_none()


async def whole(session: AsyncSession, list_id: int) -> AnyRow | None:
    t = status_list
    query = select(t.c.id, t.c.purpose, t.c.size, t.c.version, t.c.updated_at, t.c.bits).where(t.c.id == list_id)
    return (await session.execute(query)).one_or_none()


# The verification hot path (every ``POST /v1/verifications`` of one of our statements) runs this through the
# ``Reader``: one statement on a read-only asyncpg connection, prepared once per connection, with no transaction
# around it and no ORM session — through a SQLAlchemy connection the same SELECT cost three times as much CPU
# (scripts/bench_certificates.py). It reads the committed bits at that moment: a revocation is seen by the
# first verification that starts after the revocation's commit, in any process.
_READ_BITS = """
    SELECT p.list_id, p.idx, l.purpose, l.size,
           CASE WHEN p.idx >= 0 AND p.idx < l.size THEN get_bit(l.bits, (p.idx / 8) * 8 + 7 - p.idx % 8) END AS bit
    FROM unnest(CAST($1 AS integer[]), CAST($2 AS integer[])) AS p(list_id, idx)
    JOIN status_list AS l ON l.id = p.list_id
"""


async def read_bits(
    reader: Reader, positions: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], tuple[str, int, int | None]]:
    """(list id, index) → (purpose, size, bit) in one round trip, reading single bits in the database (the same
    numbering as ``bitstring.postgres_bit_number``); the bit is None for an index beyond the list. Absent lists
    are absent from the answer. Raises the driver's errors (``asyncpg.PostgresError``, ``InterfaceError``,
    ``OSError``) when the database cannot answer."""
    if not positions:
        return {}
    lists, indexes = [list_id for list_id, _ in positions], [index for _, index in positions]
    rows = await reader.fetch(_READ_BITS, lists, indexes)
    return {(row[0], row[1]): (row[2], row[3], row[4]) for row in rows}
