"""Operator commands of the hours service.

``python -m hours.cli recompute-totals [--fix] [--database-url URL]`` recomputes every person-year total from
the ledger (credited) and the live records (pending) in SQL and prints where the kept totals differ; exit
status 1 when they do. ``--fix`` then writes the recomputed values. Both run in one REPEATABLE READ
transaction: every change to hours updates records, ledger and totals in one transaction, so the snapshot is
consistent while the service keeps running; a concurrent change to a row being fixed aborts the fix with a
serialization failure, and the command tries again.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from hours.config import Settings
from hours.ledger.repository import fix_totals, total_differences

ATTEMPTS = 5
COLUMNS = ("credited", "pending", "required_credited", "required_pending")


async def recompute_totals(database_url: str, *, fix: bool) -> list[dict[str, Any]]:
    """The differences found (before fixing them, when ``fix``)."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with engine.connect() as connection:
                    conn = await connection.execution_options(isolation_level="REPEATABLE READ")
                    async with conn.begin():
                        # One big aggregation. JIT compilation costs more than it saves here. The ledger is read
                        # in index order and aggregated as it streams: a hash table of every person-year would
                        # spill to disk (the planner may think it cheaper when the visibility map lags). The
                        # memory is for the one hash table left, of the kept totals (~85 bytes a row).
                        await conn.execute(text("SET LOCAL jit = off"))
                        await conn.execute(text("SET LOCAL enable_hashagg = off"))
                        await conn.execute(text("SET LOCAL work_mem = '256MB'"))
                        differences = await total_differences(conn)
                        if fix:
                            await fix_totals(conn, differences)
                return differences
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != "40001" or attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        await engine.dispose()


def describe(difference: dict[str, Any]) -> str:
    changes = ", ".join(
        f"{c} {difference[f'kept_{c}']} → {difference[f'expected_{c}']}"
        for c in COLUMNS
        if difference[f"kept_{c}"] != difference[f"expected_{c}"]
    )
    return f"{difference['person_id']} {difference['year']} {difference['category']}: {changes}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hours.cli", description="Operator commands of the hours service")
    commands = parser.add_subparsers(dest="command", required=True)
    recompute = commands.add_parser("recompute-totals", help="check the kept totals against the ledger")
    recompute.add_argument("--fix", action="store_true", help="write the recomputed totals")
    recompute.add_argument("--database-url", default=None, help="default: HOURS_DATABASE_URL")
    args = parser.parse_args(argv)

    url = args.database_url or Settings().database_url
    differences = asyncio.run(recompute_totals(url, fix=args.fix))
    for difference in differences:
        print(describe(difference))
    if not differences:
        print("totals agree with the ledger")
        return 0
    if args.fix:
        print(f"fixed {len(differences)} total(s)")
        return 0
    print(f"{len(differences)} total(s) differ; run with --fix to correct them", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
