"""Use cases on accounts. They flush; the request (or the CLI) commits."""

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.tokens import Principal
from registry.accounts import repository
from registry.accounts.rules import (
    REQUIRED_ATTRIBUTES,
    ROLE_ORGANISATION,
    describe_organisation,
    missing_attribute_errors,
    organisation_fits,
    password_errors,
    unexpected_attribute_errors,
)
from registry.accounts.schemas import AccountCreate
from registry.credentials import Passwords
from registry.errors import (
    NoAccount,
    RoleAttributesMissing,
    RoleAttributesNotAllowed,
    RoleBindingInvalid,
    UsernameTaken,
    WeakPassword,
)
from registry.models import Account, Organisation, audit_event
from registry.organisations import repository as organisations
from registry.persons import repository as persons
from registry.roles import Role


@dataclass(frozen=True)
class Binding:
    """What an account acts for, and the region and industry that follow from it (never from input)."""

    org_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    region_code: str | None = None
    industry: str | None = None


async def create_account(
    session: AsyncSession, passwords: Passwords, data: AccountCreate, *, actor: Principal | str
) -> Account:
    username = data.username.lower()
    if errors := password_errors(data.password, username):
        raise WeakPassword("The password does not meet the password policy.", errors=errors)
    check_role_attributes(data.role, REQUIRED_ATTRIBUTES[data.role], data.model_dump(), what="An account")
    binding = await _binding(session, data)
    if await repository.get_by_username(session, username) is not None:
        raise _taken(username)
    account = Account(
        username=username,
        password_hash=await passwords.hash(data.password),
        role=data.role,
        org_id=binding.org_id,
        person_id=binding.person_id,
        region_code=binding.region_code,
        industry=binding.industry,
        active=True,
    )
    try:
        await repository.add(session, account)
    except IntegrityError as exc:  # a concurrent request took the name between our check and the insert
        raise _taken(username) from exc
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="account.created",
        object_type="account",
        object_id=account.id,
        details={"username": username, **_attributes(account)},
    )
    return account


async def my_account(session: AsyncSession, principal: Principal) -> Account:
    # RFC 9068 §2.2: a client-credentials token has sub == client_id; such a caller is a system, not a user.
    if principal.subject == principal.client_id:
        raise NoAccount(
            f"The token belongs to the machine client {principal.client_id}, which has no user account; "
            "only tokens from a password login have one."
        )
    subject = _uuid_or_none(principal.subject)
    account = await repository.get(session, subject) if subject is not None else None
    if account is None:
        raise NoAccount("The token's subject has no account here (it may have been removed).")
    return account


def check_role_attributes(role: str, required: tuple[str, ...], given: dict[str, object], *, what: str) -> None:
    if errors := missing_attribute_errors(role, required, given):
        raise RoleAttributesMissing(f"{what} with the role {role} needs more attributes.", errors=errors)
    if errors := unexpected_attribute_errors(role, required, given):
        raise RoleAttributesNotAllowed(f"{what} with the role {role} is not bound to these.", errors=errors)


async def bound_organisation(session: AsyncSession, role: str, org_id: uuid.UUID) -> Organisation:
    """The organisation ``role`` is bound to, which must exist and be of the role's register and kind."""
    organisation = await organisations.get(session, org_id)
    if organisation is None:
        raise RoleBindingInvalid("unknown_organisation", "org_id", "No organisation with this id.")
    if not organisation_fits(role, organisation.type, organisation.kind):
        raise RoleBindingInvalid(
            "wrong_organisation_type",
            "org_id",
            f"The role {role} is bound to {describe_organisation(role)}; this organisation is of the type "
            f"{organisation.type.value} ({organisation.kind}).",
        )
    return organisation


async def _binding(session: AsyncSession, data: AccountCreate) -> Binding:
    if data.role.value in ROLE_ORGANISATION and data.org_id is not None:
        organisation = await bound_organisation(session, data.role.value, data.org_id)
        return Binding(org_id=organisation.id, region_code=organisation.region_code, industry=organisation.industry)
    if data.role is Role.PERSON and data.person_id is not None:
        person = await persons.get(session, data.person_id)
        if person is None:
            raise RoleBindingInvalid("unknown_person", "person_id", "No registered person with this id.")
        return Binding(person_id=person.id, region_code=person.region_code, industry=person.industry)
    return Binding()


def _taken(username: str) -> UsernameTaken:
    return UsernameTaken(f"The username {username!r} is already taken.")


def _attributes(account: Account) -> dict[str, str]:
    given = {
        "role": account.role.value,
        "org_id": account.org_id,
        "person_id": account.person_id,
        "region_code": account.region_code,
        "industry": account.industry,
    }
    return {name: str(value) for name, value in given.items() if value is not None}


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
