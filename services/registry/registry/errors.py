"""The registry's refusals, each with its HTTP status and a stable ``code``."""

from typing import Any

from cekit.problems import Conflict, DomainError, NotFound, ServiceUnavailable, Unprocessable


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


class NoAccount(NotFound):
    code, title = "no_account", "No user account"


class SigningKeyUnavailable(ServiceUnavailable):
    code, title = "signing_key_unavailable", "No signing key"

    def __init__(self) -> None:
        # The key directory is for the operators' log, not for the client.
        super().__init__("The registry has no usable signing key; an operator must create one.")
