"""Whom a verifier trusts, and how it reaches their keys and status lists: the seam partner issuers plug into.

A ``TrustedIssuer`` answers two questions: the public key named by a ``kid``, and the bits at some status-list
positions. ``IssuerResolver`` finds the trusted issuer of a credential's ``issuer`` id (None: not trusted). Ours
(``OwnIssuer``) answers from the keys on disk and the status lists in our database, with no HTTP; a partner's
will fetch its JWKS and status-list credentials (cached, bounded lifetime, stale fallback) and raise
``KeysUnavailable`` / ``StatusUnavailable`` when it cannot — which the verifier reports as *indeterminate*,
never as a false "invalid".
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg
from jwt import PyJWK

from cekit.db import Reader
from certificates.keys import KeyStore
from certificates.statuslists import repository as status_lists

log = logging.getLogger("certificates.verification")


class KeysUnavailable(Exception):
    """The issuer's keys cannot be fetched right now (the message says why; safe to show)."""


class StatusUnavailable(Exception):
    """The issuer's status list cannot be fetched or read right now (the message says why; safe to show)."""


class BadStatusEntry(ValueError):
    """The credential's status entry points nowhere sensible (not the issuer's list, wrong purpose, out of range)."""


@dataclass(frozen=True)
class StatusRef:
    purpose: str  # revocation | suspension
    list_url: str
    index: int


class TrustedIssuer(Protocol):
    @property
    def issuer_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def region_code(self) -> str | None: ...

    async def key(self, kid: str) -> PyJWK | None:
        """The parsed public key, None if the issuer publishes no such key; raises ``KeysUnavailable``."""
        ...

    async def status_bits(self, refs: Sequence[StatusRef]) -> list[int]:
        """The bit at each position, in order; raises ``StatusUnavailable`` or ``BadStatusEntry``."""
        ...


class IssuerResolver(Protocol):
    async def resolve(self, issuer_id: str) -> TrustedIssuer | None: ...


class ChainResolver:
    """The first resolver that knows the issuer wins: ours first, then (later) the partner registry."""

    def __init__(self, *resolvers: IssuerResolver) -> None:
        self.resolvers = list(resolvers)

    async def resolve(self, issuer_id: str) -> TrustedIssuer | None:
        for resolver in self.resolvers:
            found = await resolver.resolve(issuer_id)
            if found is not None:
                return found
        return None


class OwnIssuer:
    """This deployment as an issuer: keys from the key directory (parsed once), status from our database, read
    afresh on every verification (no cache: the next verification after a revocation's commit sees it)."""

    def __init__(
        self,
        *,
        issuer_id: str,
        name: str,
        region_code: str,
        keys: KeyStore,
        reader: Reader,
        base_url: str,
    ) -> None:
        self.issuer_id = issuer_id
        self.name = name
        self.region_code: str | None = region_code
        self._keys = keys
        self._reader = reader
        self._list_url = re.compile(re.escape(base_url.rstrip("/")) + r"/v1/status-lists/(\d{1,9})")

    async def resolve(self, issuer_id: str) -> "OwnIssuer | None":
        return self if issuer_id == self.issuer_id else None

    async def key(self, kid: str) -> PyJWK | None:
        key = self._keys.get(kid)
        return key.verifier if key is not None else None

    async def status_bits(self, refs: Sequence[StatusRef]) -> list[int]:
        positions = []
        for ref in refs:
            match = self._list_url.fullmatch(ref.list_url)
            if match is None:
                raise BadStatusEntry(f"the {ref.purpose} status list {ref.list_url} is not one of this issuer's lists")
            positions.append((int(match.group(1)), ref.index))
        try:
            found = await status_lists.read_bits(self._reader, positions)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            log.warning("status lists unreadable: %s", exc)
            raise StatusUnavailable("our status lists cannot be read right now") from exc
        bits = []
        for ref, position in zip(refs, positions, strict=True):
            answer = found.get(position)
            if answer is None:
                raise BadStatusEntry(f"there is no status list {ref.list_url}")
            purpose, size, bit = answer
            if purpose != ref.purpose:
                raise BadStatusEntry(f"the status list {ref.list_url} is a {purpose} list, not a {ref.purpose} list")
            if bit is None:
                raise BadStatusEntry(f"the status index {ref.index} lies beyond the list of {size} entries")
            bits.append(int(bit))
        return bits
