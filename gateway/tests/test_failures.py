"""A service down, slow or broken: fast, honest problem answers; readiness and per-service probes."""

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from gateway.testing import STREAM_PARTS, stream_part


async def test_a_service_with_nothing_listening_is_503_at_once(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(down=("hours",))
    started = time.perf_counter()
    response = await platform.client.get("/v1/compliance/p-1", headers={**platform.auth(), "X-Request-ID": "r-503"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert elapsed < 0.5  # refused connections are not retried or waited on
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "r-503"
    body = response.json()
    assert body["code"] == "upstream_unavailable"
    assert body["service"] == "hours"
    assert body["request_id"] == "r-503"
    # The other services are unaffected.
    assert (await platform.client.get("/v1/persons/me", headers=platform.auth())).status_code == 200


async def test_a_service_slower_than_the_gateway_timeout_is_504(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(upstream_timeout_seconds=0.3)
    response = await platform.client.get("/v1/compliance/slow", headers=platform.auth())
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "upstream_timeout"


@pytest.fixture
async def hangs_up() -> AsyncIterator[str]:
    """A 'service' that accepts a connection and closes it without a word."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_service_that_hangs_up_is_502(start_platform, hangs_up: str) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(certificates_url=hangs_up)
    response = await platform.client.post(
        "/v1/statements", json={"person_id": "p", "year": 2026}, headers=platform.auth()
    )
    assert response.status_code == 502
    assert response.json()["code"] == "bad_gateway"


async def test_readyz_is_200_only_when_every_service_is_ready(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform()
    ready = await platform.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["services"]) == {"registry", "hours", "bases", "certificates"}
    assert all(check["status"] == "ok" for check in body["services"].values())

    platform.upstreams["bases"].ready = False
    not_ready = await platform.client.get("/readyz")
    assert not_ready.status_code == 503
    services = not_ready.json()["services"]
    assert services["bases"] == {"status": "down", "http_status": 503, "ms": services["bases"]["ms"]}
    assert services["hours"]["status"] == "ok"


async def test_readyz_names_a_service_that_is_down(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(down=("certificates",))
    response = await platform.client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["services"]["certificates"]["status"] == "down"
    assert "error" in body["services"]["certificates"]
    assert body["services"]["registry"]["status"] == "ok"


async def test_each_service_health_is_reachable_through_the_gateway(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(down=("bases",))
    health = await platform.client.get("/services/hours/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "hours"}
    platform.upstreams["registry"].ready = False
    registry_ready = await platform.client.get("/services/registry/readyz")
    assert registry_ready.status_code == 503  # the service's own answer, passed on
    assert registry_ready.json()["service"] == "registry"
    down = await platform.client.get("/services/bases/healthz")
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    unknown = await platform.client.get("/services/payroll/healthz")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_service"
    other_probe = await platform.client.get("/services/hours/metrics")
    assert other_probe.status_code in (404, 422)
    assert other_probe.headers["content-type"] == "application/problem+json"


async def test_gateway_health_and_metrics(platform) -> None:  # type: ignore[no-untyped-def]
    assert (await platform.client.get("/healthz")).json() == {"status": "ok"}
    before = _proxied_count(await platform.client.get("/metrics"))
    await platform.client.get("/v1/compliance/p-1", headers=platform.auth())
    await platform.client.get("/v1/compliance/p-1")  # 401: counted too, under its own status
    metrics = await platform.client.get("/metrics")
    assert metrics.status_code == 200
    assert _proxied_count(metrics) == before + 1
    assert 'gateway_proxy_requests_total{method="GET",route="/v1/compliance",service="hours",status="401"}' in (
        metrics.text
    )
    assert 'gateway_proxy_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/compliance"' in (
        metrics.text
    )
    assert "http_requests_total" in metrics.text  # cekit's, for the gateway's own routes


def _proxied_count(response) -> float:  # type: ignore[no-untyped-def]
    prefix = 'gateway_proxy_requests_total{method="GET",route="/v1/compliance",service="hours",status="200"} '
    for line in response.text.splitlines():
        if line.startswith(prefix):
            return float(line.removeprefix(prefix))
    return 0.0


async def test_gateway_lifespan_is_what_makes_it_serve() -> None:
    # Used in-process without a lifespan the proxy refuses cleanly instead of failing with a 500.
    import httpx

    from gateway.app import create_app
    from gateway.config import Settings

    gateway = create_app(Settings(log_json=False))
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        response = await client.get("/v1/bases")
        assert response.status_code == 503
        assert response.json()["code"] == "starting"
        async with gateway.running():
            assert (await client.get("/healthz")).status_code == 200


async def test_long_responses_stream_through_whole_and_in_order(platform) -> None:  # type: ignore[no-untyped-def]
    # Past the 1 MiB buffer, so the proxy streams it, and the coalescing transport must keep every part.
    response = await platform.client.get("/v1/certificates/stream", headers=platform.auth())
    assert response.status_code == 200
    assert response.content == b"".join(stream_part(i) for i in range(STREAM_PARTS))


async def test_a_down_service_is_warned_about_once_not_per_request(start_platform, capsys) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(down=("hours",))
    for _ in range(5):
        response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth())
        assert response.status_code == 503
    warnings = [line for line in capsys.readouterr().err.splitlines() if "upstream_unavailable" in line]
    assert len(warnings) == 1
