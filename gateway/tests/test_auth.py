"""The gateway's early token check: public routes, refusals as 401 problems, key rotation, the cache."""

import asyncio
import time

import pytest

from cekit.testing import TokenMinter
from cekit.tokens import Principal, TokenError
from gateway.auth import TokenCache

PUBLIC = [
    ("POST", "/v1/auth/token"),
    ("POST", "/v1/auth/revoke"),
    ("GET", "/.well-known/jwks.json"),
    ("POST", "/v1/verifications"),
    ("GET", "/v1/status-lists/2026-1"),
    ("GET", "/verify/QR-123"),
    ("POST", "/jjj/v1/verifications"),
    ("GET", "/jjj/v1/partner-info"),
    ("GET", "/v1/bases"),
    ("GET", "/v1/bases/base-1"),
    ("HEAD", "/v1/bases/base-1"),
]
PROTECTED = [
    ("GET", "/v1/persons/me"),
    ("POST", "/v1/bases"),
    ("GET", "/v1/bases/base-1/annual-plans"),
    ("GET", "/v1/verifications/v-1"),
    ("POST", "/v1/status-lists/2026-1"),
    ("DELETE", "/verify/QR-123"),
    ("GET", "/v1/compliance/p-1"),
    ("POST", "/v1/learning-records:batch"),
]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
async def test_public_routes_pass_without_a_token(platform, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.request(method, path)
    assert response.status_code == 200, response.text
    if method != "HEAD" and path != "/.well-known/jwks.json":
        assert response.json()["path"] == path


async def test_a_partner_jwt_on_a_public_route_is_not_judged_by_the_gateway(platform) -> None:  # type: ignore[no-untyped-def]
    partner_token = TokenMinter(issuer="urn:ce:110000:registry").mint("partner")
    response = await platform.client.post("/jjj/v1/verifications", headers={"Authorization": f"Bearer {partner_token}"})
    assert response.status_code == 200
    assert response.json()["service"] == "certificates"


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_protected_routes_need_a_token(platform, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.request(method, path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "token_missing"
    assert all(not upstream.requests for upstream in platform.upstreams.values())


def _refused_tokens(minter: TokenMinter) -> dict[str, str]:
    return {
        "malformed": "not-a-jwt",
        "expired": minter.mint(lifetime=-120),  # beyond the verifier's 30 s leeway
        "wrong_audience": minter.mint(aud="urn:ce:999999"),
        "wrong_issuer": minter.mint(iss="urn:ce:999999:registry"),
        "unknown_kid": TokenMinter(minter.issuer, minter.audience).mint(),
        "tampered": minter.mint()[:-4] + "AAAA",
    }


@pytest.mark.parametrize("kind", ["malformed", "expired", "wrong_audience", "wrong_issuer", "unknown_kid", "tampered"])
async def test_refused_tokens_are_401_problems(platform, kind: str) -> None:  # type: ignore[no-untyped-def]
    token = _refused_tokens(platform.minter)[kind]
    response = await platform.client.get(
        "/v1/compliance/p-1", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "r-401"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["x-request-id"] == "r-401"
    body = response.json()
    assert body["code"] == "token_invalid"
    assert body["request_id"] == "r-401"
    assert not platform.upstreams["hours"].requests


async def test_a_rotated_key_is_fetched_once_without_a_restart(start_platform) -> None:  # type: ignore[no-untyped-def]
    minters: list[TokenMinter] = []

    def jwks() -> dict[str, object]:
        return {"keys": [key for m in minters for key in m.jwks["keys"]]}

    platform = await start_platform(jwks=jwks, jwks_min_refetch_seconds=0)
    minters.append(platform.minter)
    registry = platform.upstreams["registry"]

    assert (await platform.client.get("/v1/compliance/p-1", headers=platform.auth())).status_code == 200
    assert registry.jwks_fetches == 1
    # The registry rotates: a new key signs new tokens. One refetch picks it up.
    rotated = TokenMinter(platform.minter.issuer, platform.minter.audience)
    minters.append(rotated)
    response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth(rotated.mint()))
    assert response.status_code == 200
    assert registry.jwks_fetches == 2
    # A kid the registry does not know: exactly one more refetch, then a 401.
    stranger = TokenMinter(platform.minter.issuer, platform.minter.audience)
    response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth(stranger.mint()))
    assert response.status_code == 401
    assert registry.jwks_fetches == 3


async def test_unknown_kids_do_not_hammer_the_registry(platform) -> None:  # type: ignore[no-untyped-def]
    assert (await platform.client.get("/v1/compliance/p-1", headers=platform.auth())).status_code == 200
    for _ in range(5):
        stranger = TokenMinter(platform.minter.issuer, platform.minter.audience)
        response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth(stranger.mint()))
        assert response.status_code == 401
    # The default minimum interval between refetches holds them to the first fetch.
    assert platform.upstreams["registry"].jwks_fetches == 1


async def test_registry_keys_unreachable_is_503_not_401(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(down=("registry",))
    response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth())
    assert response.status_code == 503
    assert response.json()["code"] == "token_keys_unavailable"


class _CountingVerifier:
    def __init__(self, minter: TokenMinter) -> None:
        from cekit.tokens import KeySet, TokenVerifier

        self.inner = TokenVerifier(KeySet(minter.fetcher()), issuer=minter.issuer, audience=minter.audience)
        self.calls = 0

    async def verify(self, token: str) -> Principal:
        self.calls += 1
        return await self.inner.verify(token)


async def test_token_cache_verifies_each_token_once_until_it_expires() -> None:
    minter = TokenMinter()
    verifier = _CountingVerifier(minter)
    cache = TokenCache(verifier, max_entries=10)  # type: ignore[arg-type]
    token = minter.mint("u-1", lifetime=1)
    first = await cache.principal(token)
    second = await cache.principal(token)
    assert first.subject == second.subject == "u-1"
    assert verifier.calls == 1
    assert cache.cached(token) is not None
    await asyncio.sleep(max(0.0, first.expires_at - time.time()) + 0.05)
    assert cache.cached(token) is None  # gone at its own exp, although the verifier would allow leeway
    await cache.principal(token)
    assert verifier.calls == 2


async def test_token_cache_is_bounded_and_keeps_the_recently_used() -> None:
    minter = TokenMinter()
    verifier = _CountingVerifier(minter)
    cache = TokenCache(verifier, max_entries=3)  # type: ignore[arg-type]
    tokens = [minter.mint(f"u-{i}") for i in range(4)]
    for token in tokens[:3]:
        await cache.principal(token)
    await cache.principal(tokens[0])  # used again: now the most recent
    await cache.principal(tokens[3])  # evicts the least recently used, tokens[1]
    assert len(cache) == 3
    assert cache.cached(tokens[0]) is not None
    assert cache.cached(tokens[1]) is None


async def test_token_cache_does_not_remember_refusals() -> None:
    minter = TokenMinter()
    cache = TokenCache(_CountingVerifier(minter), max_entries=3)  # type: ignore[arg-type]
    with pytest.raises(TokenError):
        await cache.principal("not-a-jwt")
    assert len(cache) == 0
