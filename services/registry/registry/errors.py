"""The registry's refusals, each with its HTTP status and a stable ``code``."""

from typing import Any

from cekit.problems import Conflict, DomainError, Forbidden, NotFound, ServiceUnavailable, Unprocessable


class OAuthError(DomainError):
    """An RFC 6749 §5.2 error, rendered as problem+json whose ``code`` is the OAuth ``error``.

    OAuth client libraries read ``error`` and ``error_description``, so both are kept as extension members.
    """

    error: str = "invalid_request"
    title = "Token request refused"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(
            detail,
            code=self.error,
            headers={**(headers or {}), "Cache-Control": "no-store"},
            error=self.error,
            error_description=detail,
            **extensions,
        )


class InvalidRequest(OAuthError):
    status, error = 400, "invalid_request"


class InvalidClient(OAuthError):
    status, error = 401, "invalid_client"

    def __init__(self, detail: str = "Client authentication failed.") -> None:
        # RFC 6749 §5.2: a 401 for invalid_client names the authentication scheme the client should use.
        super().__init__(detail, headers={"WWW-Authenticate": 'Basic realm="registry"'})


class InvalidGrant(OAuthError):
    status, error = 400, "invalid_grant"


class UnsupportedGrantType(OAuthError):
    status, error = 400, "unsupported_grant_type"


class LoginLocked(OAuthError):
    """Too many failed logins for a username: refused without looking at the password."""

    status, error = 429, "invalid_grant"
    title = "Too many failed logins"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many failed logins for this username. Try again in {retry_after_seconds} seconds.",
            headers={"Retry-After": str(retry_after_seconds)},
            retry_after=retry_after_seconds,
        )


class UsernameTaken(Conflict):
    code, title = "username_taken", "Username taken"


class WeakPassword(Unprocessable):
    code, title = "weak_password", "Password too weak"


class RoleAttributesMissing(Unprocessable):
    code, title = "role_attributes_missing", "Role needs more attributes"


class RoleAttributesNotAllowed(Unprocessable):
    code, title = "role_attributes_not_allowed", "Attributes the role does not have"


class NoAccount(NotFound):
    code, title = "no_account", "No user account"


class SigningKeyUnavailable(ServiceUnavailable):
    code, title = "signing_key_unavailable", "No signing key"

    def __init__(self) -> None:
        # The key directory is for the operators' log, not for the client.
        super().__init__("The registry has no usable signing key; an operator must create one.")


# ---- who may do what (registry.policy) ---------------------------------------------------------------------
class OutsideScope(Forbidden):
    """The request names a region or organisation outside the caller's own (checked on the input alone, so the
    refusal reveals nothing about what exists there)."""

    code, title = "outside_scope", "Outside your scope"


class NotPermitted(Forbidden):
    """The caller may see the object but not make this change to it."""

    code, title = "not_permitted", "Not permitted"


# ---- input --------------------------------------------------------------------------------------------------
class InvalidIdNumber(Unprocessable):
    """Not a valid national ID number (GB 11643); ``code`` is the reason from ``cekit.identifiers``. The answer
    never repeats the number."""

    code, title = "invalid_id_number", "Invalid ID number"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(
            f"The ID number is not valid: {message}.",
            code=code,
            errors=[{"field": "id_number", "in": "body", "code": code, "message": message}],
        )


class InvalidCreditCode(Unprocessable):
    """Not a valid unified social credit code (GB 32100); ``code`` is the reason from ``cekit.identifiers``."""

    code, title = "invalid_credit_code", "Invalid credit code"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(
            f"The credit code is not valid: {message}.",
            code=code,
            errors=[{"field": "credit_code", "in": "body", "code": code, "message": message}],
        )


class UnknownRegion(Unprocessable):
    code, title = "unknown_region", "Unknown region code"

    def __init__(self, region_code: str, field: str = "region_code", where: str = "body") -> None:
        message = f"{region_code} is not a known GB/T 2260 region code."
        super().__init__(message, errors=[{"field": field, "in": where, "code": self.code, "message": message}])


class InvalidCursor(Unprocessable):
    code, title = "invalid_cursor", "Invalid cursor"

    def __init__(self) -> None:
        message = "The cursor is not one this list returned; start again without it."
        super().__init__(message, errors=[{"field": "cursor", "in": "query", "code": self.code, "message": message}])


# ---- people -------------------------------------------------------------------------------------------------
class PersonNotFound(NotFound):
    code, title = "person_not_found", "No such person"

    def __init__(self, detail: str = "No person with this id, or not one you may see.") -> None:
        super().__init__(detail)


class IdNumberUnreadable(DomainError):
    """A stored ciphertext that does not decrypt: a missing key, or a ciphertext altered or moved to another row
    (the row id is its associated data). An incident for the operators, never silently papered over."""

    status, code, title = 500, "id_number_unreadable", "Stored ID number unreadable"


class PersonExists(Conflict):
    """One person per ID number. The existing person's id is given only to a caller who may see that person."""

    code, title = "person_exists", "Person already registered"


class UnknownEmployer(Unprocessable):
    code, title = "unknown_employer", "Unknown employer"

    def __init__(self, field: str = "employer_id") -> None:
        message = "No employer with this id."
        super().__init__(message, errors=[{"field": field, "in": "body", "code": self.code, "message": message}])


class HistoryConflict(Unprocessable):
    """A dated change (employment, title) that does not follow the current one, or changes nothing."""

    code, title = "history_conflict", "Does not fit the history"


# ---- organisations ------------------------------------------------------------------------------------------
class OrganisationNotFound(NotFound):
    """``code`` names the register: ``employer_not_found``, ``institution_not_found``, ``authority_not_found``."""

    code, title = "organisation_not_found", "No such organisation"

    def __init__(self, register: str) -> None:
        super().__init__(f"No {register} with this id, or not one you may see.", code=f"{register}_not_found")


class CreditCodeTaken(Conflict):
    code, title = "credit_code_taken", "Credit code already registered"


class AuthorityExists(Conflict):
    code, title = "authority_exists", "Authority already registered"


class AuthorityInvalid(Unprocessable):
    """An authority whose level does not match its region, or whose industry does not match its kind.

    ``code``: ``level_mismatch``, ``industry_required`` or ``industry_not_allowed``."""

    code, title = "authority_invalid", "Invalid authority"

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message, code=code, errors=[{"field": field, "in": "body", "code": code, "message": message}])


# ---- accounts and clients bound to organisations ------------------------------------------------------------
class RoleBindingInvalid(Unprocessable):
    """The organisation or person an account (or client) is bound to does not exist or is of the wrong type.

    ``code``: ``unknown_organisation``, ``wrong_organisation_type`` or ``unknown_person``."""

    code, title = "role_binding_invalid", "Invalid organisation or person for the role"

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message, code=code, errors=[{"field": field, "in": "body", "code": code, "message": message}])
