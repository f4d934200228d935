"""Client authentication by signed assertion (RFC 7523 §2.2, OpenID ``private_key_jwt``).

A partner province's or an institution's system that registered its public keys proves itself with a
short-lived JWT it signs: ``iss`` = ``sub`` = its client id, ``aud`` = this registry (its issuer id or its
public token endpoint URL), ``exp`` within a few minutes, and a ``jti`` that is accepted only once.
No secret ever crosses the wire or sits in our database.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from jwt import PyJWK

from registry.errors import InvalidClient

# Asymmetric only: a symmetric algorithm would turn a published public key into a shared secret.
ASSERTION_ALGORITHMS = ["EdDSA", "ES256", "ES384", "RS256", "PS256"]
MAX_LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class VerifiedAssertion:
    client_id: str
    jti: str
    expires_at: datetime


def public_keys(jwks: dict[str, Any]) -> list[tuple[str | None, PyJWK]]:
    """The usable public keys of a registered JWKS; private members are refused at registration."""
    keys = []
    for jwk in jwks.get("keys", []):
        try:
            keys.append((jwk.get("kid"), PyJWK(jwk)))
        except jwt.PyJWKError:
            continue
    return keys


def check_registrable_jwks(jwks: dict[str, Any]) -> None:
    """Raise ValueError when a JWKS offered at client registration is unusable or leaks a private key."""
    entries = jwks.get("keys")
    if not isinstance(entries, list) or not entries:
        raise ValueError("jwks must be a JSON Web Key Set with at least one key")
    for jwk in entries:
        if not isinstance(jwk, dict) or any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "k")):
            raise ValueError("jwks must hold public keys only (no private or symmetric key material)")
        try:
            PyJWK(jwk)
        except jwt.PyJWKError as exc:
            raise ValueError(f"a key in jwks cannot be used: {exc}") from None


def verify_assertion(
    assertion: str, client_id: str, jwks: dict[str, Any], audiences: list[str], now: datetime
) -> VerifiedAssertion:
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.DecodeError:
        raise InvalidClient("The client assertion is not a well-formed JWT.") from None
    if header.get("alg") not in ASSERTION_ALGORITHMS:
        raise InvalidClient(f"The client assertion's algorithm must be one of {', '.join(ASSERTION_ALGORITHMS)}.")
    kid = header.get("kid")
    candidates = [key for key_id, key in public_keys(jwks) if kid is None or key_id == kid]
    if not candidates:
        raise InvalidClient("The client assertion is signed with a key this client has not registered.")
    claims: dict[str, Any] | None = None
    for key in candidates:
        try:
            claims = jwt.decode(
                assertion,
                key=key,
                algorithms=ASSERTION_ALGORITHMS,
                audience=audiences,
                issuer=client_id,
                leeway=30,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise InvalidClient("The client assertion has expired.") from None
        except jwt.InvalidAudienceError:
            raise InvalidClient(f"The client assertion's aud must be one of {audiences}.") from None
        except jwt.InvalidIssuerError:
            raise InvalidClient("The client assertion's iss must be the client id.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidClient(f"The client assertion lacks the {exc.claim!r} claim.") from None
        except jwt.InvalidTokenError:
            raise InvalidClient("The client assertion is not valid.") from None
    if claims is None:
        raise InvalidClient("The client assertion's signature does not verify.")
    if claims["sub"] != client_id:
        raise InvalidClient("The client assertion's sub must be the client id.")
    expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    if (expires_at - now).total_seconds() > MAX_LIFETIME_SECONDS:
        raise InvalidClient(f"A client assertion may live at most {MAX_LIFETIME_SECONDS} seconds.")
    return VerifiedAssertion(client_id=client_id, jti=str(claims["jti"]), expires_at=expires_at)
