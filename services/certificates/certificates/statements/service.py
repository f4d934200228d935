"""Use cases of statements: issue a person's annual statement, read it, revoke, suspend and reinstate it.

Everything another service must say is asked before anything is written or locked — whether the caller may see
the person (hours, as the caller), the certified records (hours), the name and ID number (registry) — so a status
list is locked only for the few milliseconds of allocating, signing and inserting. Services flush, never commit:
the request commits once.
"""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.pii import mask_id_number
from cekit.problems import Unprocessable
from cekit.tokens import Principal
from certificates import access, jose, vc
from certificates.audit import audit
from certificates.certificate import repository as certificates
from certificates.clients.hours import REQUIREMENT_KEYS, CertifiedRecord, Compliance
from certificates.clients.registry import Identity
from certificates.deps import Services
from certificates.errors import (
    AlreadyRevoked,
    AlreadySuspended,
    NotSuspended,
    PersonNotFound,
    SigningKeyMissing,
    StatementNotFound,
)
from certificates.statements import repository as statements
from certificates.statements.schemas import StatementIssued, StatementOut, StatementRequest, StatementStatus
from certificates.statuslists import service as status_lists

# camelCase in the credential (JSON-LD habit), the API's snake_case keys on the way in.
_TOTAL_NAMES = {
    "total": "total",
    "public": "public",
    "professional": "professional",
    "public_required": "publicRequired",
}


def verification_url(base_url: str, code: str, statement_id: uuid.UUID | str) -> str:
    return f"{base_url}/verify/{code}?statement={statement_id}"


def status_of(row: Row[Any]) -> StatementStatus:
    if row.revoked_at is not None:
        return "revoked"
    if row.suspended_at is not None:
        return "suspended"
    return "active"


def china_year(now: datetime) -> int:
    return now.astimezone(vc.CHINA).year


# ---- issue -------------------------------------------------------------------------------------------------
async def issue(
    session: AsyncSession, services: Services, actor: Principal, authorization: str, body: StatementRequest
) -> StatementIssued:
    now = datetime.now(UTC)
    if body.year > china_year(now):
        raise Unprocessable(
            f"The year {body.year} has not begun: a statement covers a year under way or past.", code="year_in_future"
        )
    access.only_own(actor, body.person_id)
    compliance = await services.hours.compliance(body.person_id, body.year, authorization=authorization)
    records = await services.hours.certified_records(body.person_id, body.year)
    identity = await services.registry.identity(
        body.person_id, {r.institution_id for r in records if r.institution_id is not None}
    )
    key = services.keys.active()
    if key is None:
        raise SigningKeyMissing("No statement signing key is configured; the operators have to create one.")

    settings = services.settings
    certificate, made = await certificates.get_or_create(session, body.person_id)
    if made:
        await audit(session, actor, "certificate.created", "certificate", body.person_id)
    # Always revocation first, then suspension: every transaction takes the list locks in the same order.
    revocation = await status_lists.allocate(session, "revocation", settings.status_list_size)
    suspension = await status_lists.allocate(session, "suspension", settings.status_list_size)
    statement_id = uuid.uuid4()
    valid_until = vc.end_of_year(body.year + settings.statement_validity_years)
    content = vc.StatementContent(
        statement_id=str(statement_id),
        issuer=settings.issuer_id,
        subject_id=vc.certificate_subject_id(settings.region_code, certificate.code),
        name=identity.name,
        masked_id_number=mask_id_number(identity.id_number),
        id_commitment=vc.id_commitment(identity.id_number),
        year=body.year,
        jurisdiction=compliance.jurisdiction,
        totals=totals(compliance),
        compliant=compliance.compliant,
        entries=[entry(record, identity) for record in records],
        valid_from=now,
        valid_until=valid_until,
        status=[
            vc.StatusPosition(
                "revocation", status_lists.list_url(settings.public_base_url, revocation[0]), revocation[1]
            ),
            vc.StatusPosition(
                "suspension", status_lists.list_url(settings.public_base_url, suspension[0]), suspension[1]
            ),
        ],
    )
    credential = jose.sign(vc.statement_credential(content), key)
    await statements.add(
        session,
        {
            "id": statement_id,
            "person_id": body.person_id,
            "year": body.year,
            "kid": key.kid,
            "issued_at": now,
            "issued_by": actor.subject,
            "valid_from": now.replace(microsecond=0),
            "valid_until": valid_until,
            "revocation_list_id": revocation[0],
            "revocation_index": revocation[1],
            "suspension_list_id": suspension[0],
            "suspension_index": suspension[1],
            "credential": credential,
        },
    )
    await audit(
        session,
        actor,
        "statement.issued",
        "statement",
        statement_id,
        # Never the ID number or the name: the audit trail is read by more people than the certificate.
        details={
            "person_id": str(body.person_id),
            "year": body.year,
            "kid": key.kid,
            "entries": len(records),
            "compliant": compliance.compliant,
            "revocation": list(revocation),
            "suspension": list(suspension),
        },
    )
    return StatementIssued(
        statement_id=statement_id,
        credential=credential,
        verification_url=verification_url(settings.public_base_url, certificate.code, statement_id),
        valid_from=now.replace(microsecond=0),
        valid_until=valid_until,
    )


def totals(compliance: Compliance) -> dict[str, dict[str, int | float | None]]:
    """Credited against required per key; a key the jurisdiction does not constrain has no ``required``."""
    out: dict[str, dict[str, int | float | None]] = {}
    for key in REQUIREMENT_KEYS:
        credited: Decimal | None = getattr(compliance.credited, key)
        required: Decimal | None = getattr(compliance.required, key)
        item: dict[str, int | float | None] = {"credited": vc.hours_value(credited or Decimal(0))}
        if required is not None:
            item["required"] = vc.hours_value(required)
        out[_TOTAL_NAMES[key]] = item
    return out


def entry(record: CertifiedRecord, identity: Identity) -> dict[str, Any]:
    """One certified activity as 000 art. 15 lists it: kind, content, dates, hours, result, institution. The
    ``entryId`` is the hours record's id, stable across statements, so a partner recognises an entry once."""
    item: dict[str, Any] = {
        "entryId": str(record.record_id),
        "category": record.category,
        "kind": record.activity,
        "title": record.title,
        "startDate": record.start_date.isoformat(),
        "endDate": record.end_date.isoformat(),
        "hours": vc.hours_value(record.hours),
        "required": record.required,
    }
    if record.result:
        item["result"] = record.result
    if record.institution_id is not None:
        name = identity.organisation_names().get(record.institution_id)
        item["institution"] = {"id": f"urn:uuid:{record.institution_id}", **({"name": name} if name else {})}
    if record.recognised_from:
        # Recognised here from a partner (000 art. 22): marked so that no one recognises it a second time.
        item["recognisedFrom"] = record.recognised_from
    return item


# ---- read --------------------------------------------------------------------------------------------------
async def get(
    session: AsyncSession, services: Services, actor: Principal, authorization: str, statement_id: uuid.UUID
) -> StatementOut:
    row = await _visible(session, services, actor, authorization, statement_id)
    certificate = await certificates.get(session, row.person_id)
    assert certificate is not None  # a statement's certificate is made with its first statement
    return present(row, services.settings.public_base_url, certificate.code)


def present(row: Row[Any], base_url: str, code: str) -> StatementOut:
    return StatementOut(
        statement_id=row.id,
        person_id=row.person_id,
        year=row.year,
        status=status_of(row),
        issued_at=row.issued_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        suspended_at=row.suspended_at,
        suspension_reason=row.suspension_reason,
        credential=row.credential,
        verification_url=verification_url(base_url, code, row.id),
    )


async def _visible(
    session: AsyncSession, services: Services, actor: Principal, authorization: str, statement_id: uuid.UUID
) -> Row[Any]:
    """The statement, if the caller may see its person (the hours service's rule, asked as the caller)."""
    row = await statements.get(session, statement_id)
    if row is None:
        raise StatementNotFound(f"No statement {statement_id}.")
    try:
        access.only_own(actor, row.person_id)
        await services.hours.compliance(row.person_id, row.year, authorization=authorization)
    except PersonNotFound:
        raise StatementNotFound(f"No statement {statement_id}.") from None
    return row


# ---- revoke, suspend, reinstate ----------------------------------------------------------------------------
async def revoke(
    session: AsyncSession,
    services: Services,
    actor: Principal,
    authorization: str,
    statement_id: uuid.UUID,
    reason: str,
) -> StatementOut:
    """Final (W3C revocation): the statement's bit in its revocation list is set, and stays set."""
    await _visible(session, services, actor, authorization, statement_id)
    row = await statements.revoke(session, statement_id, datetime.now(UTC), reason)
    if row is None:
        raise AlreadyRevoked(f"The statement {statement_id} is already revoked.")
    return await _status_changed(
        session, services, actor, row, row.revocation_list_id, row.revocation_index, True, "statement.revoked", reason
    )


async def suspend(
    session: AsyncSession,
    services: Services,
    actor: Principal,
    authorization: str,
    statement_id: uuid.UUID,
    reason: str,
) -> StatementOut:
    """Temporary (e.g. while a spot check, 000 art. 16, looks into its entries): undone by reinstatement."""
    await _visible(session, services, actor, authorization, statement_id)
    row = await statements.suspend(session, statement_id, datetime.now(UTC), reason)
    if row is None:
        fresh = await statements.get(session, statement_id)
        if fresh is not None and fresh.revoked_at is not None:
            raise AlreadyRevoked(f"The statement {statement_id} is revoked; it cannot be suspended.")
        raise AlreadySuspended(f"The statement {statement_id} is already suspended.")
    return await _status_changed(
        session, services, actor, row, row.suspension_list_id, row.suspension_index, True, "statement.suspended", reason
    )


async def reinstate(
    session: AsyncSession,
    services: Services,
    actor: Principal,
    authorization: str,
    statement_id: uuid.UUID,
    reason: str,
) -> StatementOut:
    await _visible(session, services, actor, authorization, statement_id)
    row = await statements.reinstate(session, statement_id)
    if row is None:
        fresh = await statements.get(session, statement_id)
        if fresh is not None and fresh.revoked_at is not None:
            raise AlreadyRevoked(f"The statement {statement_id} is revoked; revocation is final.")
        raise NotSuspended(f"The statement {statement_id} is not suspended.")
    return await _status_changed(
        session,
        services,
        actor,
        row,
        row.suspension_list_id,
        row.suspension_index,
        False,
        "statement.reinstated",
        reason,
    )


async def _status_changed(
    session: AsyncSession,
    services: Services,
    actor: Principal,
    row: Row[Any],
    list_id: int,
    index: int,
    value: bool,
    action: str,
    reason: str,
) -> StatementOut:
    """The statement's bit in its revocation or suspension list set to ``value``, audited, and the statement."""
    await status_lists.set_status(session, list_id, index, value)
    details = {"person_id": str(row.person_id), "year": row.year, "list": list_id}
    await audit(session, actor, action, "statement", row.id, reason=reason, details=details)
    return await _presented(session, services, row)


async def _presented(session: AsyncSession, services: Services, row: Row[Any]) -> StatementOut:
    certificate = await certificates.get(session, row.person_id)
    assert certificate is not None
    return present(row, services.settings.public_base_url, certificate.code)
