"""Problem+json answers written straight to ASGI ``send`` (the proxy path has no framework to render them)."""

import json
from collections.abc import Sequence
from typing import Any

from cekit.middleware import Send
from cekit.problems import PROBLEM_JSON, problem_body

_CONTENT_TYPE = (b"content-type", PROBLEM_JSON.encode())


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    *,
    request_id: str,
    code: str | None = None,
    instance: str | None = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
    **extensions: Any,
) -> int:
    """Sends the problem and returns its status (the proxy counts what it answered)."""
    body = json.dumps(
        problem_body(status, detail, code=code, instance=instance, request_id=request_id, **extensions),
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                _CONTENT_TYPE,
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status
