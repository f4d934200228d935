"""CORS: preflights answered by the gateway for configured origins only."""

import pytest

ALLOWED = "https://portal.example.gov.cn"


@pytest.fixture
async def cors_platform(start_platform):  # type: ignore[no-untyped-def]
    return await start_platform(cors_origins=[ALLOWED, "https://admin.example.gov.cn"])


async def test_preflight_from_an_allowed_origin_is_answered_by_the_gateway(cors_platform) -> None:  # type: ignore[no-untyped-def]
    response = await cors_platform.client.options(
        "/v1/learning-records:batch",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "idempotency-key" in response.headers["access-control-allow-headers"].lower()
    assert "Origin" in response.headers["vary"]
    assert "x-request-id" in response.headers
    assert not cors_platform.upstreams["hours"].requests  # never reached the service, needed no token


async def test_preflight_from_another_origin_is_refused(cors_platform) -> None:  # type: ignore[no-untyped-def]
    response = await cors_platform.client.options(
        "/v1/learning-records", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in response.headers
    assert response.json()["code"] == "cors_origin_refused"


async def test_actual_requests_carry_cors_headers_for_allowed_origins_only(cors_platform) -> None:  # type: ignore[no-untyped-def]
    allowed = await cors_platform.client.get("/v1/compliance/p-1", headers={**cors_platform.auth(), "Origin": ALLOWED})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "X-Request-ID" in allowed.headers["access-control-expose-headers"]
    other = await cors_platform.client.get(
        "/v1/compliance/p-1", headers={**cors_platform.auth(), "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    # A browser reading an error must see it too: the gateway's own 401 carries the headers as well.
    refused = await cors_platform.client.get("/v1/compliance/p-1", headers={"Origin": ALLOWED})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ALLOWED


async def test_without_configured_origins_no_cors_headers_are_sent(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/v1/compliance/p-1", headers={**platform.auth(), "Origin": ALLOWED})
    assert "access-control-allow-origin" not in response.headers
