"""Moving a record's hours on the ledger. Callers hold the person-year lock (``repository.lock_person_years``)
and flush only; the request commits."""

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours.ledger import repository
from hours.units import as_json_number


async def credit(session: AsyncSession, record: Row[Any], actor: Principal) -> None:
    """Certification: the record's pending hours become credited, with a credit entry naming its rule."""
    hours = record.credit_hours
    await repository.insert_entries(
        session,
        [
            {
                "kind": "credit",
                "person_id": record.person_id,
                "year": record.year,
                "category": record.category,
                "required": record.required,
                "hours": hours,
                "record_id": record.id,
                "rule": record.rule,
                "source": record.source,
                "explanation": record.explanation,
                "actor": actor.subject,
            }
        ],
    )
    deltas = repository.TotalDeltas()
    deltas.add(_key(record), credited=hours, pending=-hours, required=record.required)
    await repository.apply_deltas(session, deltas)


async def release(session: AsyncSession, record: Row[Any]) -> None:
    """Rejection before certification: the pending hours no longer count (nothing was on the ledger)."""
    deltas = repository.TotalDeltas()
    deltas.add(_key(record), pending=-record.credit_hours, required=record.required)
    await repository.apply_deltas(session, deltas)


async def reverse(session: AsyncSession, record: Row[Any], actor: Principal, *, reason: str, check_id: str) -> None:
    """Withdrawal after a failed spot check (000 art. 16): a reversing entry; nothing is deleted."""
    hours = record.credit_hours
    explanation = {
        "rule": "spot_check_withdrawal",
        "source": "000 art. 16",
        "reverses": {"rule": record.rule, "source": record.source, "hours": as_json_number(hours)},
        "spot_check_id": check_id,
        "reason": reason,
        "arithmetic": f"-{hours} h (the credit of record {record.id} withdrawn)",
    }
    await repository.insert_entries(
        session,
        [
            {
                "kind": "reversal",
                "person_id": record.person_id,
                "year": record.year,
                "category": record.category,
                "required": record.required,
                "hours": -hours,
                "record_id": record.id,
                "rule": "spot_check_withdrawal",
                "source": "000 art. 16",
                "explanation": explanation,
                "actor": actor.subject,
            }
        ],
    )
    deltas = repository.TotalDeltas()
    deltas.add(_key(record), credited=-hours, required=record.required)
    await repository.apply_deltas(session, deltas)


def _key(record: Row[Any]) -> repository.TotalKey:
    return (record.person_id, record.year, record.category)
