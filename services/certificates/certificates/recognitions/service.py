"""Use cases of recognitions (000 art. 22: Beijing, Tianjin and Hebei recognise each other's continuing-education
certificates; RULES.md §9: hours certified by a partner count here once recognised).

Recognising a partner's statement: verify it with our verifier (the partner's keys and status list, validity
dates, the ID number against its commitment); it must be a registered, active partner's and valid in every
check. Then the registry says who the ID number and name are here, and whether the caller may act for them; the
hours service credits the certified entries once per partner entry (it refuses an entry already credited to
someone else); and the recognition is recorded, once per credential: a replay answers the recognition made the
first time, with nothing credited again.

Everything that can refuse is asked before anything is written; the hours ledger is written before our row, and
is idempotent per entry, so a failure between the two is repaired by simply submitting again. Services flush,
never commit: the request commits once.
"""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.identifiers import IdNumberError, parse_id_number
from cekit.problems import Unprocessable
from cekit.tokens import Principal
from certificates import access as certificate_access
from certificates.audit import audit
from certificates.clients.registry import PersonMissing
from certificates.deps import Services
from certificates.errors import HoursUnavailable, PersonNotFound
from certificates.partners.directory import PartnerDirectory, PartnerEntry
from certificates.recognitions import access
from certificates.recognitions import repository as recognitions
from certificates.recognitions.errors import (
    CredentialRefused,
    NothingToRecognise,
    PartnerUnreachable,
    PersonIdRequired,
    RecognitionNotFound,
)
from certificates.recognitions.schemas import (
    EntryOut,
    RecognitionOut,
    RecognitionPage,
    RecognitionRequest,
    StatementSubject,
)
from certificates.statements.service import china_year
from certificates.verification.api import present as present_report
from certificates.verification.verifier import Check, Verification

MAX_CREDENTIAL_ID = 200


def present(row: recognitions.AnyRow) -> RecognitionOut:
    return RecognitionOut(
        recognition_id=row.id,
        person_id=row.person_id,
        issuer=row.issuer,
        partner_region_code=row.partner_region_code,
        credential_id=row.credential_id,
        year=row.year,
        status=row.status,
        hours_credited=row.hours_credited,
        entries=[EntryOut.model_validate(entry) for entry in row.entries],
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
        withdrawal_reason=row.withdrawal_reason,
        checked_at=row.checked_at,
        check_outcome=row.check_outcome,
    )


# ---- recognise ---------------------------------------------------------------------------------------------
async def recognise(
    session: AsyncSession, services: Services, directory: PartnerDirectory, actor: Principal, body: RecognitionRequest
) -> tuple[RecognitionOut, bool]:
    """The recognition, and whether it was made now (False: the credential had been recognised before)."""
    try:
        id_number = parse_id_number(body.id_number).number
    except IdNumberError as exc:
        raise Unprocessable(f"The ID number given is not valid: {exc}", code="invalid_id_number") from None
    result = await services.verifier.verify(body.credential, id_number=id_number)
    partner = await directory.entry(result.issuer) if result.issuer is not None else None
    judge(result, services.settings.issuer_id, partner)
    # judge() let only an active partner's verified credential through.
    assert partner is not None
    assert result.credential is not None
    credential_id = result.credential_id
    if credential_id is None or not 0 < len(credential_id) <= MAX_CREDENTIAL_ID:
        raise CredentialRefused(
            "The credential has no usable id (at most 200 characters), so it could not be recognised only once.",
            verification=present_report(result).model_dump(mode="json"),
        )
    try:
        subject = StatementSubject.model_validate(result.credential["credentialSubject"])
    except ValidationError as exc:
        raise CredentialRefused(
            "The statement's content does not follow the mutual-recognition profile: "
            + "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]),
            verification=present_report(result).model_dump(mode="json"),
        ) from None

    person = await services.registry.lookup(id_number, subject.name)
    if isinstance(person, PersonMissing):
        raise Unprocessable(
            f"The holder is not registered here under the name in the statement: {person.reason}", code=person.status
        )
    if not access.may_act_for(actor, person):
        raise PersonNotFound("No person with this ID number whose hours you may act for.")

    existing = await recognitions.of_credential(session, partner.issuer, credential_id)
    if existing is not None:
        return present(existing), False
    to_credit = [entry for entry in subject.entries if entry.recognised_from is None]
    if not to_credit:
        raise NothingToRecognise(
            "The statement certifies no entry that the partner certified itself (entries it recognised from "
            "elsewhere, marked recognisedFrom, are recognised where they were certified)."
        )
    answer = await services.hours.recognise(
        {
            "id_number": id_number,
            "name": subject.name,
            "issuer": partner.issuer,
            "partner_region_code": partner.region_code,
            "credential_id": credential_id,
            "entries": [
                {
                    "entry_id": entry.entry_id,
                    "category": entry.category,
                    "activity": entry.kind,
                    "title": entry.title,
                    "start_date": entry.start_date.isoformat(),
                    "end_date": entry.end_date.isoformat(),
                    "hours": str(entry.hours),
                    "required": entry.required,
                    "result": entry.result,
                    "institution": entry.institution,
                }
                for entry in to_credit
            ],
        }
    )
    if answer.person_id != person.person_id:
        raise HoursUnavailable("The hours service credited another person than the registry names.")
    by_entry = {result.entry_id: result for result in answer.results}
    entries: list[dict[str, Any]] = []
    for entry in subject.entries:
        credited = by_entry.get(entry.entry_id) if entry.recognised_from is None else None
        entries.append(
            {
                "entry_id": entry.entry_id,
                "status": credited.status if credited is not None else "skipped",
                "record_id": str(credited.record_id) if credited is not None else None,
                "hours": str(credited.credited_hours if credited is not None else entry.hours),
            }
        )
    hours_credited = sum((r.credited_hours for r in answer.results if r.status == "created"), Decimal(0))
    now = datetime.now(UTC)
    row = await recognitions.add(
        session,
        {
            "id": uuid.uuid4(),
            "person_id": person.person_id,
            "issuer": partner.issuer,
            "partner_region_code": partner.region_code,
            "credential_id": credential_id,
            "year": subject.year,
            "credential": body.credential,
            "status": "recognised",
            "hours_credited": hours_credited,
            "entries": entries,
            "created_at": now,
            "created_by": actor.subject,
            "checked_at": now,
            "check_outcome": "valid",
            "check_detail": "verified when recognised",
        },
    )
    if row is None:  # the same credential, recognised by a concurrent request: its answer is ours
        existing = await recognitions.of_credential(session, partner.issuer, credential_id)
        assert existing is not None
        return present(existing), False
    await audit(
        session,
        actor,
        "recognition.created",
        "recognition",
        row.id,
        # Never the ID number or the name.
        details={
            "person_id": str(person.person_id),
            "issuer": partner.issuer,
            "partner_region_code": partner.region_code,
            "credential_id": credential_id,
            "year": subject.year,
            "hours_credited": str(hours_credited),
            "entries": {
                status: sum(1 for e in entries if e["status"] == status)
                for status in ("created", "duplicate", "skipped")
            },
        },
    )
    return present(row), True


def judge(result: Verification, own_issuer: str, partner: PartnerEntry | None) -> None:
    """Raises unless the verification is valid and the issuer an active partner, with the code that says why:
    definite failures first (format, issuer, signature, status, validity, subject), then undecided checks."""
    report = present_report(result).model_dump(mode="json")
    checks = {check.check: check for check in result.checks}

    def refuse(code: str, check: Check | None, lead: str) -> CredentialRefused:
        why = f" ({check.check}: {check.detail})" if check is not None else ""
        return CredentialRefused(lead + why, code=code, verification=report)

    if result.issuer is not None and result.issuer == own_issuer:
        raise refuse(
            "own_credential",
            None,
            "This is a statement of this platform itself: its hours are already here. Recognition is for "
            "statements of partner provinces (000 art. 22).",
        )
    if checks["format"].passed is False:
        raise refuse("credential_invalid", checks["format"], "The credential cannot be read.")
    if checks["issuer_trusted"].passed is False or partner is None or not partner.active:
        if partner is not None and not partner.active:
            detail = (
                f"{partner.name} ({result.issuer}) is no longer a partner of this platform: its partnership was "
                f"revoked on {partner.revoked_at:%Y-%m-%d}."
            )
        else:
            detail = (
                f"{result.issuer} is not a partner province of this platform: only statements of registered "
                "partners (Jing-Jin-Ji mutual recognition, 000 art. 22) are recognised."
            )
        raise CredentialRefused(detail, code="issuer_not_partner", verification=report)
    if checks["signature"].passed is False:
        raise refuse("credential_invalid", checks["signature"], "The credential is not authentic.")
    status = checks["status"]
    if status.passed is False:
        if result.status == "revoked":
            raise refuse("credential_revoked", status, "The partner has revoked this statement.")
        if result.status == "suspended":
            raise refuse("credential_suspended", status, "The partner has suspended this statement.")
        raise refuse("credential_invalid", status, "The statement's status entries are not valid.")
    validity = checks["validity"]
    if validity.passed is False:
        expired = validity.detail.startswith("expired")
        raise refuse(
            "credential_expired" if expired else "credential_invalid",
            validity,
            "The statement has expired." if expired else "The statement is not valid yet.",
        )
    subject = checks["subject"]
    if subject.passed is False:
        names_nobody = "does not name its subject" in subject.detail
        raise refuse(
            "credential_invalid" if names_nobody else "id_number_mismatch",
            subject,
            "The statement names no subject." if names_nobody else "The statement is not about this ID number.",
        )
    if result.verdict != "valid":
        raise PartnerUnreachable(
            f"The statement could not be verified now: {result.reason}. Nothing was recognised; try again later.",
            verification=report,
        )


# ---- read --------------------------------------------------------------------------------------------------
async def get(
    session: AsyncSession, services: Services, actor: Principal, authorization: str, recognition_id: uuid.UUID
) -> RecognitionOut:
    row = await recognitions.get(session, recognition_id)
    if row is None:
        raise RecognitionNotFound(f"No recognition {recognition_id}.")
    try:
        await _may_see(services, actor, authorization, row.person_id, row.year)
    except PersonNotFound:
        raise RecognitionNotFound(f"No recognition {recognition_id}.") from None
    return present(row)


async def page(
    session: AsyncSession,
    services: Services,
    actor: Principal,
    authorization: str,
    person_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> RecognitionPage:
    if person_id is None and not actor.has_role(certificate_access.ADMIN):
        own = access.as_uuid(actor.person_id) if actor.has_role(certificate_access.PERSON) else None
        if own is None:
            raise PersonIdRequired("Give person_id: whose recognitions to list.")
        person_id = own
    if person_id is not None:
        await _may_see(services, actor, authorization, person_id, china_year(datetime.now(UTC)))
    rows, next_cursor = await recognitions.page(session, person_id, cursor, limit)
    return RecognitionPage(items=[present(row) for row in rows], next_cursor=next_cursor)


async def _may_see(services: Services, actor: Principal, authorization: str, person_id: uuid.UUID, year: int) -> None:
    """The hours service's rule, asked as the caller (``certificates.access``); admin sees everyone."""
    if actor.has_role(certificate_access.ADMIN):
        return
    certificate_access.only_own(actor, person_id)
    await services.hours.compliance(person_id, year, authorization=authorization)
