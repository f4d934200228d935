"""Refusals of a partner's call to ``/jjj/``: 401 when the token itself is missing, malformed, expired, too long-lived
or replayed; 403 when it is well formed but not a partner's (unknown issuer, revoked partner, a key the partner does
not publish, a signature that does not verify)."""

from cekit.problems import Forbidden, ServiceUnavailable, Unauthorized


class PartnerTokenRefused(Unauthorized):
    code = "partner_token_invalid"


class PartnerForbidden(Forbidden):
    code = "partner_forbidden"


class PartnerKeysUnavailable(ServiceUnavailable):
    """The calling partner's JWKS cannot be fetched, so its token cannot be checked now. Retry later."""

    code = "partner_keys_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "30"})
