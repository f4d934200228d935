"""Service-to-service calls carry the request id they were made under."""

import httpx

from cekit.context import request_id_var
from cekit.http import build_http_client


async def test_outgoing_calls_carry_the_current_request_id() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-request-id"))
        return httpx.Response(200)

    client = build_http_client()
    client._transport = httpx.MockTransport(handler)  # the peer is not what is under test here
    token = request_id_var.set("rid-42")
    try:
        await client.get("http://registry/healthz")
    finally:
        request_id_var.reset(token)
    await client.get("http://registry/healthz")
    await client.aclose()
    assert seen == ["rid-42", None]
