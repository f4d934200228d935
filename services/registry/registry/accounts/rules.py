"""Pure rules on accounts: the password policy and what each role must be bound to. No I/O."""

from collections.abc import Mapping
from typing import Any

from registry.roles import ClientRole, Role
from registry.vocabulary import AuthorityKind, OrganisationType

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # long enough for any passphrase; bounds the work of hashing a request's input

# An official acts for its authority, an employer's or institution's staff for their organisation, a person
# for themself: the other services decide "own region, own industry, own staff, own records" from the claims
# that follow from these bindings, so an account without them could not be authorised at all. The region and
# industry are never input: they are the bound organisation's (or person's).
REQUIRED_ATTRIBUTES: Mapping[Role, tuple[str, ...]] = {
    Role.ADMIN: (),
    Role.HR_OFFICIAL: ("org_id",),
    Role.INDUSTRY_OFFICIAL: ("org_id",),
    Role.EMPLOYER_ADMIN: ("org_id",),
    Role.INSTITUTION: ("org_id",),
    Role.EXPERT: (),
    Role.PERSON: ("person_id",),
}
CLIENT_REQUIRED_ATTRIBUTES: Mapping[ClientRole, tuple[str, ...]] = {
    ClientRole.INSTITUTION: ("org_id",),  # its pushed records are credited to that institution
    ClientRole.PARTNER: (),
    ClientRole.SERVICE: (),
}
BINDINGS = ("org_id", "person_id")

# The organisation each role is bound to: its register and, for authorities, its kind. By role name: an
# institution's staff account and its machine client are bound alike.
ROLE_ORGANISATION: Mapping[str, tuple[OrganisationType, str | None]] = {
    Role.HR_OFFICIAL.value: (OrganisationType.AUTHORITY, AuthorityKind.HR.value),
    Role.INDUSTRY_OFFICIAL.value: (OrganisationType.AUTHORITY, AuthorityKind.INDUSTRY.value),
    Role.EMPLOYER_ADMIN.value: (OrganisationType.EMPLOYER, None),
    Role.INSTITUTION.value: (OrganisationType.INSTITUTION, None),
}


def organisation_fits(role: str, register: OrganisationType, kind: str) -> bool:
    """Whether an organisation of ``register`` and ``kind`` is what ``role`` must be bound to."""
    wanted_register, wanted_kind = ROLE_ORGANISATION[role]
    return register is wanted_register and (wanted_kind is None or kind == wanted_kind)


def describe_organisation(role: str) -> str:
    register, kind = ROLE_ORGANISATION[role]
    return f"an authority of the kind {kind}" if kind else f"an organisation of the type {register.value}"


def password_errors(password: str, username: str) -> list[dict[str, Any]]:
    errors = []
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(_error("password", "too_short", f"The password needs at least {MIN_PASSWORD_LENGTH} characters."))
    if len(password) > MAX_PASSWORD_LENGTH:
        errors.append(
            _error("password", "too_long", f"The password may have at most {MAX_PASSWORD_LENGTH} characters.")
        )
    if password.lower() == username.lower():
        errors.append(_error("password", "same_as_username", "The password must not be the username."))
    return errors


def missing_attribute_errors(role: str, required: tuple[str, ...], given: Mapping[str, object]) -> list[dict[str, Any]]:
    return [
        _error(name, "required_for_role", f"The role {role} needs {name}.")
        for name in required
        if given.get(name) is None
    ]


def unexpected_attribute_errors(
    role: str, required: tuple[str, ...], given: Mapping[str, object]
) -> list[dict[str, Any]]:
    return [
        _error(name, "not_for_role", f"The role {role} is not bound to a {name.removesuffix('_id')}; leave {name} out.")
        for name in BINDINGS
        if name not in required and given.get(name) is not None
    ]


def _error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "in": "body", "code": code, "message": message}
