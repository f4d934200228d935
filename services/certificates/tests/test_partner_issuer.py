"""A partner province's keys and status lists as our verifier reaches them (000 art. 22): cached as the partner's
Cache-Control says within bounds, refetched for a kid we have not seen (rate-limited), used stale for a bounded
time when the partner is out of reach and then *undecidable*, never a false "invalid"; status lists only from
under the partner's address, only once their signature verifies, revalidated with If-None-Match."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from certificates import jose, vc
from certificates.keys import KeyStore, SigningKey
from certificates.statuslists import bitstring
from certificates.verification.issuers import BadStatusEntry, KeysUnavailable, StatusRef, StatusUnavailable
from certificates.verification.partner_issuer import (
    PartnerKeys,
    PartnerStatusLists,
    cache_lifetime,
    parse_jwks,
    under,
)

JWKS_URL = "https://bj.test/v1/issuer/jwks"
BASE = "https://bj.test"
ISSUER = "urn:ce:110000:certificates"
LIST_URL = BASE + "/v1/status-lists/1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Partner:
    """The partner's web server: its JWKS and one revocation list, with switches."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = keys
        self.down = False
        self.max_age = 300
        self.bits = bitstring.empty(131_072)
        self.version = 1
        self.calls: list[httpx.Request] = []
        self.list_signer = keys[0]
        self.list_issuer = ISSUER

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.down:
            raise httpx.ConnectTimeout("timed out", request=request)
        cache = {"Cache-Control": f"public, max-age={self.max_age}"}
        if request.url.path == "/v1/issuer/jwks":
            return httpx.Response(200, json={"keys": [k.public_jwk() for k in self.keys]}, headers=cache)
        if request.url.path == "/v1/status-lists/1":
            etag = f'"1.{self.version}"'
            if request.headers.get("if-none-match") == etag:
                return httpx.Response(304, headers={**cache, "ETag": etag})
            document = vc.status_list_credential(
                issuer=self.list_issuer,
                list_url=LIST_URL,
                purpose="revocation",
                encoded_list=bitstring.encode(self.bits),
                valid_from=datetime.now(UTC),
                ttl_seconds=self.max_age,
            )
            return httpx.Response(200, text=jose.sign(document, self.list_signer), headers={**cache, "ETag": etag})
        return httpx.Response(404)

    def count(self, path: str) -> int:
        return sum(1 for r in self.calls if r.url.path == path)


@pytest.fixture
def keys(tmp_path: Path) -> list[SigningKey]:
    store = KeyStore(tmp_path / "bj")
    return [store.create(), store.create(datetime.now(UTC) + timedelta(seconds=1))]


def client(partner: Partner) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(partner.handler))


def test_cache_lifetime_honours_max_age_within_bounds() -> None:
    def life(value: str | None) -> float:
        headers = httpx.Headers({"Cache-Control": value} if value else {})
        return cache_lifetime(headers, default=300, low=60, high=3600)

    assert life("public, max-age=600") == 600
    assert life("max-age=5") == 60
    assert life("max-age=999999") == 3600
    assert life("no-store") == 60
    assert life(None) == 300


def test_only_public_signing_keys_of_known_types_are_kept(keys: list[SigningKey]) -> None:
    private = {**keys[0].public_jwk(), "kid": "leaked", "d": "AAAA"}
    encryption = {**keys[1].public_jwk(), "kid": "enc", "use": "enc"}
    rsa = {"kty": "RSA", "kid": "rsa", "n": "AQAB", "e": "AQAB"}
    parsed = parse_jwks({"keys": [keys[0].public_jwk(), private, encryption, rsa, "junk"]})
    assert list(parsed) == [keys[0].kid]
    assert parsed[keys[0].kid].algorithm_name == "EdDSA"


def test_status_lists_must_live_under_the_partner_s_address() -> None:
    assert under(BASE + "/v1/status-lists/3", BASE)
    assert under("https://BJ.test/v1/status-lists/3", BASE + "/")
    assert not under("https://evil.test/v1/status-lists/3", BASE)
    assert not under("http://bj.test/v1/status-lists/3", BASE)  # another scheme
    assert not under("https://bj.test:8443/v1/status-lists/3", BASE)  # another port
    assert not under("https://bj.test.evil.test/v1/status-lists/3", BASE)
    assert not under(BASE + "/v1/status-lists/3?x=1", BASE)
    assert not under("https://bj.test/other/list", BASE + "/jjj")


async def test_keys_are_fetched_once_per_lifetime_and_again_for_an_unknown_kid(keys: list[SigningKey]) -> None:
    partner, clock = Partner(keys[:1]), Clock()
    partner.max_age = 120
    cache = PartnerKeys(client(partner), jwks_url=JWKS_URL, max_stale_seconds=600, clock=clock)
    for _ in range(5):
        assert await cache.key(keys[0].kid) is not None
    assert partner.count("/v1/issuer/jwks") == 1

    # The partner rotates: the new kid is fetched at once ...
    partner.keys = keys
    clock.now += 40
    assert await cache.key(keys[1].kid) is not None
    assert partner.count("/v1/issuer/jwks") == 2
    # ... but a stream of unknown kids does not make us ask again and again.
    for forged in ("forged-1", "forged-2", "forged-3"):
        assert await cache.key(forged) is None
    assert partner.count("/v1/issuer/jwks") == 2
    clock.now += 31
    assert await cache.key("forged-4") is None
    assert partner.count("/v1/issuer/jwks") == 3

    clock.now += 121  # max-age 120: stale now
    assert await cache.key(keys[0].kid) is not None
    assert partner.count("/v1/issuer/jwks") == 4


async def test_stale_keys_serve_while_the_partner_is_down_then_the_answer_is_undecided(
    keys: list[SigningKey],
) -> None:
    partner, clock = Partner(keys[:1]), Clock()
    partner.max_age = 60
    cache = PartnerKeys(client(partner), jwks_url=JWKS_URL, max_stale_seconds=600, clock=clock)
    assert await cache.key(keys[0].kid) is not None
    partner.down = True
    clock.now += 300  # past its lifetime, within the stale allowance
    assert await cache.key(keys[0].kid) is not None
    with pytest.raises(KeysUnavailable, match="cannot be reached"):
        await cache.key(keys[1].kid)  # a kid we never saw: it may be genuine, we cannot tell
    clock.now += 600  # beyond the stale allowance
    with pytest.raises(KeysUnavailable):
        await cache.key(keys[0].kid)
    partner.down = False
    clock.now += 10  # after the pause that follows a failure, the partner is asked again
    assert await cache.key(keys[0].kid) is not None

    never = PartnerKeys(client(partner), jwks_url=JWKS_URL, max_stale_seconds=600, clock=clock)
    partner.down = True
    with pytest.raises(KeysUnavailable):
        await never.key(keys[0].kid)


async def test_inline_keys_never_call_out(keys: list[SigningKey]) -> None:
    partner = Partner(keys)
    cache = PartnerKeys(
        client(partner), jwks_url=None, jwks={"keys": [keys[0].public_jwk()]}, max_stale_seconds=0, clock=Clock()
    )
    assert await cache.key(keys[0].kid) is not None
    assert await cache.key(keys[1].kid) is None
    assert partner.calls == []


def lists_for(partner: Partner, clock: Clock, **kw: Any) -> PartnerStatusLists:
    http = client(partner)
    return PartnerStatusLists(
        http=http,
        issuer_id=ISSUER,
        base_url=BASE,
        keys=PartnerKeys(http, jwks_url=JWKS_URL, max_stale_seconds=3600, clock=clock),
        max_stale_seconds=kw.get("max_stale_seconds", 600),
        clock=clock,
    )


async def test_status_lists_are_cached_revalidated_and_used_stale_for_a_while(keys: list[SigningKey]) -> None:
    partner, clock = Partner(keys), Clock()
    lists = lists_for(partner, clock)
    ref = StatusRef("revocation", LIST_URL, 77)
    assert await lists.bits([ref]) == [0]
    assert await lists.bits([ref, StatusRef("revocation", LIST_URL, 78)]) == [0, 0]
    assert partner.count("/v1/status-lists/1") == 1

    partner.bits = bitstring.with_bit(partner.bits, 77, 1)
    partner.version = 2
    assert await lists.bits([ref]) == [0]  # cached for its max-age: a revocation takes that long to arrive
    clock.now += 1
    run = clock.now  # a re-verification run asks each list again, once
    assert await lists.bits([ref], fresh_since=run) == [1]
    assert await lists.bits([StatusRef("revocation", LIST_URL, 78)], fresh_since=run) == [0]
    assert partner.count("/v1/status-lists/1") == 2

    clock.now += 1
    assert await lists.bits([ref], fresh_since=clock.now) == [1]  # unchanged: 304, nothing downloaded again
    assert partner.calls[-1].headers["if-none-match"] == '"1.2"'
    assert partner.count("/v1/status-lists/1") == 3

    partner.down = True
    clock.now += 400  # lifetime 300 over, within the stale allowance of 600
    assert await lists.bits([ref]) == [1]
    calls = partner.count("/v1/status-lists/1")
    assert await lists.bits([ref]) == [1]  # just failed: not asked again at once (no timeout per request)
    assert partner.count("/v1/status-lists/1") == calls
    clock.now += 600
    with pytest.raises(StatusUnavailable, match="cannot be reached"):
        await lists.bits([ref])


async def test_a_status_list_counts_only_when_it_is_the_partner_s_signed_list(
    keys: list[SigningKey], tmp_path: Path
) -> None:
    partner, clock = Partner(keys), Clock()
    with pytest.raises(BadStatusEntry, match="not under"):
        await lists_for(partner, clock).bits([StatusRef("revocation", "https://evil.test/v1/status-lists/1", 1)])
    assert partner.calls == []  # refused before any request

    with pytest.raises(BadStatusEntry, match="revocation list, not a suspension list"):
        await lists_for(partner, clock).bits([StatusRef("suspension", LIST_URL, 1)])
    with pytest.raises(BadStatusEntry, match="beyond"):
        await lists_for(partner, clock).bits([StatusRef("revocation", LIST_URL, 131_072)])

    partner.list_signer = KeyStore(tmp_path / "stranger").create()
    with pytest.raises(StatusUnavailable, match="does not publish"):
        await lists_for(partner, clock).bits([StatusRef("revocation", LIST_URL, 1)])
    partner.list_signer, partner.list_issuer = keys[0], "urn:ce:120000:certificates"
    with pytest.raises(StatusUnavailable, match="issued by urn:ce:120000"):
        await lists_for(partner, clock).bits([StatusRef("revocation", LIST_URL, 1)])
