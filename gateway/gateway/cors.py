"""CORS for browser front ends on the configured origins, answered by the gateway for every path.

Preflights never reach a service. Tokens travel in the Authorization header, not cookies, so
credentials are not allowed and an allowed origin is echoed (never ``*`` with credentials).
A request without an ``Origin`` header passes untouched after one scan of the headers.
"""

import json
from collections.abc import Iterable

from cekit.middleware import ASGIApp, Message, Receive, Scope, Send, incoming_request_id
from cekit.problems import PROBLEM_JSON, problem_body

ALLOWED_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
DEFAULT_ALLOWED_HEADERS = b"Authorization, Content-Type, Idempotency-Key, X-Request-ID, Accept, Accept-Language"
EXPOSED_HEADERS = b"X-Request-ID, Retry-After, WWW-Authenticate, Location, Link"
MAX_AGE = b"600"


class CorsPolicy:
    def __init__(self, origins: Iterable[str]) -> None:
        cleaned = [o.strip().rstrip("/") for o in origins if o.strip()]
        self.any_origin = "*" in cleaned
        self.origins = frozenset(o.encode("latin-1").lower() for o in cleaned if o != "*")

    def allows(self, origin: bytes) -> bool:
        return self.any_origin or origin.lower() in self.origins


class CorsMiddleware:
    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin: bytes | None = None
        preflight_method: bytes | None = None
        requested_headers: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                preflight_method = value
            elif name == b"access-control-request-headers":
                requested_headers = value
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self.policy.allows(origin)
        if scope["method"] == "OPTIONS" and preflight_method is not None:
            await self._preflight(scope, send, origin, allowed, requested_headers)
            return
        if not allowed:  # no CORS headers: the browser withholds the answer from the page
            await self.app(scope, receive, send)
            return
        cors_headers = [
            (b"access-control-allow-origin", origin),
            (b"access-control-expose-headers", EXPOSED_HEADERS),
            (b"vary", b"Origin"),
        ]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *cors_headers]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(
        self, scope: Scope, send: Send, origin: bytes, allowed: bool, requested_headers: bytes | None
    ) -> None:
        request_id = incoming_request_id(scope["headers"]).encode()
        if not allowed:
            body = json.dumps(
                problem_body(
                    403,
                    f"Cross-origin requests from {origin.decode('latin-1')} are not allowed.",
                    code="cors_origin_refused",
                    request_id=request_id.decode(),
                )
            ).encode()
            headers = [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id),
                (b"vary", b"Origin"),
            ]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        headers = [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", requested_headers or DEFAULT_ALLOWED_HEADERS),
            (b"access-control-max-age", MAX_AGE),
            (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
            (b"x-request-id", request_id),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
