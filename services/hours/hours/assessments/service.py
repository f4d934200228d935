"""Annual assessment use cases.

Who signs: an employer admin whose organisation is the person's latest known employer (``person_profile``,
refreshed at every intake) — 001 §2.3 gives the assessment to the employer (用人单位). Anyone else is refused
(403); an employer asking about someone who is not its staff gets 404, as if the person did not exist.
Who reads: whoever may read the person's compliance (``hours.access``).

Signing again is allowed (a late certification, a corrected opinion): it adds a version, the highest is
current, nothing is rewritten (the table is append-only) and each signing is audited.
"""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours import access
from hours.assessments import repository
from hours.assessments.schemas import AssessmentIn, AssessmentOut, Snapshot
from hours.audit import audit
from hours.clock import today_in_china
from hours.compliance import service as compliance
from hours.compliance.schemas import HoursByKey
from hours.errors import CommentRequired, NotPermitted, PersonNotFound, YearNotOpen
from hours.ledger import repository as ledger
from hours.policy.resolve import PolicyBook
from hours.records import repository as records


async def sign(session: AsyncSession, book: PolicyBook, principal: Principal, body: AssessmentIn) -> AssessmentOut:
    employer = access.as_uuid(principal.org_id) if principal.has_role(access.EMPLOYER) else None
    if employer is None:
        raise NotPermitted("Annual assessments are signed by the person's employer (用人单位, 001 §2.3).")
    if body.year > today_in_china().year:
        raise YearNotOpen(f"Year {body.year} has not begun; it cannot be assessed yet.")
    profile = await records.get_profile(session, body.person_id)
    if profile is None or profile.employer_id != employer:
        raise PersonNotFound(f"No staff member {body.person_id} of your organisation.")
    # The person-year's lock (the one every change to its hours takes): the snapshot is a committed state and
    # two signings cannot take the same version.
    await ledger.lock_person_years(session, [(body.person_id, body.year)])
    [year] = await compliance.standings(session, book, principal, body.person_id, [body.year])
    comment = body.comment.strip() if body.comment and body.comment.strip() else None
    if comment is None and (body.opinion == "verified") != year.standing.compliant:
        if year.standing.compliant:
            why = "the year meets its requirement; say why you do not verify it"
        else:
            why = "the year falls short of its requirement; give the good reason (正当理由, 001 §4) for verifying it"
        raise CommentRequired(f"An opinion that departs from the certified hours needs a comment: {why}.")
    before = await repository.latest(session, body.person_id, body.year)
    snapshot = {
        "required": _texts(year.standing.required),
        "credited": _texts(year.credited),
        "shortfall": _texts(year.standing.shortfall),
    }
    row = await repository.create(
        session,
        {
            "id": uuid.uuid4(),
            "person_id": body.person_id,
            "year": body.year,
            "version": 1 if before is None else before.version + 1,
            "employer_id": employer,
            "opinion": body.opinion,
            "comment": comment,
            "jurisdiction": year.jurisdiction,
            "compliant": year.standing.compliant,
            "snapshot": snapshot,
            "signed_by": principal.subject,
        },
    )
    await audit(
        session,
        principal,
        "annual_assessment.signed",
        "annual_assessment",
        row.id,
        reason=comment,
        details={
            "person_id": str(body.person_id),
            "year": body.year,
            "version": row.version,
            "opinion": body.opinion,
            "supersedes": str(before.id) if before is not None else None,
            "compliant": year.standing.compliant,
            "snapshot": snapshot,
            "source": "001 §2.3",
        },
    )
    return assessment_out(row, current=True)


async def history(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, year: int | None
) -> list[AssessmentOut]:
    await compliance.check_readable(session, principal, person_id)
    return [assessment_out(row) for row in await repository.for_person(session, person_id, year)]


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    year: int | None,
    opinion: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AssessmentOut], str | None]:
    rows, next_cursor = await repository.page(
        session, access.person_scopes(principal), year=year, opinion=opinion, cursor=cursor, limit=limit
    )
    return [assessment_out(row) for row in rows], next_cursor


def assessment_out(row: Row[Any], *, current: bool | None = None) -> AssessmentOut:
    snapshot: dict[str, Any] = row.snapshot
    return AssessmentOut(
        id=row.id,
        person_id=row.person_id,
        year=row.year,
        version=row.version,
        current=row.current if current is None else current,
        employer_id=row.employer_id,
        opinion=row.opinion,
        comment=row.comment,
        signed_by=row.signed_by,
        signed_at=row.signed_at,
        snapshot=Snapshot(
            jurisdiction=row.jurisdiction,
            required=HoursByKey(**snapshot["required"]),
            credited=HoursByKey(**snapshot["credited"]),
            shortfall=HoursByKey(**snapshot["shortfall"]),
            compliant=row.compliant,
        ),
    )


def _texts(hours: dict[str, Decimal] | dict[str, Decimal | None]) -> dict[str, str | None]:
    """Decimals as text in JSON: exactly the hours shown, no float rounding."""
    return {key: None if value is None else str(value) for key, value in hours.items()}
