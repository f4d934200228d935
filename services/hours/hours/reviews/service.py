"""The review use case: the caller's decision moves the record one stage (``reviews.rules``), and its hours
with it, under the person-year lock; every transition is audited with who, when and why."""

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours.audit import audit
from hours.errors import RecordNotFound
from hours.ledger import repository as ledger_repository
from hours.ledger import service as ledger
from hours.records import repository
from hours.records import service as records
from hours.reviews.rules import Decision, ReviewFacts, decide
from hours.vocabulary import Category, Status


async def review(
    session: AsyncSession, principal: Principal, record_id: uuid.UUID, decision: Decision, comment: str | None
) -> Row[Any]:
    seen = await records.read(session, principal, record_id)  # 404 unless the caller may see it
    await ledger_repository.lock_person_years(session, [(seen.person_id, seen.year)])
    row = await repository.get(session, record_id, for_update=True)
    if row is None:  # pragma: no cover - records are never deleted
        raise RecordNotFound(f"No learning record {record_id}.")
    transition = decide(principal, _facts(row), decision, comment)
    updated = await repository.set_status(session, row.id, transition.to_status)
    if transition.to_status is Status.CERTIFIED:
        await ledger.credit(session, row, principal)
    elif transition.to_status is Status.REJECTED:
        await ledger.release(session, row)
    await audit(
        session,
        principal,
        f"record.{transition.to_status.value}",
        "learning_record",
        row.id,
        reason=comment,
        details={
            "stage": transition.stage.value,
            "decision": decision,
            "from": transition.from_status.value,
            "to": transition.to_status.value,
            "hours": str(row.credit_hours),
        },
    )
    return updated


def _facts(row: Row[Any]) -> ReviewFacts:
    return ReviewFacts(
        status=Status(row.status),
        category=Category(row.category),
        employer_id=row.employer_id,
        region_code=row.region_code,
        industry=row.industry,
    )
