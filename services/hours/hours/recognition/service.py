"""Use cases of recognised hours (000 art. 22: the Beijing–Tianjin–Hebei provinces recognise each other's
continuing-education hours) and of the certified-record read behind a certificate (000 art. 14–15).

Recognition takes hours *as the partner certified them*: the partner applied its own rules, so no local credit
rule or yearly cap is applied again (cutting a partner's certified hours would break mutual recognition). Each
entry becomes a learning record of submitter ``partner`` that is certified at once, with a ``credit`` ledger
entry; ``recognised_entry`` keeps (issuer, entry) → record and the credential that brought it, so that the
same entry never counts twice — not even when a later statement of the partner repeats it under another
credential id — and so that a revoked credential's hours can be found and reversed. An entry withdrawn with a
revoked credential stays withdrawn: the partner's corrected statement must certify it as a new entry.

Services flush, never commit: the request commits once."""

import hashlib
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.ids import uuid7
from cekit.tokens import Principal
from hours import access
from hours.audit import audit, audit_many
from hours.clients.registry import PersonMissing, RegistryClient
from hours.errors import PersonNotFound, RecordConflict, RecordRefused
from hours.ledger import repository as ledger
from hours.models import learning_record, recognised_entry
from hours.recognition.schemas import (
    CertifiedRecord,
    CertifiedRecords,
    RecognisedResult,
    RecognitionIn,
    RecognitionOut,
    WithdrawalIn,
    WithdrawalOut,
)
from hours.records import repository as records
from hours.records.service import profile_of
from hours.units import ZERO
from hours.vocabulary import Status

RULE = "partner_recognition"
SOURCE = "000 art. 22"
REVOCATION_RULE = "partner_revocation"
RECOGNISED_ACTIVITY = "recognised"


def partner_submitter_id(issuer: str) -> uuid.UUID:
    """A stable id per partner issuer, so that records keep the (submitter, external_id) uniqueness of all
    records."""
    return uuid.uuid5(uuid.NAMESPACE_URL, issuer)


def entry_key(entry_id: str) -> str:
    """The record's external id: fixed length whatever the partner's entry ids look like."""
    return hashlib.sha256(entry_id.encode()).hexdigest()


async def recognise(
    session: AsyncSession, registry: RegistryClient, actor: Principal, body: RecognitionIn
) -> RecognitionOut:
    [found] = await registry.lookup_persons([(body.id_number, body.name)])
    if isinstance(found, PersonMissing):
        # The certificates service checked the credential against this ID number; our registry must know them.
        raise RecordRefused(f"The person is not recognised here: {found.reason}", code=found.status)
    ids = [e.entry_id for e in body.entries]
    if len(set(ids)) != len(ids):
        raise RecordRefused("An entry_id occurs twice in this credential.", code="duplicate_in_batch")
    await ledger.lock_person_years(session, {(found.person_id, e.end_date.year) for e in body.entries})
    known = await _known_entries(session, body.issuer, ids)
    submitter_id = partner_submitter_id(body.issuer)
    rows: list[dict[str, Any]] = []
    results: list[RecognisedResult] = []
    for entry in body.entries:
        if entry.entry_id in known:
            record_id, hours, person_id = known[entry.entry_id]
            if person_id != found.person_id:
                raise RecordConflict(
                    f"Entry {entry.entry_id!r} of {body.issuer} was recognised for another person; a partner's "
                    "entry belongs to one person.",
                    record_id=str(record_id),
                )
            results.append(
                RecognisedResult(entry_id=entry.entry_id, status="duplicate", record_id=record_id, credited_hours=hours)
            )
            continue
        explanation = {
            "rule": RULE,
            "source": SOURCE,
            "inputs": {
                "issuer": body.issuer,
                "partner_region_code": body.partner_region_code,
                "credential_id": body.credential_id,
                "entry_id": entry.entry_id,
                "partner_activity": entry.activity,
                "institution": entry.institution,
            },
            "arithmetic": f"{entry.hours} h as certified by the partner {body.partner_region_code}",
            "capped_by": None,
        }
        row = {
            "id": uuid7(),
            "submitter_type": "partner",
            "submitter_id": submitter_id,
            "external_id": entry_key(entry.entry_id),
            "person_id": found.person_id,
            "region_code": found.region_code,
            "employer_id": found.employer_id,
            "industry": found.industry,
            "title_level": found.title_level.value,
            "year": entry.end_date.year,
            "category": entry.category.value,
            "activity": RECOGNISED_ACTIVITY,
            "title": entry.title,
            "start_date": entry.start_date,
            "end_date": entry.end_date,
            "result": entry.result,
            "course_code": None,
            "required": entry.required,
            "days": None,
            "hours": entry.hours,
            "minutes": None,
            "months": None,
            "courses_passed": None,
            "characters": None,
            "credits": None,
            "credit_hours": entry.hours,
            "cap_group": None,
            "rule": RULE,
            "source": SOURCE,
            "explanation": explanation,
            "status": Status.CERTIFIED.value,
            "content_hash": hashlib.sha256(
                json.dumps(entry.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest(),
        }
        rows.append(row)
        results.append(
            RecognisedResult(entry_id=entry.entry_id, status="created", record_id=row["id"], credited_hours=entry.hours)
        )
    if rows:
        await _write(session, actor, body, rows)
    # Compliance reads the person's facts from their profile, which a person known only through recognised
    # hours would otherwise lack.
    await records.upsert_profiles(session, {found.person_id: profile_of(found)})
    return RecognitionOut(person_id=found.person_id, results=results)


async def _write(session: AsyncSession, actor: Principal, body: RecognitionIn, rows: list[dict[str, Any]]) -> None:
    inserted = await records.insert_records(session, rows)
    # The person-year locks and the recognised_entry primary key make a lost race impossible to go unnoticed.
    assert len(inserted) == len(rows), "recognised records raced past the person-year lock"
    await session.execute(
        recognised_entry.insert(),
        [
            {
                "issuer": body.issuer,
                "credential_id": body.credential_id,
                "entry_id": row["explanation"]["inputs"]["entry_id"],
                "record_id": row["id"],
                "person_id": row["person_id"],
                "partner_region_code": body.partner_region_code,
            }
            for row in rows
        ],
    )
    await ledger.insert_entries(
        session,
        [
            {
                "kind": "credit",
                "person_id": row["person_id"],
                "year": row["year"],
                "category": row["category"],
                "required": row["required"],
                "hours": row["credit_hours"],
                "record_id": row["id"],
                "rule": RULE,
                "source": SOURCE,
                "explanation": row["explanation"],
                "actor": actor.subject,
            }
            for row in rows
        ],
    )
    deltas = ledger.TotalDeltas()
    for row in rows:
        deltas.add(
            (row["person_id"], row["year"], row["category"]), credited=row["credit_hours"], required=row["required"]
        )
    await ledger.apply_deltas(session, deltas)
    details = {
        "issuer": body.issuer,
        "credential_id": body.credential_id,
        "partner_region_code": body.partner_region_code,
    }
    await audit_many(
        session,
        actor,
        "record.recognised",
        "learning_record",
        [(row["id"], {**details, "hours": str(row["credit_hours"])}) for row in rows],
    )


async def _known_entries(
    session: AsyncSession, issuer: str, entry_ids: Sequence[str]
) -> dict[str, tuple[uuid.UUID, Decimal, uuid.UUID]]:
    rows = await session.execute(
        select(
            recognised_entry.c.entry_id,
            learning_record.c.id,
            learning_record.c.credit_hours,
            learning_record.c.person_id,
        )
        .join(learning_record, learning_record.c.id == recognised_entry.c.record_id)
        .where(recognised_entry.c.issuer == issuer, recognised_entry.c.entry_id.in_(list(entry_ids)))
    )
    return {row.entry_id: (row.id, row.credit_hours, row.person_id) for row in rows}


async def withdraw(session: AsyncSession, actor: Principal, body: WithdrawalIn) -> WithdrawalOut:
    """The partner revoked the credential: every still-certified record from it gets a reversing entry and the
    status ``withdrawn``. Running it again finds nothing left to withdraw."""
    rows = (
        await session.execute(
            select(learning_record.c.id, learning_record.c.person_id, learning_record.c.year)
            .join(recognised_entry, recognised_entry.c.record_id == learning_record.c.id)
            .where(recognised_entry.c.issuer == body.issuer, recognised_entry.c.credential_id == body.credential_id)
        )
    ).all()
    if not rows:
        return WithdrawalOut(withdrawn=[], hours=ZERO)
    await ledger.lock_person_years(session, {(r.person_id, r.year) for r in rows})
    withdrawn: list[uuid.UUID] = []
    total = ZERO
    for row in sorted(rows, key=lambda r: r.id):
        record = await records.get(session, row.id, for_update=True)
        assert record is not None
        if record.status != Status.CERTIFIED.value:
            continue
        await _reverse(session, record, actor, body)
        await records.set_status(session, record.id, Status.WITHDRAWN)
        withdrawn.append(record.id)
        total += record.credit_hours
    for record_id in withdrawn:
        await audit(
            session,
            actor,
            "record.recognition_withdrawn",
            "learning_record",
            record_id,
            reason=body.reason,
            details={"issuer": body.issuer, "credential_id": body.credential_id},
        )
    return WithdrawalOut(withdrawn=withdrawn, hours=total)


async def _reverse(session: AsyncSession, record: Row[Any], actor: Principal, body: WithdrawalIn) -> None:
    hours = record.credit_hours
    explanation = {
        "rule": REVOCATION_RULE,
        "source": SOURCE,
        "reverses": {"rule": record.rule, "source": record.source, "hours": str(hours)},
        "issuer": body.issuer,
        "credential_id": body.credential_id,
        "reason": body.reason,
        "arithmetic": f"-{hours} h (the partner revoked the credential; record {record.id})",
    }
    await ledger.insert_entries(
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
                "rule": REVOCATION_RULE,
                "source": SOURCE,
                "explanation": explanation,
                "actor": actor.subject,
            }
        ],
    )
    deltas = ledger.TotalDeltas()
    deltas.add((record.person_id, record.year, record.category), credited=-hours, required=record.required)
    await ledger.apply_deltas(session, deltas)


async def certified_records(session: AsyncSession, person_id: uuid.UUID, year: int | None) -> CertifiedRecords:
    """Every certified record of the person (the year's, or all years), oldest first: the certificate's content
    (000 art. 15: kind, content, dates, hours, result, institution)."""
    t = learning_record
    query = (
        select(t, recognised_entry.c.partner_region_code)
        .outerjoin(recognised_entry, recognised_entry.c.record_id == t.c.id)
        .where(t.c.person_id == person_id, t.c.status == Status.CERTIFIED.value)
        .order_by(t.c.year, t.c.start_date, t.c.id)
    )
    if year is not None:
        query = query.where(t.c.year == year)
    rows: Sequence[Row[Any]] = (await session.execute(query)).all()
    if not rows and await records.get_profile(session, person_id) is None:
        raise PersonNotFound(f"The hours service knows no person {person_id}.")
    return CertifiedRecords(
        person_id=person_id,
        records=[
            CertifiedRecord(
                record_id=row.id,
                year=row.year,
                category=row.category,
                activity=row.activity,
                title=row.title,
                start_date=row.start_date,
                end_date=row.end_date,
                hours=row.credit_hours,
                required=row.required,
                result=row.result,
                submitter_type=row.submitter_type,
                submitter_id=row.submitter_id,
                institution_id=row.submitter_id if row.submitter_type == access.INSTITUTION else None,
                source="recognised" if row.submitter_type == "partner" else "local",
                recognised_from=row.partner_region_code,
            )
            for row in rows
        ],
    )
