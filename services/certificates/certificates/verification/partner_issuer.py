"""A partner province as a trusted issuer (000 art. 22): its keys from its published JWKS, its revocations and
suspensions from its signed Bitstring Status Lists, both fetched over HTTP and cached.

Caching follows what the partner says (``Cache-Control: max-age``, ``ETag``), within bounds: keys are kept
between one minute and one hour, status lists up to an hour. When the partner cannot be reached, what was fetched
before is still used for a bounded time past its lifetime (the *stale fallback*: keys a day, status lists an hour
by default), and after that the partner's credentials are *indeterminate* (``KeysUnavailable`` /
``StatusUnavailable``), never invalid: an outage on their side must not make a genuine statement look forged.

A ``kid`` the cached JWKS does not have triggers a refetch (the partner rotated its keys), at most every
``UNKNOWN_KID_REFETCH_SECONDS``, so a stream of forged kids cannot make us hammer the partner. After a failed fetch
of keys or of a list, the next attempt waits ``RETRY_AFTER_FAILURE_SECONDS``: requests meanwhile get the stale copy
or the outage at once, rather than one timeout each.

Status lists are only fetched from under the partner's registered base URL (a credential cannot send us to fetch
arbitrary URLs), and a list counts only once its JWS verifies with the partner's keys and it names the partner as
issuer, the URL it was fetched from as id, and the purpose the credential's entry gives.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from certificates import jose, vc
from certificates.statuslists import bitstring
from certificates.verification.issuers import BadStatusEntry, KeysUnavailable, StatusRef, StatusUnavailable

log = logging.getLogger("certificates.partners")

KEYS_MIN_TTL_SECONDS = 60.0
KEYS_MAX_TTL_SECONDS = 3600.0
KEYS_DEFAULT_TTL_SECONDS = 300.0
UNKNOWN_KID_REFETCH_SECONDS = 30.0
RETRY_AFTER_FAILURE_SECONDS = 5.0
STATUS_MIN_TTL_SECONDS = 1.0  # coalesces a burst of verifications even when the partner says no-cache
STATUS_MAX_TTL_SECONDS = 3600.0
STATUS_DEFAULT_TTL_SECONDS = 300.0
MAX_JWKS_BYTES = 256 * 1024
MAX_LISTS_PER_PARTNER = 256
# Signature algorithms a partner's keys may be for: EdDSA (Ed25519) signs statements and status lists; partners
# may sign their /jjj/ access JWTs with ES256 (P-256) too.
KEY_TYPES = {("OKP", "Ed25519"): "EdDSA", ("EC", "P-256"): "ES256"}


class FetchFailed(Exception):
    """A partner resource could not be fetched or read (the message says why; safe to show)."""


def cache_lifetime(headers: httpx.Headers, *, default: float, low: float, high: float) -> float:
    """Seconds the answer may be reused: ``max-age`` (``no-store``/``no-cache`` = 0), clamped to [low, high]."""
    seconds = default
    for directive in headers.get("cache-control", "").lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-store", "no-cache"):
            seconds = 0.0
            break
        if name == "max-age":
            try:
                seconds = float(int(value.strip().strip('"')))
            except ValueError:
                continue
    return min(max(seconds, low), high)


async def fetch(
    http: httpx.AsyncClient, url: str, *, limit: int, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, bytes]:
    """GET with a bound on the body (a partner's answer is read, never trusted to be small)."""
    try:
        async with http.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return response, b""
            if response.status_code != 200:
                raise FetchFailed(f"{url} answered {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FetchFailed(f"{url} answered more than {limit} bytes")
            return response, bytes(body)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{url} cannot be reached ({type(exc).__name__})") from exc


def parse_jwks(document: object) -> dict[str, PyJWK]:
    """The usable signing keys of a JWKS by kid (parsed once: verification never parses a key again). Keys of other
    types or uses are skipped; a key carrying private parts is refused, as a partner publishing one has a problem
    we should not paper over."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise FetchFailed("the JWKS is not a JSON object with a list of keys")
    keys: dict[str, PyJWK] = {}
    for item in document["keys"]:
        if not isinstance(item, dict) or not isinstance(item.get("kid"), str) or not item["kid"]:
            continue
        algorithm = KEY_TYPES.get((str(item.get("kty")), str(item.get("crv"))))
        if algorithm is None or item.get("use", "sig") != "sig" or item.get("alg", algorithm) != algorithm:
            continue
        if "d" in item:
            log.error("a partner JWKS publishes the private part of key %s; the key is ignored", item["kid"])
            continue
        try:
            keys[item["kid"]] = PyJWK({**item, "alg": algorithm})
        except (PyJWKError, ValueError, TypeError) as exc:
            log.warning("a partner JWKS key %s cannot be read: %s", item["kid"], exc)
    return keys


def under(url: str, base_url: str) -> bool:
    """Whether ``url`` lies under ``base_url`` (same scheme, host and port; path below it; no query)."""
    try:
        target, base = urlsplit(url), urlsplit(base_url)
        target_port, base_port = target.port, base.port
    except ValueError:
        return False
    if target.scheme.lower() not in ("http", "https") or target.query or target.fragment:
        return False
    same_origin = (target.scheme.lower(), (target.hostname or "").lower(), target_port) == (
        base.scheme.lower(),
        (base.hostname or "").lower(),
        base_port,
    )
    return same_origin and target.path.startswith(base.path.rstrip("/") + "/")


# ---- keys ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _KeySet:
    keys: dict[str, PyJWK]
    fetched_at: float
    fresh_until: float


class PartnerKeys:
    """The partner's public keys, from its JWKS URL (cached) or given inline at registration (fixed)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        jwks_url: str | None,
        jwks: dict[str, Any] | None = None,
        max_stale_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (jwks_url is None) == (jwks is None):
            raise ValueError("a partner's keys come from a JWKS URL or inline, one of the two")
        self._http = http
        self.jwks_url = jwks_url
        self._max_stale = max_stale_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._attempted_at = float("-inf")
        self._failed_at = float("-inf")
        self._failure = ""
        self._cached: _KeySet | None = None
        self.fetches = 0
        if jwks is not None:
            self._cached = _KeySet(parse_jwks(jwks), float("-inf"), float("inf"))

    async def key(self, kid: str) -> PyJWK | None:
        """The parsed key named ``kid``; None if the partner (freshly asked when needed) does not publish it."""
        cached = self._cached
        if self._usable(cached, kid):
            assert cached is not None
            return cached.keys.get(kid)
        async with self._lock:  # one fetch for every request that found the keys stale or lacking this kid
            cached = self._cached
            if self._usable(cached, kid):
                assert cached is not None
                return cached.keys.get(kid)
            now = self._clock()
            if now - self._failed_at >= RETRY_AFTER_FAILURE_SECONDS:
                self._attempted_at = now
                try:
                    self._cached = cached = await self._fetch(now)
                    return cached.keys.get(kid)
                except FetchFailed as exc:
                    self._failed_at, self._failure = now, str(exc)
                    log.warning("partner keys unavailable: %s", exc)
            return self._stale(cached, kid, now)

    def _usable(self, cached: _KeySet | None, kid: str) -> bool:
        """Fresh, and either naming the kid or refetched too recently to ask again for an unknown one."""
        if cached is None:
            return False
        now = self._clock()
        if now >= cached.fresh_until:
            return False
        return kid in cached.keys or self.jwks_url is None or now - self._attempted_at < UNKNOWN_KID_REFETCH_SECONDS

    def _stale(self, cached: _KeySet | None, kid: str, now: float) -> PyJWK | None:
        if cached is not None and kid in cached.keys and now <= cached.fresh_until + self._max_stale:
            return cached.keys[kid]
        if cached is not None and now < cached.fresh_until:
            # Fresh keys without this kid, and the partner cannot be asked whether it has a new one.
            raise KeysUnavailable(f"key {kid} is not among the keys cached, and {self._failure}")
        raise KeysUnavailable(self._failure or f"{self.jwks_url} has not been fetched")

    async def _fetch(self, now: float) -> _KeySet:
        assert self.jwks_url is not None
        response, body = await fetch(self._http, self.jwks_url, limit=MAX_JWKS_BYTES)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise FetchFailed(f"{self.jwks_url} did not answer JSON") from exc
        keys = parse_jwks(document)
        self.fetches += 1
        ttl = cache_lifetime(
            response.headers, default=KEYS_DEFAULT_TTL_SECONDS, low=KEYS_MIN_TTL_SECONDS, high=KEYS_MAX_TTL_SECONDS
        )
        return _KeySet(keys, now, now + ttl)


# ---- status lists ----------------------------------------------------------------------------------------------
@dataclass
class _List:
    purpose: str
    bits: bytes
    etag: str | None
    fetched_at: float
    fresh_until: float
    valid_until: datetime | None = None


@dataclass
class PartnerStatusLists:
    """The partner's status lists by URL, fetched when first needed and revalidated (``If-None-Match``) when their
    lifetime is over; the least recently used beyond ``MAX_LISTS_PER_PARTNER`` are dropped."""

    http: httpx.AsyncClient
    issuer_id: str
    base_url: str
    keys: PartnerKeys
    max_stale_seconds: float
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _lists: "OrderedDict[str, _List]" = field(default_factory=OrderedDict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _failures: "OrderedDict[str, tuple[float, str]]" = field(default_factory=OrderedDict)
    fetches: int = 0

    async def bits(self, refs: Sequence[StatusRef], *, fresh_since: float | None = None) -> list[int]:
        """The bit at each position. ``fresh_since`` (a ``clock`` reading): use only lists fetched or revalidated
        since then, whatever their cache lifetime says — the re-verification job asks each partner list once per
        run (a conditional GET, cheap when it did not change)."""
        for ref in refs:
            if not under(ref.list_url, self.base_url):
                raise BadStatusEntry(
                    f"the {ref.purpose} status list {ref.list_url} is not under the issuer's address {self.base_url}"
                )
        lists = {url: await self._list(url, fresh_since) for url in dict.fromkeys(ref.list_url for ref in refs)}
        out = []
        for ref in refs:
            found = lists[ref.list_url]
            if found.purpose != ref.purpose:
                raise BadStatusEntry(
                    f"the status list {ref.list_url} is a {found.purpose} list, not a {ref.purpose} list"
                )
            if ref.index >= len(found.bits) * 8:
                raise BadStatusEntry(f"the status index {ref.index} lies beyond the list of {len(found.bits) * 8}")
            out.append(bitstring.get_bit(found.bits, ref.index))
        return out

    def _usable(self, cached: _List | None, fresh_since: float | None) -> bool:
        if cached is None or self._expired(cached):
            return False
        if fresh_since is not None:
            return cached.fetched_at >= fresh_since
        return self.clock() < cached.fresh_until

    async def _list(self, url: str, fresh_since: float | None) -> _List:
        cached = self._lists.get(url)
        if self._usable(cached, fresh_since):
            assert cached is not None
            self._lists.move_to_end(url)
            return cached
        async with self._locks.setdefault(url, asyncio.Lock()):
            cached = self._lists.get(url)
            if self._usable(cached, fresh_since):  # fetched by another request while we waited
                assert cached is not None
                return cached
            now = self.clock()
            failure = self._failures.get(url)
            # After a failure, wait a little before asking again (and ask once per re-verification run): requests
            # meanwhile get the stale copy or the outage at once, not one timeout each.
            recently_failed = failure is not None and (
                now - failure[0] < RETRY_AFTER_FAILURE_SECONDS
                or (fresh_since is not None and failure[0] >= fresh_since)
            )
            if not recently_failed:
                try:
                    fresh = await self._fetch(url, cached, now)
                except FetchFailed as exc:
                    failure = self._failures[url] = (now, str(exc))
                    self._failures.move_to_end(url)
                    while len(self._failures) > MAX_LISTS_PER_PARTNER:
                        self._failures.popitem(last=False)
                    log.warning("partner status list unavailable: %s", exc)
                else:
                    self._failures.pop(url, None)
                    self._lists[url] = fresh
                    self._lists.move_to_end(url)
                    while len(self._lists) > MAX_LISTS_PER_PARTNER:
                        dropped, _ = self._lists.popitem(last=False)
                        self._locks.pop(dropped, None)
                    return fresh
            assert failure is not None
            if cached is not None and not self._expired(cached) and now <= cached.fresh_until + self.max_stale_seconds:
                return cached  # the stale fallback
            raise StatusUnavailable(failure[1])

    def _expired(self, cached: _List) -> bool:
        return cached.valid_until is not None and self.wall_clock() > cached.valid_until

    async def _fetch(self, url: str, cached: _List | None, now: float) -> _List:
        headers = {"Accept": "application/vc+jwt"}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        response, body = await fetch(self.http, url, limit=jose.MAX_TOKEN_LENGTH, headers=headers)
        self.fetches += 1
        default_ttl = STATUS_DEFAULT_TTL_SECONDS
        if response.status_code == 304 and cached is not None:
            ttl = cache_lifetime(
                response.headers, default=default_ttl, low=STATUS_MIN_TTL_SECONDS, high=STATUS_MAX_TTL_SECONDS
            )
            return _List(cached.purpose, cached.bits, cached.etag, now, now + ttl, cached.valid_until)
        if response.status_code == 304:
            raise FetchFailed(f"{url} answered 304 to a request that was not conditional")
        purpose, bits, valid_until, list_ttl = await self._read(url, body.decode("ascii", errors="replace"))
        ttl = cache_lifetime(
            response.headers,
            default=list_ttl if list_ttl is not None else default_ttl,
            low=STATUS_MIN_TTL_SECONDS,
            high=STATUS_MAX_TTL_SECONDS,
        )
        return _List(purpose, bits, response.headers.get("etag"), now, now + ttl, valid_until)

    async def _read(self, url: str, token: str) -> tuple[str, bytes, datetime | None, float | None]:
        """The list's purpose, bits, end of validity and own ``ttl``, once its signature and claims check out."""
        try:
            jws = jose.parse(token.strip())
        except jose.JwsFormatError as exc:
            raise FetchFailed(f"{url} is not a signed status list: {exc}") from exc
        try:
            key = await self.keys.key(jws.kid)
        except KeysUnavailable as exc:
            raise FetchFailed(f"the keys to check {url} cannot be fetched: {exc}") from exc
        if key is None:
            raise FetchFailed(f"{url} is signed with a key ({jws.kid}) the issuer does not publish")
        if not jose.signature_valid(jws, key):
            raise FetchFailed(f"the signature of {url} does not verify")
        payload = jws.payload
        types = payload.get("type")
        subject = payload.get("credentialSubject")
        if not isinstance(types, list) or vc.STATUS_LIST_CREDENTIAL_TYPE not in types or not isinstance(subject, dict):
            raise FetchFailed(f"{url} is not a BitstringStatusListCredential")
        if vc.issuer_id_of(payload) != self.issuer_id:
            raise FetchFailed(f"{url} is issued by {vc.issuer_id_of(payload)}, not {self.issuer_id}")
        if payload.get("id") not in (None, url):
            raise FetchFailed(f"{url} carries the status list {payload.get('id')}")
        purpose = subject.get("statusPurpose")
        if purpose not in vc.PURPOSES:
            raise FetchFailed(f"{url} is a list of purpose {purpose!r}")
        try:
            bits = bitstring.decode(subject.get("encodedList"))  # type: ignore[arg-type]
        except bitstring.EncodedListError as exc:
            raise FetchFailed(f"the encodedList of {url} cannot be read: {exc}") from exc
        valid_until = vc.parse_timestamp(payload.get("validUntil"))
        if valid_until is not None and self.wall_clock() > valid_until:
            raise FetchFailed(f"the status list {url} expired on {vc.timestamp(valid_until)}")
        ttl = subject.get("ttl")
        list_ttl = ttl / 1000 if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl >= 0 else None
        return str(purpose), bits, valid_until, list_ttl


# ---- the issuer ------------------------------------------------------------------------------------------------
class PartnerIssuer:
    """A ``TrustedIssuer`` for one registered partner. ``revalidating(since)`` is the same partner (the same
    caches) whose status lists count only when fetched or revalidated since ``since``: the re-verification job's."""

    def __init__(
        self,
        *,
        issuer_id: str,
        name: str,
        region_code: str,
        keys: PartnerKeys,
        lists: PartnerStatusLists,
        fresh_since: float | None = None,
    ) -> None:
        self.issuer_id = issuer_id
        self.name = name
        self.region_code: str | None = region_code
        self.keys = keys
        self.lists = lists
        self.fresh_since = fresh_since

    async def key(self, kid: str) -> PyJWK | None:
        return await self.keys.key(kid)

    async def status_bits(self, refs: Sequence[StatusRef]) -> list[int]:
        return await self.lists.bits(refs, fresh_since=self.fresh_since)

    def revalidating(self, since: float) -> "PartnerIssuer":
        return PartnerIssuer(
            issuer_id=self.issuer_id,
            name=self.name,
            region_code=self.region_code or "",
            keys=self.keys,
            lists=self.lists,
            fresh_since=since,
        )
