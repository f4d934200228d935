"""Verification of the registry's access tokens (RFC 9068 JWT profile, EdDSA) without trusting anyone.

Every service and the gateway verify tokens themselves against the registry's JWKS: signature with an
allowed algorithm only, ``typ: at+jwt``, issuer, audience, expiry. Keys are cached and refetched once
when a token names an unknown ``kid`` (key rotation), at most once per ``min_refetch_seconds``.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from jwt import PyJWK

ALLOWED_ALGORITHMS = ["EdDSA"]
ACCESS_TOKEN_TYP = "at+jwt"


class TokenError(Exception):
    """Why a token was refused; the message is safe to show to the caller."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the registry vouched for it in the token."""

    subject: str
    client_id: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    token_id: str
    expires_at: int
    org_id: str | None = None
    region_code: str | None = None
    industry: str | None = None
    person_id: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    scope = claims.get("scope") or ""
    return Principal(
        subject=str(claims["sub"]),
        client_id=str(claims["client_id"]),
        roles=tuple(str(r) for r in roles),
        scopes=tuple(scope.split()) if isinstance(scope, str) else (),
        token_id=str(claims["jti"]),
        expires_at=int(claims["exp"]),
        org_id=claims.get("org_id"),
        region_code=claims.get("region_code"),
        industry=claims.get("industry"),
        person_id=claims.get("person_id"),
        claims=claims,
    )


KeyFetcher = Callable[[], Awaitable[dict[str, Any]]]


def http_jwks_fetcher(url: str, timeout: float = 3.0) -> KeyFetcher:
    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document

    return fetch


def static_jwks_fetcher(jwks: dict[str, Any] | Callable[[], dict[str, Any]]) -> KeyFetcher:
    async def fetch() -> dict[str, Any]:
        return jwks() if callable(jwks) else jwks

    return fetch


class KeySet:
    """Parsed public keys by ``kid`` (parsing a key per request would halve verification throughput)."""

    def __init__(self, fetch: KeyFetcher, *, ttl_seconds: float = 300.0, min_refetch_seconds: float = 10.0) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._min_refetch = min_refetch_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._min_refetch and self._keys:
                return
            document = await self._fetch()
            keys: dict[str, PyJWK] = {}
            for jwk in document.get("keys", []):
                if "kid" not in jwk:
                    continue
                try:
                    keys[jwk["kid"]] = PyJWK(jwk)
                except jwt.PyJWKError:
                    continue  # a key we cannot use must not hide the ones we can
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> PyJWK:
        stale = time.monotonic() - self._fetched_at > self._ttl
        if kid not in self._keys or stale:
            try:
                await self._refresh()
            except (httpx.HTTPError, ValueError) as exc:
                if kid not in self._keys:  # a cached key stays usable while the registry is briefly away
                    raise TokenError("the token's signing keys cannot be fetched right now") from exc
        key = self._keys.get(kid)
        if key is None:
            raise TokenError("the token was signed with an unknown key")
        return key


class TokenVerifier:
    """Checks access tokens, and remembers the ones that passed until they expire: a client sends the same token
    for minutes, and parsing plus an Ed25519 check cost more than the rest of a small read. (A token stays
    accepted until its ``exp`` either way; a remembered one cannot outlive it.)"""

    def __init__(
        self, keys: KeySet, *, issuer: str, audience: str, leeway_seconds: int = 30, remember: int = 10_000
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self._remember = remember
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, expires_at = await self._verify(token)
        if len(self._verified) >= self._remember:
            # Forget the oldest (insertion order): bounded memory however many clients there are.
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires_at)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise TokenError("the token is not a well-formed JWT") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise TokenError(f"the token's algorithm {header.get('alg')!r} is not accepted")
        typ = str(header.get("typ", "")).lower()
        if typ not in (ACCESS_TOKEN_TYP, "application/" + ACCESS_TOKEN_TYP):
            raise TokenError("the token is not an access token (typ must be at+jwt)")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenError("the token names no signing key (kid)")
        key = await self.keys.get(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALLOWED_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti", "client_id"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenError("the token is not meant for this platform (aud)") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenError("the token was not issued by this platform's registry (iss)") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenError("the token's signature does not verify") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"the token lacks the {exc.claim!r} claim") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError("the token is not valid") from exc
        return principal_from_claims(claims), float(claims["exp"])


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def jwks_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
