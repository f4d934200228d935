"""The partner directory: the registered partners as the verifier's trusted issuers (``IssuerResolver``).

The partner table is tiny (the other Jing-Jin-Ji provinces), so the directory keeps a snapshot of all of it and
reads it again every ``REFRESH_SECONDS`` — and at once after a change made through this process — rather than
querying per verification. A partner revoked through another replica is therefore refused here within
``REFRESH_SECONDS``. Each active partner's ``PartnerIssuer`` (its key and status-list caches) lives as long as the
partner's entry is unchanged.

If the table cannot be read, the last snapshot is kept; with none at all, ``PartnersUnavailable`` (503): an
unreadable registry must not turn a partner's credential into an "untrusted issuer".
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from certificates.partners import repository as partners
from certificates.partners.errors import PartnersUnavailable
from certificates.verification.partner_issuer import PartnerIssuer, PartnerKeys, PartnerStatusLists

log = logging.getLogger("certificates.partners")

REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class PartnerEntry:
    id: uuid.UUID
    region_code: str
    name: str
    issuer: str
    jwks_url: str | None
    jwks: dict[str, Any] | None
    base_url: str
    status: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class CacheLimits:
    keys_max_stale_seconds: float
    status_max_stale_seconds: float


class PartnerDirectory:
    def __init__(
        self,
        engine: AsyncEngine,
        http: httpx.AsyncClient,
        limits: CacheLimits,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._http = http
        self._limits = limits
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._loaded_at = float("-inf")
        self._by_issuer: dict[str, PartnerEntry] | None = None
        self._issuers: dict[uuid.UUID, tuple[PartnerEntry, PartnerIssuer]] = {}

    # ---- IssuerResolver ----------------------------------------------------------------------------------------
    async def resolve(self, issuer_id: str) -> PartnerIssuer | None:
        """The active partner that issues as ``issuer_id``; None when there is none (or it was revoked)."""
        entry = await self.entry(issuer_id)
        if entry is None or not entry.active:
            return None
        known = self._issuers.get(entry.id)
        if known is not None and known[0] == entry:
            return known[1]
        issuer = self._issuer(entry)
        self._issuers[entry.id] = (entry, issuer)
        return issuer

    def revalidating(self) -> "RevalidatingDirectory":
        """The same partners, whose status lists are asked again once from now on (a re-verification run)."""
        return RevalidatingDirectory(self, since=time.monotonic())

    # ---- the snapshot ------------------------------------------------------------------------------------------
    async def entry(self, issuer_id: str) -> PartnerEntry | None:
        """The partner entry of an issuer: the active one, else the latest revoked one (to say it was revoked)."""
        by_issuer = await self._snapshot()
        return by_issuer.get(issuer_id)

    def invalidate(self) -> None:
        """Read the table again on the next use (after a registration or a revocation here)."""
        self._loaded_at = float("-inf")

    async def _snapshot(self) -> dict[str, PartnerEntry]:
        if self._by_issuer is not None and self._clock() - self._loaded_at < self._refresh:
            return self._by_issuer
        async with self._lock:
            if self._by_issuer is not None and self._clock() - self._loaded_at < self._refresh:
                return self._by_issuer
            try:
                async with self._engine.connect() as connection:
                    rows = await partners.everything(connection)
            except (SQLAlchemyError, OSError) as exc:
                if self._by_issuer is not None:
                    log.warning("partner registry unreadable, keeping the last snapshot: %s", exc)
                    return self._by_issuer
                raise PartnersUnavailable("The partner registry cannot be read right now.") from exc
            by_issuer: dict[str, PartnerEntry] = {}
            for row in rows:  # oldest first: a later entry (and an active one above all) wins
                entry = PartnerEntry(
                    id=row.id,
                    region_code=row.region_code,
                    name=row.name,
                    issuer=row.issuer,
                    jwks_url=row.jwks_url,
                    jwks=row.jwks,
                    base_url=row.base_url,
                    status=row.status,
                    revoked_at=row.revoked_at,
                )
                current = by_issuer.get(entry.issuer)
                if current is None or not current.active:
                    by_issuer[entry.issuer] = entry
            active = {e.id for e in by_issuer.values() if e.active}
            self._issuers = {key: value for key, value in self._issuers.items() if key in active}
            self._by_issuer = by_issuer
            self._loaded_at = self._clock()
            return by_issuer

    def _issuer(self, entry: PartnerEntry) -> PartnerIssuer:
        keys = PartnerKeys(
            self._http,
            jwks_url=entry.jwks_url,
            jwks=entry.jwks if entry.jwks_url is None else None,
            max_stale_seconds=self._limits.keys_max_stale_seconds,
        )
        lists = PartnerStatusLists(
            http=self._http,
            issuer_id=entry.issuer,
            base_url=entry.base_url,
            keys=keys,
            max_stale_seconds=self._limits.status_max_stale_seconds,
        )
        return PartnerIssuer(
            issuer_id=entry.issuer, name=entry.name, region_code=entry.region_code, keys=keys, lists=lists
        )


class RevalidatingDirectory:
    def __init__(self, directory: PartnerDirectory, *, since: float) -> None:
        self.directory = directory
        self.since = since

    async def resolve(self, issuer_id: str) -> PartnerIssuer | None:
        issuer = await self.directory.resolve(issuer_id)
        return issuer.revalidating(self.since) if issuer is not None else None
