"""Use cases on employers, institutions and authorities. They flush; the request commits.

Every change is audited with who made it; updates with the values before and after.
"""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.identifiers import CreditCodeError, normalise_credit_code
from cekit.tokens import Principal
from registry import policy, regions
from registry.accounts import repository as accounts
from registry.errors import (
    AuthorityExists,
    AuthorityInvalid,
    CreditCodeTaken,
    InvalidCreditCode,
    NotPermitted,
    OrganisationNotFound,
    OutsideScope,
    UnknownRegion,
)
from registry.models import Organisation, audit_event
from registry.organisations import repository
from registry.organisations.rules import authority_problem
from registry.organisations.schemas import AuthorityCreate, EmployerCreate, InstitutionCreate, contact_document
from registry.pagination import PageRequest
from registry.vocabulary import AuthorityKind, OrganisationType

EMPLOYER, INSTITUTION, AUTHORITY = OrganisationType.EMPLOYER, OrganisationType.INSTITUTION, OrganisationType.AUTHORITY


# ---- register --------------------------------------------------------------------------------------------
async def register_employer(session: AsyncSession, data: EmployerCreate, *, actor: Principal) -> Organisation:
    credit_code = _credit_code(data.credit_code)
    _require_known_region(data.region_code)
    _require_may_create(actor, EMPLOYER, data)
    organisation = Organisation(
        type=EMPLOYER,
        kind=data.kind.value,
        name=data.name,
        credit_code=credit_code,
        region_code=data.region_code,
        industry=data.industry,
        contact=contact_document(data.contact),
    )
    return await _register(session, organisation, actor)


async def register_institution(session: AsyncSession, data: InstitutionCreate, *, actor: Principal) -> Organisation:
    credit_code = _credit_code(data.credit_code)
    _require_known_region(data.region_code)
    _require_may_create(actor, INSTITUTION, data)
    organisation = Organisation(
        type=INSTITUTION,
        kind=data.kind.value,
        name=data.name,
        credit_code=credit_code,
        region_code=data.region_code,
        contact=contact_document(data.contact),
    )
    return await _register(session, organisation, actor)


async def register_authority(session: AsyncSession, data: AuthorityCreate, *, actor: Principal) -> Organisation:
    _require_known_region(data.region_code)
    if problem := authority_problem(data.kind, data.level, data.region_code, data.industry):
        raise AuthorityInvalid(problem.code, problem.field, problem.message)
    if not policy.may_create_organisation(actor, AUTHORITY, data.region_code, data.level):
        raise OutsideScope(
            "An HR official registers authorities below its own level within its own region; others are the "
            "admin's (000 art. 3)."
        )
    organisation = Organisation(
        type=AUTHORITY,
        kind=data.kind.value,
        level=data.level,
        name=data.name,
        region_code=data.region_code,
        industry=data.industry,
        contact=contact_document(data.contact),
    )
    return await _register(session, organisation, actor)


async def _register(session: AsyncSession, organisation: Organisation, actor: Principal) -> Organisation:
    if await _duplicate_of(session, organisation) is not None:
        raise _conflict(organisation)
    organisation.id = uuid.uuid4()
    try:
        async with session.begin_nested():  # a concurrent twin fails here alone, not the whole request
            await repository.add(session, organisation)
    except IntegrityError as exc:
        raise _conflict(organisation) from exc
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action=f"{organisation.type.value}.registered",
        object_type=organisation.type.value,
        object_id=organisation.id,
        details=_snapshot(organisation),
    )
    return organisation


async def _duplicate_of(session: AsyncSession, organisation: Organisation) -> Organisation | None:
    if organisation.credit_code is not None:
        return await repository.get_by_credit_code(session, organisation.type, organisation.credit_code)
    return await repository.find_authority(
        session, AuthorityKind(organisation.kind), organisation.region_code, organisation.industry
    )


def _conflict(organisation: Organisation) -> CreditCodeTaken | AuthorityExists:
    if organisation.credit_code is not None:
        return CreditCodeTaken(
            f"An {organisation.type.value} with the credit code {organisation.credit_code} is already registered."
        )
    industry = f" for the industry {organisation.industry}" if organisation.industry else ""
    return AuthorityExists(
        f"{organisation.region_code} already has an {organisation.kind} authority{industry}; one per region."
    )


# ---- read ------------------------------------------------------------------------------------------------
async def get_organisation(
    session: AsyncSession, register: OrganisationType, org_id: uuid.UUID, *, actor: Principal, lock: bool = False
) -> Organisation:
    """The organisation, if the caller may see it; otherwise 404, as if it did not exist."""
    organisation = await repository.get_in_register(session, register, org_id, lock=lock)
    if organisation is None or not policy.organisation_scope(actor, register).admits_organisation(organisation):
        raise OrganisationNotFound(register.value)
    return organisation


async def list_organisations(
    session: AsyncSession,
    register: OrganisationType,
    page: PageRequest,
    *,
    actor: Principal,
    region_code: str | None = None,
    industry: str | None = None,
    kind: str | None = None,
) -> tuple[list[Organisation], str | None]:
    if region_code is not None and not regions.is_known(region_code):
        raise UnknownRegion(region_code, where="query")
    scope = policy.organisation_scope(actor, register)
    rows, next_cursor = await repository.list_page(
        session, register, scope, page, region_code=region_code, industry=industry, kind=kind
    )
    return list(rows), next_cursor


# ---- update ----------------------------------------------------------------------------------------------
async def update_organisation(
    session: AsyncSession, register: OrganisationType, org_id: uuid.UUID, changes: dict[str, Any], *, actor: Principal
) -> Organisation:
    organisation = await get_organisation(session, register, org_id, actor=actor, lock=True)
    if not policy.may_manage_organisation(actor, organisation):
        raise NotPermitted(f"You may see this {register.value} but not change it.")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in changes.items():
        current = getattr(organisation, field)
        if current != value:
            before[field], after[field] = current, value
            setattr(organisation, field, value)
    if not after:
        return organisation  # nothing changed, nothing to record
    await session.flush()
    if "industry" in after:
        await accounts.set_industry_of_organisation_accounts(session, organisation.id, organisation.industry)
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action=f"{register.value}.updated",
        object_type=register.value,
        object_id=organisation.id,
        details={"before": before, "after": after},
    )
    return organisation


# ---- parts -----------------------------------------------------------------------------------------------
def _credit_code(raw: str) -> str:
    try:
        return normalise_credit_code(raw)
    except CreditCodeError as exc:
        raise InvalidCreditCode(exc.code, str(exc)) from None


def _require_known_region(region_code: str) -> None:
    if not regions.is_known(region_code):
        raise UnknownRegion(region_code)


def _require_may_create(actor: Principal, register: OrganisationType, data: EmployerCreate | InstitutionCreate) -> None:
    if not policy.may_create_organisation(actor, register, data.region_code):
        raise OutsideScope(f"An HR official registers {register.value}s of its own region only.")


def _snapshot(organisation: Organisation) -> dict[str, Any]:
    values = {
        "kind": organisation.kind,
        "name": organisation.name,
        "credit_code": organisation.credit_code,
        "region_code": organisation.region_code,
        "level": organisation.level.value if organisation.level else None,
        "industry": organisation.industry,
    }
    return {name: value for name, value in values.items() if value is not None}
