"""Domain errors of the certificates service, each with its HTTP status and a stable ``code``."""

from cekit.problems import Conflict, NotFound, ServiceUnavailable


class PersonNotFound(NotFound):
    """Unknown, or outside the caller's scope: the same answer, so nobody can probe who exists."""

    code = "person_not_found"


class StatementNotFound(NotFound):
    code = "statement_not_found"


class StatusListNotFound(NotFound):
    code = "status_list_not_found"


class AlreadyRevoked(Conflict):
    """Revocation is final: a revoked statement cannot be revoked, suspended or reinstated again."""

    code = "already_revoked"


class AlreadySuspended(Conflict):
    code = "already_suspended"


class NotSuspended(Conflict):
    code = "not_suspended"


class _Unavailable(ServiceUnavailable):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class RegistryUnavailable(_Unavailable):
    """The registry did not answer usably; nothing was written. Retry later."""

    code = "registry_unavailable"


class HoursUnavailable(_Unavailable):
    """The hours service did not answer usably; nothing was written. Retry later."""

    code = "hours_unavailable"


class SigningKeyMissing(_Unavailable):
    """No signing key in CERTIFICATES_SIGNING_KEYS_DIR: run ``python -m certificates.cli ensure-signing-key``."""

    code = "signing_key_missing"
