"""Every query of the ledger and its totals.

Concurrency: every change to a person's hours in a year that reads what another may change first takes
``pg_advisory_xact_lock`` on that person-year, held to the end of the transaction: certification, rejection,
withdrawal, an employer's signed snapshot, and the intake of a record under a yearly cap. Caps are read after
the lock, so two concurrent requests for the same person-year run one after the other and never together
exceed a cap. A record under no cap reads nothing of the kind: its intake adds its pending hours to the totals
under the totals row's own lock. A batch locks all its person-years in one statement, in ascending key order,
so two batches sharing people cannot deadlock.
"""

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hours.models import ledger_entry, person_year_total
from hours.units import ZERO

PersonYear = tuple[uuid.UUID, int]
TotalKey = tuple[uuid.UUID, int, str]  # person, year, category


def lock_key(person_id: uuid.UUID, year: int) -> int:
    """A stable signed 64-bit key per person-year (``hashtext`` is not promised stable across versions)."""
    digest = hashlib.blake2b(f"{person_id}:{year}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_person_years(session: AsyncSession, person_years: Iterable[PersonYear]) -> None:
    keys = sorted({lock_key(person, year) for person, year in person_years})
    if not keys:
        return
    # unnest yields the array in order and the lock function runs row by row: ascending order, one round trip.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"), {"keys": keys}
    )


@dataclass
class TotalDelta:
    credited: Decimal = ZERO
    pending: Decimal = ZERO
    required_credited: Decimal = ZERO
    required_pending: Decimal = ZERO

    def add(self, *, credited: Decimal = ZERO, pending: Decimal = ZERO, required: bool = False) -> None:
        self.credited += credited
        self.pending += pending
        if required:
            self.required_credited += credited
            self.required_pending += pending


@dataclass
class TotalDeltas:
    by_key: dict[TotalKey, TotalDelta] = field(default_factory=dict)

    def add(self, key: TotalKey, *, credited: Decimal = ZERO, pending: Decimal = ZERO, required: bool = False) -> None:
        self.by_key.setdefault(key, TotalDelta()).add(credited=credited, pending=pending, required=required)


# Totals rows from one array per column; the numbers as text: asyncpg's binary encoding of a Decimal cost twice
# as much per row as the whole rest of the statement.
_TOTALS_FROM_ARRAYS = """
    INSERT INTO person_year_total AS t
        (person_id, year, category, credited, pending, required_credited, required_pending, updated_at)
    SELECT d.person_id, d.year, d.category, d.credited, d.pending, d.required_credited, d.required_pending, now()
    FROM unnest(CAST(:person_ids AS uuid[]), CAST(:years AS smallint[]), CAST(:categories AS text[]),
                CAST(CAST(:credited AS text[]) AS numeric[]), CAST(CAST(:pending AS text[]) AS numeric[]),
                CAST(CAST(:required_credited AS text[]) AS numeric[]),
                CAST(CAST(:required_pending AS text[]) AS numeric[]))
         AS d(person_id, year, category, credited, pending, required_credited, required_pending)
"""

_APPLY_DELTAS = text(
    _TOTALS_FROM_ARRAYS
    + """    ON CONFLICT (person_id, year, category) DO UPDATE SET
        credited = t.credited + EXCLUDED.credited,
        pending = t.pending + EXCLUDED.pending,
        required_credited = t.required_credited + EXCLUDED.required_credited,
        required_pending = t.required_pending + EXCLUDED.required_pending,
        updated_at = now()
    """
)


async def apply_deltas(session: AsyncSession, deltas: TotalDeltas) -> None:
    """Adds the deltas to the totals rows (creating them), in key order, in one statement."""
    keys = sorted(k for k, d in deltas.by_key.items() if d != TotalDelta())
    if not keys:
        return
    rows = [deltas.by_key[k] for k in keys]
    values = [(r.credited, r.pending, r.required_credited, r.required_pending) for r in rows]
    await session.execute(_APPLY_DELTAS, _totals_params(keys, values))


def _totals_params(
    keys: Sequence[TotalKey], values: Sequence[tuple[Decimal, Decimal, Decimal, Decimal]]
) -> dict[str, Any]:
    """The arrays of ``_TOTALS_FROM_ARRAYS``: per key, (credited, pending, required_credited, required_pending)."""
    params: dict[str, Any] = {
        "person_ids": [k[0] for k in keys],
        "years": [k[1] for k in keys],
        "categories": [k[2] for k in keys],
    }
    for i, column in enumerate(("credited", "pending", "required_credited", "required_pending")):
        params[column] = [str(v[i]) for v in values]
    return params


async def insert_entries(session: AsyncSession, entries: Sequence[Mapping[str, Any]]) -> None:
    if entries:
        await session.execute(insert(ledger_entry), list(entries))


async def totals_by_year(
    session: AsyncSession, person_id: uuid.UUID, years: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """``totals`` of several years of one person in one statement: year → category → row."""
    rows = await session.execute(
        select(person_year_total).where(
            person_year_total.c.person_id == person_id, person_year_total.c.year.in_(list(years))
        )
    )
    by_year: dict[int, dict[str, Any]] = {}
    for row in rows:
        by_year.setdefault(row.year, {})[row.category] = row
    return by_year


# ---- the check: totals recomputed from the ledger (credited) and the live records (pending) ----------------
# The ledger side streams: an index-only scan of its covering index ``ix_ledger_entry_person_year_category``
# (person, year, category; INCLUDE hours, required) feeds a GroupAggregate in key order, with no hash table of
# every person-year (which spilled to disk). The pending side reads the partial index ``ix_learning_record_pending``
# (the records awaiting review), not every record ever pushed. The kept totals, one row per person-year-category,
# are hashed and joined to the aggregated ledger, then the pending groups to that: a merge join on the totals'
# primary key was slower, as the pending join after it must then sort every row. Measured on 20M ledger rows
# (PostgreSQL 15 and 18): 8-9 s, from 39 s.
_DIFFERENCES = text(
    """
    SELECT coalesce(c.person_id, t.person_id, p.person_id) AS person_id,
           coalesce(c.year, t.year, p.year) AS year,
           coalesce(c.category, t.category, p.category) AS category,
           coalesce(c.credited, 0) AS expected_credited, coalesce(t.credited, 0) AS kept_credited,
           coalesce(p.pending, 0) AS expected_pending, coalesce(t.pending, 0) AS kept_pending,
           coalesce(c.required_credited, 0) AS expected_required_credited,
           coalesce(t.required_credited, 0) AS kept_required_credited,
           coalesce(p.required_pending, 0) AS expected_required_pending,
           coalesce(t.required_pending, 0) AS kept_required_pending
    FROM (
        SELECT person_id, year, category, sum(hours) AS credited,
               coalesce(sum(hours) FILTER (WHERE required), 0) AS required_credited
        FROM ledger_entry GROUP BY person_id, year, category
    ) AS c
    FULL OUTER JOIN person_year_total AS t
        ON t.person_id = c.person_id AND t.year = c.year AND t.category = c.category
    FULL OUTER JOIN (
        -- The same condition as the index's, so the planner can use it.
        SELECT person_id, year, category, sum(credit_hours) AS pending,
               coalesce(sum(credit_hours) FILTER (WHERE required), 0) AS required_pending
        FROM learning_record WHERE status IN ('pending', 'first_reviewed')
        GROUP BY person_id, year, category
    ) AS p
        ON p.person_id = coalesce(c.person_id, t.person_id) AND p.year = coalesce(c.year, t.year)
       AND p.category = coalesce(c.category, t.category)
    WHERE coalesce(c.credited, 0) <> coalesce(t.credited, 0)
       OR coalesce(p.pending, 0) <> coalesce(t.pending, 0)
       OR coalesce(c.required_credited, 0) <> coalesce(t.required_credited, 0)
       OR coalesce(p.required_pending, 0) <> coalesce(t.required_pending, 0)
    ORDER BY 1, 2, 3
    """
)

# Writes the recomputed values of the rows found to differ, in the transaction (and so the snapshot) that found
# them: the check is not run twice. A kept row the ledger and the records know nothing of is set to zero.
_FIX = text(
    _TOTALS_FROM_ARRAYS
    + """    ON CONFLICT (person_id, year, category) DO UPDATE SET
        credited = EXCLUDED.credited, pending = EXCLUDED.pending,
        required_credited = EXCLUDED.required_credited, required_pending = EXCLUDED.required_pending,
        updated_at = now()
    """
)


async def total_differences(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(_DIFFERENCES)
    return [dict(row._mapping) for row in rows]


async def fix_totals(conn: AsyncConnection, differences: Sequence[Mapping[str, Any]]) -> None:
    """Sets each differing total to its expected values (``differences`` as ``total_differences`` found them)."""
    if not differences:
        return
    keys = [(d["person_id"], d["year"], d["category"]) for d in differences]
    values = [
        (d["expected_credited"], d["expected_pending"], d["expected_required_credited"], d["expected_required_pending"])
        for d in differences
    ]
    await conn.execute(_FIX, _totals_params(keys, values))
