"""Per-client token buckets: ``per_minute`` requests per minute on average, ``burst`` at once.

In memory by default (each replica counts for itself). With a Redis URL the bucket lives in Redis and
one Lua script updates it atomically, so every replica draws from the same bucket. Redis being away
must not take the platform down with it: the limiter then lets requests through (fails open), warns
once per outage and leaves Redis alone for a moment instead of paying a connect timeout per request.
"""

import logging
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("gateway.ratelimit")


class RateLimiter(Protocol):
    async def acquire(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0.0 when allowed, else seconds until one would be."""
        ...

    async def close(self) -> None: ...


class NoRateLimit:
    async def acquire(self, key: str) -> float:
        return 0.0

    async def close(self) -> None:
        return None


class MemoryRateLimiter:
    def __init__(self, per_minute: int, burst: int, *, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(max(1, burst))
        self.max_keys = max_keys
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, updated_at]

    def take(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict(now)
            self._buckets[key] = [self.burst - 1.0, now]
            return 0.0
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate

    async def acquire(self, key: str) -> float:
        return self.take(key, time.monotonic())

    def _evict(self, now: float) -> None:
        # A bucket that has refilled completely carries no information: forget it.
        refill = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b[1] < refill}
        if len(self._buckets) >= self.max_keys:  # still full (a flood of fresh keys): keep the newer half
            keep = list(self._buckets.items())[len(self._buckets) // 2 :]
            self._buckets = dict(keep)

    async def close(self) -> None:
        return None


# KEYS[1] bucket; ARGV: rate per second, burst, ttl seconds. Redis's own clock, so replicas whose clocks
# disagree still share one notion of time. Returns the wait in seconds as a string (Lua numbers would be
# truncated to integers in the reply).
_TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return tostring(wait)
"""


class RedisRateLimiter:
    def __init__(
        self,
        url: str,
        per_minute: int,
        burst: int,
        *,
        key_prefix: str = "ce:gateway:rl:",
        timeout_seconds: float = 0.25,
        backoff_seconds: float = 2.0,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.ttl = int(self.burst / self.rate) + 2
        self.key_prefix = key_prefix
        self.backoff = backoff_seconds
        # No retries: a limiter that waits on Redis slows every request; failing open is the fallback.
        self.redis = Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        self._script = self.redis.register_script(_TOKEN_BUCKET)
        self._down_until = 0.0
        self._warned = False

    async def acquire(self, key: str) -> float:
        if self._down_until and time.monotonic() < self._down_until:
            return 0.0
        try:
            reply = await self._script(keys=[self.key_prefix + key], args=[self.rate, self.burst, self.ttl])
        except (TimeoutError, RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self.backoff
            if not self._warned:
                log.warning("rate limits not enforced: Redis is unreachable (%s); letting requests through", exc)
                self._warned = True
            return 0.0
        if self._warned:
            log.warning("rate limits enforced again: Redis answers")
            self._warned = False
        self._down_until = 0.0
        return float(reply)

    async def close(self) -> None:
        await self.redis.aclose()


def build_rate_limiter(redis_url: str | None, per_minute: int, burst: int) -> RateLimiter:
    if per_minute <= 0:
        return NoRateLimit()
    if redis_url:
        return RedisRateLimiter(redis_url, per_minute, burst)
    return MemoryRateLimiter(per_minute, burst)
