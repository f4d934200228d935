"""Request id, access log and request metrics as one pure ASGI middleware (cheaper than BaseHTTPMiddleware)."""

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cekit.context import request_id_var
from cekit.metrics import observe_request
from cekit.problems import PROBLEM_JSON, problem_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("cekit.access")
error_log = logging.getLogger("cekit.errors")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """Accept the caller's X-Request-ID when it is sane, else make one (a client can't inject log lines)."""
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _VALID_ID.match(text):
                return text
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, quiet_paths: tuple[str, ...] = ("/healthz", "/readyz", "/metrics")) -> None:
        self.app = app
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"])
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        header_value = request_id.encode()

        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", header_value)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Rendered here, inside the request context, so the 500 still carries the request id to quote.
            if response_started:
                raise
            error_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            body = json.dumps(
                problem_body(500, "An unexpected error occurred. Quote the request id when reporting it.")
            ).encode()
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())],
                }
            )
            await send_with_id({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            observe_request(scope["method"], template, status, elapsed)
            if scope["path"] not in self.quiet_paths:
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "fields": {
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                            "method": scope["method"],
                            "path": scope["path"],
                        }
                    },
                )
            request_id_var.reset(token)
