"""Spot-check use cases. Who draws: HR officials within their region, industry officials within their industry
(and region), admins anywhere (000 art. 16). The results of a check are recorded by the authority that drew it
(an official of the same kind whose scope contains the check's) or an admin."""

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours import access, regions
from hours.audit import audit
from hours.errors import AlreadyChecked, CommentRequired, NotPermitted, RecordNotFound, SpotCheckNotFound
from hours.ledger import repository as ledger_repository
from hours.ledger import service as ledger
from hours.records import repository as records
from hours.spotchecks import repository
from hours.spotchecks.schemas import SampledRecord, SpotCheckIn, SpotCheckOut, SpotCheckResultIn
from hours.vocabulary import Status


def _authority(principal: Principal) -> tuple[str, access.Scope]:
    if principal.has_role(access.ADMIN):
        return "admin", access.Scope()
    scope = access.official_scope(principal)
    if scope is None:
        raise NotPermitted("Spot checks are drawn by HR and industry authorities (000 art. 16).")
    return ("hr" if scope.industry is None else "industry"), scope


async def draw(session: AsyncSession, principal: Principal, body: SpotCheckIn) -> SpotCheckOut:
    kind, scope = _authority(principal)
    sample = await records.sample_certified(
        session, scope, year=body.year, category=body.category, size=body.sample_size
    )
    check_id = uuid.uuid4()
    await repository.create(
        session,
        {
            "id": check_id,
            "created_by": principal.subject,
            "authority_kind": kind,
            "region_code": scope.region,
            "industry": scope.industry,
            "year": body.year,
            "category": body.category,
            "sample_size": body.sample_size,
        },
        sample,
    )
    await audit(
        session,
        principal,
        "spot_check.drawn",
        "spot_check",
        check_id,
        details={
            "year": body.year,
            "category": body.category,
            "asked": body.sample_size,
            "drawn": len(sample),
            "records": [str(r) for r in sample],
        },
    )
    return await read(session, principal, check_id)


async def read(session: AsyncSession, principal: Principal, check_id: uuid.UUID) -> SpotCheckOut:
    check = await _visible_check(session, principal, check_id)
    return _out(check, await repository.items(session, check_id))


async def record_result(
    session: AsyncSession, principal: Principal, check_id: uuid.UUID, body: SpotCheckResultIn
) -> SpotCheckOut:
    await _visible_check(session, principal, check_id)
    if not body.passed and not (body.comment and body.comment.strip()):
        raise CommentRequired("A failed check needs a comment saying what failed.")
    seen = await records.get(session, body.record_id)
    if seen is None or await repository.get_item(session, check_id, body.record_id) is None:
        raise RecordNotFound(f"Record {body.record_id} is not in spot check {check_id}.", code="record_not_in_sample")
    await ledger_repository.lock_person_years(session, [(seen.person_id, seen.year)])
    item = await repository.get_item(session, check_id, body.record_id, for_update=True)
    assert item is not None
    if item.passed is not None:
        raise AlreadyChecked(f"Record {body.record_id} was already checked in this spot check ({item.passed=}).")
    record = await records.get(session, body.record_id, for_update=True)
    assert record is not None
    await repository.set_result(session, check_id, body.record_id, body.passed, body.comment, principal.subject)
    withdrawn = False
    if not body.passed and record.status == Status.CERTIFIED.value:
        await ledger.reverse(session, record, principal, reason=body.comment or "", check_id=str(check_id))
        await records.set_status(session, record.id, Status.WITHDRAWN)
        withdrawn = True
        await audit(
            session,
            principal,
            "record.withdrawn",
            "learning_record",
            record.id,
            reason=body.comment,
            details={"spot_check_id": str(check_id), "hours": str(record.credit_hours), "source": "000 art. 16"},
        )
    await audit(
        session,
        principal,
        "spot_check.result",
        "spot_check",
        check_id,
        reason=body.comment,
        details={"record_id": str(body.record_id), "passed": body.passed, "withdrawn": withdrawn},
    )
    return await read(session, principal, check_id)


async def _visible_check(session: AsyncSession, principal: Principal, check_id: uuid.UUID) -> Row[Any]:
    check = await repository.get(session, check_id)
    if check is None or not _may_handle(principal, check):
        raise SpotCheckNotFound(f"No spot check {check_id} that you may see.")
    return check


def _may_handle(principal: Principal, check: Row[Any]) -> bool:
    if principal.has_role(access.ADMIN):
        return True
    scope = access.official_scope(principal)
    if scope is None:
        return False
    if check.authority_kind == "industry":
        if scope.industry != check.industry:
            return False
    elif check.authority_kind != "hr" or scope.industry is not None:
        return False
    if scope.region is None:
        return True
    return check.region_code is not None and regions.within(check.region_code, scope.region)


def _out(check: Row[Any], items: list[Row[Any]]) -> SpotCheckOut:
    return SpotCheckOut(
        id=check.id,
        created_at=check.created_at,
        created_by=check.created_by,
        authority_kind=check.authority_kind,
        region_code=check.region_code,
        industry=check.industry,
        year=check.year,
        category=check.category,
        sample_size=check.sample_size,
        records=[
            SampledRecord(
                record_id=i.record_id,
                person_id=i.person_id,
                category=i.category,
                activity=i.activity,
                title=i.title,
                credited_hours=i.credit_hours,
                status=i.status,
                passed=i.passed,
                comment=i.comment,
                checked_by=i.checked_by,
                checked_at=i.checked_at,
            )
            for i in items
        ],
    )
