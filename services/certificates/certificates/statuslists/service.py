"""Use cases of the status lists: a random free index for a new statement, a bit flip, the signed list.

Indexes are drawn at random (W3C Bitstring Status List v1.0 §6.2, herd privacy: the position says nothing about
when a statement was issued or whose it is) and never reused. A list takes new entries until three quarters of
it are given out — random draws stay cheap and every list keeps a quarter of never-used positions — and then the
next list is opened.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from certificates import jose, vc
from certificates.errors import StatusListNotFound
from certificates.keys import SigningKey
from certificates.statuslists import bitstring
from certificates.statuslists import repository as lists

DRAWS_PER_ROUND = 8
MAX_ROUNDS = 64


def list_url(base_url: str, list_id: int) -> str:
    return f"{base_url}/v1/status-lists/{list_id}"


async def allocate(session: AsyncSession, purpose: str, size: int) -> tuple[int, int]:
    """(list id, index) of a fresh position for ``purpose``; the list row stays locked until the commit."""
    row = await lists.lock_open_list(session, purpose)
    if row is None:
        list_id, list_size = await lists.create_list(session, purpose, size), size
    else:
        list_id, list_size = int(row.id), int(row.size)
    for _ in range(MAX_ROUNDS):
        candidates = {secrets.randbelow(list_size) for _ in range(DRAWS_PER_ROUND)}
        free = sorted(candidates - await lists.used_indexes(session, purpose, list_id, candidates))
        if free:
            index = free[secrets.randbelow(len(free))]
            await lists.count_allocation(session, list_id)
            return list_id, index
    # At most three quarters used: 64 rounds of 8 draws all landing on used positions is (3/4)^512.
    raise RuntimeError(f"no free index found in status list {list_id}")


async def set_status(session: AsyncSession, list_id: int, index: int, value: bool) -> None:
    await lists.set_bit(session, list_id, index, 1 if value else 0)


@dataclass(frozen=True)
class ServedList:
    list_id: int
    version: int
    kid: str
    credential: str

    @property
    def etag(self) -> str:
        return etag(self.list_id, self.version, self.kid)


def etag(list_id: int, version: int, kid: str) -> str:
    # The key is part of it: after a rotation the same bits are signed again, by the new key.
    return f'"{list_id}.{version}.{kid}"'


class StatusListCache:
    """The last signed credential of each list, rebuilt only when the list's version or the signing key changed:
    a verifier polling the list costs one small query, not a GZIP and a signature."""

    def __init__(self) -> None:
        self._served: dict[int, ServedList] = {}

    def get(self, list_id: int, version: int, kid: str) -> ServedList | None:
        served = self._served.get(list_id)
        if served is not None and served.version == version and served.kid == kid:
            return served
        return None

    def put(self, served: ServedList) -> None:
        current = self._served.get(served.list_id)
        if current is None or current.version <= served.version:
            self._served[served.list_id] = served


async def current_version(session: AsyncSession, list_id: int) -> int:
    row = await lists.head(session, list_id)
    if row is None:
        raise StatusListNotFound(f"No status list {list_id}.")
    return int(row.version)


async def signed_list(
    session: AsyncSession,
    cache: StatusListCache,
    key: SigningKey,
    list_id: int,
    version: int,
    *,
    issuer: str,
    base_url: str,
    ttl_seconds: int,
) -> ServedList:
    """The list signed by ``key``: from the cache when ``version`` (just read) is the one cached."""
    served = cache.get(list_id, version, key.kid)
    if served is not None:
        return served
    row = await lists.whole(session, list_id)
    if row is None:
        raise StatusListNotFound(f"No status list {list_id}.")
    updated_at: datetime = row.updated_at
    document = vc.status_list_credential(
        issuer=issuer,
        list_url=list_url(base_url, list_id),
        purpose=row.purpose,
        encoded_list=bitstring.encode(bytes(row.bits)),
        valid_from=updated_at,
        ttl_seconds=ttl_seconds,
    )
    served = ServedList(list_id, int(row.version), key.kid, jose.sign(document, key, typ=jose.VC_TYP))
    cache.put(served)
    return served
