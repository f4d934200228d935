"""Access tokens in the JWT profile of RFC 9068, signed with the active Ed25519 key."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt

from cekit.tokens import ACCESS_TOKEN_TYP
from registry.auth.keys import SigningKey


@dataclass(frozen=True)
class TokenSubject:
    """What an access token says about its holder."""

    subject: str
    client_id: str
    roles: tuple[str, ...]
    # Access on this platform follows roles and the org/region/industry claims; no OAuth scopes are defined
    # yet, so none is granted (RFC 6749 §3.3 lets the server ignore the scope a client asks for).
    scope: str = ""
    # org_id, region_code, industry, person_id: present only when the holder has them.
    attributes: dict[str, str] = field(default_factory=dict)


def mint_access_token(
    key: SigningKey, holder: TokenSubject, *, issuer: str, audience: str, lifetime_seconds: int, now: datetime
) -> str:
    issued_at = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": holder.subject,
        "client_id": holder.client_id,
        "iat": issued_at,
        "exp": issued_at + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "roles": list(holder.roles),
        "scope": holder.scope,
        **{name: value for name, value in holder.attributes.items() if value is not None},
    }
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"typ": ACCESS_TOKEN_TYP, "kid": key.kid})
