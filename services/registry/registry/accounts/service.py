"""Use cases on accounts. They flush; the request (or the CLI) commits."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.tokens import Principal
from registry.accounts import repository
from registry.accounts.rules import REQUIRED_ATTRIBUTES, missing_attribute_errors, password_errors
from registry.accounts.schemas import AccountCreate
from registry.credentials import Passwords
from registry.errors import NoAccount, RoleAttributesMissing, UsernameTaken, WeakPassword
from registry.models import Account, audit_event


async def create_account(
    session: AsyncSession, passwords: Passwords, data: AccountCreate, *, actor: Principal | str
) -> Account:
    username = data.username.lower()
    if errors := password_errors(data.password, username):
        raise WeakPassword("The password does not meet the password policy.", errors=errors)
    if errors := missing_attribute_errors(data.role, REQUIRED_ATTRIBUTES[data.role], data.model_dump()):
        raise RoleAttributesMissing(f"An account with the role {data.role} needs more attributes.", errors=errors)
    if await repository.get_by_username(session, username) is not None:
        raise _taken(username)
    account = Account(
        username=username,
        password_hash=await passwords.hash(data.password),
        role=data.role,
        org_id=data.org_id,
        person_id=data.person_id,
        region_code=data.region_code,
        industry=data.industry,
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
