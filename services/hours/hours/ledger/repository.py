"""Every query of the ledger and its totals.

Concurrency: every change to a person's hours in a year (intake, certification, rejection, withdrawal) first
takes ``pg_advisory_xact_lock`` on that person-year, held to the end of the transaction. Caps are read after
the lock, so two concurrent requests for the same person-year run one after the other and never together
exceed a cap. A batch locks all its person-years in one statement, in ascending key order, so two batches
sharing people cannot deadlock.
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


_APPLY_DELTAS = text(
    """
    INSERT INTO person_year_total AS t
        (person_id, year, category, credited, pending, required_credited, required_pending, updated_at)
    SELECT d.person_id, d.year, d.category, d.credited, d.pending, d.required_credited, d.required_pending, now()
    FROM unnest(CAST(:person_ids AS uuid[]), CAST(:years AS smallint[]), CAST(:categories AS text[]),
                CAST(:credited AS numeric[]), CAST(:pending AS numeric[]),
                CAST(:required_credited AS numeric[]), CAST(:required_pending AS numeric[]))
         AS d(person_id, year, category, credited, pending, required_credited, required_pending)
    ON CONFLICT (person_id, year, category) DO UPDATE SET
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
    await session.execute(
        _APPLY_DELTAS,
        {
            "person_ids": [k[0] for k in keys],
            "years": [k[1] for k in keys],
            "categories": [k[2] for k in keys],
            "credited": [r.credited for r in rows],
            "pending": [r.pending for r in rows],
            "required_credited": [r.required_credited for r in rows],
            "required_pending": [r.required_pending for r in rows],
        },
    )


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
# Two grouped scans joined, rather than one scan of a UNION with a CASE per row: the ledger is by far the larger
# side and aggregates fastest alone (``sum … FILTER``), and each side's hash table stays small enough for memory.
_EXPECTED = """
    SELECT coalesce(c.person_id, p.person_id) AS person_id, coalesce(c.year, p.year) AS year,
           coalesce(c.category, p.category) AS category,
           coalesce(c.credited, 0) AS credited, coalesce(p.pending, 0) AS pending,
           coalesce(c.required_credited, 0) AS required_credited, coalesce(p.required_pending, 0) AS required_pending
    FROM (
        SELECT person_id, year, category, sum(hours) AS credited,
               coalesce(sum(hours) FILTER (WHERE required), 0) AS required_credited
        FROM ledger_entry GROUP BY person_id, year, category
    ) AS c
    FULL OUTER JOIN (
        SELECT person_id, year, category, sum(credit_hours) AS pending,
               coalesce(sum(credit_hours) FILTER (WHERE required), 0) AS required_pending
        FROM learning_record WHERE status IN ('pending', 'first_reviewed')
        GROUP BY person_id, year, category
    ) AS p ON p.person_id = c.person_id AND p.year = c.year AND p.category = c.category
"""

_DIFFERENCES = text(
    f"""
    WITH expected AS ({_EXPECTED})
    SELECT coalesce(e.person_id, t.person_id) AS person_id, coalesce(e.year, t.year) AS year,
           coalesce(e.category, t.category) AS category,
           coalesce(e.credited, 0) AS expected_credited, coalesce(t.credited, 0) AS kept_credited,
           coalesce(e.pending, 0) AS expected_pending, coalesce(t.pending, 0) AS kept_pending,
           coalesce(e.required_credited, 0) AS expected_required_credited,
           coalesce(t.required_credited, 0) AS kept_required_credited,
           coalesce(e.required_pending, 0) AS expected_required_pending,
           coalesce(t.required_pending, 0) AS kept_required_pending
    FROM expected AS e
    FULL OUTER JOIN person_year_total AS t
        ON t.person_id = e.person_id AND t.year = e.year AND t.category = e.category
    WHERE coalesce(e.credited, 0) <> coalesce(t.credited, 0)
       OR coalesce(e.pending, 0) <> coalesce(t.pending, 0)
       OR coalesce(e.required_credited, 0) <> coalesce(t.required_credited, 0)
       OR coalesce(e.required_pending, 0) <> coalesce(t.required_pending, 0)
    ORDER BY 1, 2, 3
    """  # noqa: S608 - constant SQL only
)

_FIX = text(
    f"""
    WITH expected AS ({_EXPECTED}),
    upserted AS (
        INSERT INTO person_year_total AS t
            (person_id, year, category, credited, pending, required_credited, required_pending, updated_at)
        SELECT person_id, year, category, credited, pending, required_credited, required_pending, now()
        FROM expected
        ON CONFLICT (person_id, year, category) DO UPDATE SET
            credited = EXCLUDED.credited, pending = EXCLUDED.pending,
            required_credited = EXCLUDED.required_credited, required_pending = EXCLUDED.required_pending,
            updated_at = now()
        WHERE (t.credited, t.pending, t.required_credited, t.required_pending)
              IS DISTINCT FROM (EXCLUDED.credited, EXCLUDED.pending,
                                EXCLUDED.required_credited, EXCLUDED.required_pending)
        RETURNING 1
    )
    UPDATE person_year_total AS t
    SET credited = 0, pending = 0, required_credited = 0, required_pending = 0, updated_at = now()
    WHERE NOT EXISTS (
        SELECT 1 FROM expected AS e WHERE e.person_id = t.person_id AND e.year = t.year AND e.category = t.category
    ) AND (t.credited, t.pending, t.required_credited, t.required_pending) <> (0, 0, 0, 0)
    """  # noqa: S608 - constant SQL only
)


async def total_differences(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(_DIFFERENCES)
    return [dict(row._mapping) for row in rows]


async def fix_totals(conn: AsyncConnection) -> None:
    await conn.execute(_FIX)
