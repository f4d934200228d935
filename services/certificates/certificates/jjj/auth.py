"""How a partner province's system authenticates to ``/jjj/``: a short-lived JWT it signs itself (RFC 7523 style,
a JWT bearer assertion), with a key from the JWKS it publishes — the one registered in our partner registry.

``Authorization: Bearer <JWT>``; header ``alg`` EdDSA (Ed25519) or ES256 (P-256) and the ``kid`` of the key;
claims ``iss`` = the partner's issuer id, ``aud`` = our issuer id, ``iat``, ``exp`` (at most 300 s after ``iat``)
and ``jti``, which is accepted once (kept until the token expires). Clocks may differ by ``LEEWAY_SECONDS``.
"""

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import bearer_token
from certificates.jjj import repository as token_uses
from certificates.jjj.errors import PartnerForbidden, PartnerKeysUnavailable, PartnerTokenRefused
from certificates.keys import SigningKey
from certificates.partners.directory import PartnerDirectory, PartnerEntry
from certificates.verification.issuers import KeysUnavailable

MAX_LIFETIME_SECONDS = 300
LEEWAY_SECONDS = 30
ALGORITHMS = ("EdDSA", "ES256")
MAX_JTI_LENGTH = 200
PRUNE_EVERY_SECONDS = 60.0
_last_prune = float("-inf")  # per process: pruning used ids is housekeeping, any replica may do it


async def authenticate(
    authorization: str | None, session: AsyncSession, directory: PartnerDirectory, audience: str
) -> PartnerEntry:
    """The active partner that signed the token; raises 401 / 403 / 503 problems otherwise."""
    token = bearer_token(authorization)
    if token is None:
        raise PartnerTokenRefused(
            "A partner authenticates with a JWT it signs with a key of its published JWKS: "
            "Authorization: Bearer <JWT>.",
            code="partner_token_missing",
        )
    try:
        header = jwt.get_unverified_header(token)
        unverified: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise PartnerTokenRefused("The partner token is not a JWT.") from None
    algorithm, kid, issuer_id = header.get("alg"), header.get("kid"), unverified.get("iss")
    if algorithm not in ALGORITHMS:
        raise PartnerTokenRefused(f"The partner token must be signed with {' or '.join(ALGORITHMS)}.")
    if not isinstance(kid, str) or not kid:
        raise PartnerTokenRefused("The partner token's header names no key (kid).")
    if not isinstance(issuer_id, str) or not issuer_id:
        raise PartnerTokenRefused("The partner token names no issuer (iss).")

    partner = await directory.entry(issuer_id)
    if partner is None:
        raise PartnerForbidden(f"{issuer_id} is not a partner of this platform.", code="partner_unknown")
    if not partner.active:
        raise PartnerForbidden(f"The partnership with {issuer_id} was revoked.", code="partner_revoked")
    issuer = await directory.resolve(issuer_id)
    if issuer is None:  # revoked between the two reads
        raise PartnerForbidden(f"The partnership with {issuer_id} was revoked.", code="partner_revoked")
    try:
        key = await issuer.key(kid)
    except KeysUnavailable as exc:
        raise PartnerKeysUnavailable(f"The keys of {issuer_id} cannot be fetched to check its token: {exc}.") from None
    if key is None:
        raise PartnerForbidden(f"{issuer_id} publishes no key {kid}.", code="partner_key_unknown")
    if key.algorithm_name != algorithm:
        raise PartnerForbidden(f"The key {kid} of {issuer_id} is not an {algorithm} key.", code="partner_key_unknown")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer_id,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "iat", "exp", "jti"]},
        )
    except jwt.InvalidSignatureError:
        raise PartnerForbidden(
            f"The token is not signed by the key {kid} of {issuer_id}.", code="partner_signature_invalid"
        ) from None
    except jwt.ExpiredSignatureError:
        raise PartnerTokenRefused("The partner token has expired.", code="partner_token_expired") from None
    except jwt.InvalidAudienceError:
        raise PartnerTokenRefused(f"The partner token is not meant for us (aud must be {audience}).") from None
    except jwt.PyJWTError as exc:
        raise PartnerTokenRefused(f"The partner token was refused: {exc}.") from None
    issued, expires, jti = claims["iat"], claims["exp"], claims["jti"]
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise PartnerTokenRefused("iat and exp must be numbers (seconds since the epoch).")
    if expires - issued > MAX_LIFETIME_SECONDS:
        raise PartnerTokenRefused(
            f"A partner token lives at most {MAX_LIFETIME_SECONDS} s (exp - iat).", code="partner_token_too_long"
        )
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise PartnerTokenRefused(f"jti must be a string of at most {MAX_JTI_LENGTH} characters.")
    now = datetime.now(UTC)
    await _prune(session, now)
    if not await token_uses.use(session, issuer_id, jti, datetime.fromtimestamp(expires + LEEWAY_SECONDS, UTC)):
        raise PartnerTokenRefused(
            "This partner token was used already: each jti is accepted once.", code="partner_token_replayed"
        )
    return partner


async def _prune(session: AsyncSession, now: datetime) -> None:
    global _last_prune
    if time.monotonic() - _last_prune >= PRUNE_EVERY_SECONDS:
        _last_prune = time.monotonic()
        await token_uses.forget_expired(session, now)


def partner_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    lifetime: int = 120,
    jti: str | None = None,
    now: float | None = None,
) -> str:
    """A token as a partner would sign it to call another province's ``/jjj/`` (for our own calls and tests)."""
    issued = int(now if now is not None else time.time())
    claims = {"iss": issuer, "aud": audience, "iat": issued, "exp": issued + lifetime, "jti": jti or uuid.uuid4().hex}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": "JWT"})
