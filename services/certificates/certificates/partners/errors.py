"""Domain errors of the partner registry, each with its HTTP status and a stable ``code``."""

from cekit.problems import Conflict, NotFound, ServiceUnavailable, Unprocessable


class PartnerNotFound(NotFound):
    code = "partner_not_found"


class PartnerExists(Conflict):
    """The issuer or the region already has an active partner entry."""

    code = "partner_exists"


class PartnerAlreadyRevoked(Conflict):
    code = "partner_already_revoked"


class PartnerRefused(Unprocessable):
    """The partner cannot be registered as given (ourselves, unusable keys, …); the detail says why."""

    code = "partner_refused"


class PartnersUnavailable(ServiceUnavailable):
    """The partner registry cannot be read right now; nothing was decided. Retry later."""

    code = "partners_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})
