"""Outgoing HTTP for ordinary service-to-service calls: pooled httpx client that passes the request id on."""

import httpx

from cekit.context import REQUEST_ID_HEADER, request_id_var


async def _propagate_request_id(request: httpx.Request) -> None:
    request_id = request_id_var.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def build_http_client(timeout_seconds: float = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds, connect=min(1.0, timeout_seconds)),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        event_hooks={"request": [_propagate_request_id]},
    )
