"""Pure rules on accounts: the password policy and what each role must be attached to. No I/O."""

from collections.abc import Mapping
from typing import Any

from registry.roles import ClientRole, Role

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # long enough for any passphrase; bounds the work of hashing a request's input

# An official acts for a region (and an industry official for an industry), an employer's or institution's
# staff for their organisation, a person for themself: the other services decide "own region, own industry,
# own staff, own records" from these claims, so an account without them could not be authorised at all.
REQUIRED_ATTRIBUTES: Mapping[Role, tuple[str, ...]] = {
    Role.ADMIN: (),
    Role.HR_OFFICIAL: ("org_id", "region_code"),
    Role.INDUSTRY_OFFICIAL: ("org_id", "region_code", "industry"),
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


def _error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "in": "body", "code": code, "message": message}
