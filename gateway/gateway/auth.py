"""The gateway's early token check: cekit's verifier behind a bounded cache of verified tokens.

Verifying an EdDSA signature costs far more than the rest of the proxy path, and a client sends the same
token for minutes, so each token is verified once and then looked up by its exact string until its own
``exp``. The cache is an LRU bounded by ``max_entries``, so a flood of distinct tokens cannot grow memory.
The gateway only rejects early; every service still verifies the token itself.
"""

import time
from collections import OrderedDict

import httpx

from cekit.tokens import KeySet, Principal, TokenError, TokenVerifier, http_jwks_fetcher
from gateway.config import Settings


class KeysUnavailable(TokenError):
    """The registry's keys cannot be fetched: not the caller's fault, so not a 401."""


class TokenCache:
    def __init__(self, verifier: TokenVerifier, *, max_entries: int = 10_000) -> None:
        self.verifier = verifier
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified before and not yet expired, without verifying anything."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, expires_at = entry
        if expires_at <= time.time():
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return principal

    async def principal(self, token: str) -> Principal:
        """Who the token names; raises ``TokenError`` (or ``KeysUnavailable``) when it is refused."""
        principal = self.cached(token)
        if principal is not None:
            return principal
        try:
            principal = await self.verifier.verify(token)
        except TokenError as exc:
            if isinstance(exc.__cause__, httpx.HTTPError | ValueError):
                raise KeysUnavailable(str(exc)) from exc
            raise
        self._entries[token] = (principal, float(principal.expires_at))
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return principal

    def __len__(self) -> int:
        return len(self._entries)


def build_token_cache(settings: Settings) -> TokenCache:
    keys = KeySet(http_jwks_fetcher(settings.jwks_url), min_refetch_seconds=settings.jwks_min_refetch_seconds)
    verifier = TokenVerifier(keys, issuer=settings.token_issuer, audience=settings.token_audience)
    return TokenCache(verifier, max_entries=settings.token_cache_size)
