"""Per-client rate limits (in memory and shared through Redis) and the request body limit."""

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from gateway.ratelimit import MemoryRateLimiter, RedisRateLimiter
from gateway.testing import closed_port_url


async def test_a_client_over_its_limit_gets_429_with_retry_after(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(rate_limit_per_minute=60, rate_limit_burst=3)
    headers = platform.auth(platform.minter.mint("busy-user"))
    statuses = [(await platform.client.get("/v1/compliance/p-1", headers=headers)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = await platform.client.get("/v1/compliance/p-1", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["code"] == "rate_limited"
    assert len(platform.upstreams["hours"].requests) == 3
    # Another client (another subject) has its own bucket.
    other = await platform.client.get("/v1/compliance/p-1", headers=platform.auth(platform.minter.mint("calm-user")))
    assert other.status_code == 200


async def test_anonymous_callers_are_limited_by_address(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(rate_limit_per_minute=60, rate_limit_burst=2)
    statuses = [(await platform.client.get("/v1/bases")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_refused_tokens_count_against_the_address(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(rate_limit_per_minute=60, rate_limit_burst=2)
    bad = {"Authorization": "Bearer not-a-jwt"}
    statuses = [(await platform.client.get("/v1/compliance/p-1", headers=bad)).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_memory_bucket_refills_at_the_configured_rate() -> None:
    limiter = MemoryRateLimiter(per_minute=60, burst=2)  # one token per second
    assert limiter.take("k", 0.0) == 0.0
    assert limiter.take("k", 0.0) == 0.0
    assert limiter.take("k", 0.0) == pytest.approx(1.0)
    assert limiter.take("k", 0.5) == pytest.approx(0.5)
    assert limiter.take("k", 1.0) == 0.0  # refilled by one token
    assert limiter.take("other", 1.0) == 0.0


def test_memory_limiter_forgets_full_buckets_when_it_must() -> None:
    limiter = MemoryRateLimiter(per_minute=60, burst=1, max_keys=10)
    for i in range(10):
        limiter.take(f"k{i}", 0.0)
    limiter.take("new", 100.0)  # all earlier buckets have long refilled: they carry no information
    assert len(limiter._buckets) == 1


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL to test limits shared via Redis")
async def test_two_gateways_share_limits_through_redis(start_platform) -> None:  # type: ignore[no-untyped-def]
    redis_url = os.environ["TEST_REDIS_URL"]
    first = await start_platform(redis_url=redis_url, rate_limit_per_minute=60, rate_limit_burst=3)
    # A second replica of the same deployment: same upstreams, same keys, same Redis.
    second = await start_platform(share_with=first, redis_url=redis_url, rate_limit_per_minute=60, rate_limit_burst=3)
    headers = first.auth(first.minter.mint(f"user-{uuid.uuid4().hex}"))
    statuses = []
    for i in range(4):
        client = first.client if i % 2 == 0 else second.client
        statuses.append((await client.get("/v1/compliance/p-1", headers=headers)).status_code)
    assert statuses == [200, 200, 200, 429]


async def test_unreachable_redis_fails_open(start_platform, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    redis_url = closed_port_url().replace("http://", "redis://")
    platform = await start_platform(redis_url=redis_url, rate_limit_per_minute=60, rate_limit_burst=1)
    statuses = [
        (await platform.client.get("/v1/compliance/p-1", headers=platform.auth())).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    # The gateway's own log handler (set up by create_app) writes to stderr; warned once, not per request.
    assert capsys.readouterr().err.count("Redis is unreachable") == 1


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL to test the Redis token bucket")
async def test_redis_bucket_allows_the_burst_then_refuses() -> None:
    limiter = RedisRateLimiter(os.environ["TEST_REDIS_URL"], per_minute=60, burst=2)
    key = uuid.uuid4().hex
    try:
        waits = [await limiter.acquire(key) for _ in range(3)]
    finally:
        await limiter.close()
    assert waits[:2] == [0.0, 0.0]
    assert 0.5 < waits[2] <= 1.0


async def test_a_body_over_the_declared_limit_is_413(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(max_body_bytes=1024)
    response = await platform.client.post("/v1/learning-records", content=b"x" * 2000, headers=platform.auth())
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert not platform.upstreams["hours"].requests
    fits = await platform.client.post("/v1/learning-records", content=b"x" * 1024, headers=platform.auth())
    assert fits.status_code == 200
    assert fits.json()["body_length"] == 1024


async def _chunks(size: int, count: int) -> AsyncIterator[bytes]:
    for i in range(count):
        yield bytes([65 + i % 26]) * size


async def test_a_chunked_body_is_counted_while_it_streams(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(max_body_bytes=1024)
    response = await platform.client.post("/v1/learning-records", content=_chunks(400, 3), headers=platform.auth())
    assert response.status_code == 413
    assert not platform.upstreams["hours"].requests
    fits = await platform.client.post("/v1/learning-records", content=_chunks(400, 2), headers=platform.auth())
    assert fits.status_code == 200
    assert fits.json()["body_length"] == 800


async def test_large_bodies_stream_through_intact_and_overflow_mid_stream_is_413(start_platform) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    platform = await start_platform(max_body_bytes=3 * 1024 * 1024)
    body = b"".join([chunk async for chunk in _chunks(64 * 1024, 40)])  # 2.5 MiB: past the 1 MiB buffer
    response = await platform.client.post(
        "/v1/learning-records", content=_chunks(64 * 1024, 40), headers=platform.auth()
    )
    assert response.status_code == 200
    assert response.json()["body_length"] == len(body)
    assert response.json()["body_sha256"] == hashlib.sha256(body).hexdigest()
    known_length = await platform.client.post("/v1/learning-records", content=body, headers=platform.auth())
    assert known_length.json()["body_sha256"] == hashlib.sha256(body).hexdigest()
    too_long = await platform.client.post(
        "/v1/learning-records", content=_chunks(64 * 1024, 60), headers=platform.auth()
    )
    assert too_long.status_code == 413
    assert too_long.json()["code"] == "payload_too_large"


async def test_a_bad_content_length_is_400_not_500(platform) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    host, port = platform.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"POST /v1/bases HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n")
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    # httptools refuses it before the gateway sees it (400); it must never be a 500.
    assert status_line.split()[1] in (b"400", b"413")


async def test_a_declared_oversize_body_is_refused_before_it_is_sent(start_platform) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    platform = await start_platform(max_body_bytes=1024)
    host, port = platform.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    token = platform.minter.mint()
    # Announce a gigabyte and send none of it: the answer must come from the header alone.
    writer.write(
        f"POST /v1/learning-records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Content-Length: 1000000000\r\n\r\n".encode()
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    assert status_line.split()[1] == b"413"
