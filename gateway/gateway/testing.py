"""Test support for the gateway (as ``cekit.testing`` is for services): stand-in upstreams, real servers.

Each upstream echoes what reached it (method, raw path, query, headers, body), serves the test
minter's JWKS when it plays the registry, its own ``/healthz``, ``/readyz`` and ``/openapi.json``, and
``/v1/compliance/slow`` sleeps for timeout tests. ``serve`` runs any ASGI app with uvicorn inside the
caller's event loop on a free loopback port, so every hop in a test is real HTTP.
"""

import asyncio
import hashlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from cekit.middleware import Receive, Scope, Send

STREAM_PARTS = 40


def stream_part(i: int) -> bytes:
    """Part ``i`` of the streamed test body (64 KiB, distinct per part so reordering would show)."""
    return bytes([65 + i % 26]) * 65536


def openapi_for(service: str) -> dict[str, Any]:
    """A small document per service: its own path, a shared identical Problem, a clashing Thing, /healthz."""
    own_path = {
        "registry": "/v1/persons/{person_id}",
        "hours": "/v1/compliance/{person_id}",
        "bases": "/v1/bases",
        "certificates": "/v1/certificates/{person_id}",
    }[service]
    ref = {"$ref": "#/components/schemas/Thing"}
    return {
        "openapi": "3.1.0",
        "info": {"title": service, "version": "1"},
        "paths": {
            own_path: {
                "get": {
                    "operationId": "read_thing",
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}},
                }
            },
            "/healthz": {"get": {"operationId": "healthz_healthz_get", "responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": {
                "Problem": {"type": "object", "properties": {"code": {"type": "string"}}},
                "Thing": {"type": "object", "title": f"{service} thing", "properties": {service: {"type": "string"}}},
            }
        },
    }


@dataclass
class Upstream:
    """One stand-in service; ``requests`` holds what reached it, ``ready`` decides its ``/readyz``."""

    name: str
    jwks: Callable[[], dict[str, Any]] | None = None
    ready: bool = True
    slow_seconds: float = 2.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    jwks_fetches: int = 0
    url: str = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        parts = []
        while True:
            message = await receive()
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(parts)
        path: str = scope["path"]
        status, answer = 200, None
        if path == "/.well-known/jwks.json" and self.jwks is not None:
            self.jwks_fetches += 1
            answer = self.jwks()
        elif path == "/healthz":
            answer = {"status": "ok", "service": self.name}
        elif path == "/readyz":
            status = 200 if self.ready else 503
            answer = {"status": "ready" if self.ready else "not_ready", "service": self.name}
        elif path == "/openapi.json":
            answer = openapi_for(self.name)
        if path == "/v1/certificates/stream":  # a long body in parts, without a Content-Length
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            for i in range(STREAM_PARTS):
                await send({"type": "http.response.body", "body": stream_part(i), "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        if answer is None:
            if path.startswith("/v1/compliance/slow"):
                await asyncio.sleep(self.slow_seconds)
            seen = {
                "service": self.name,
                "method": scope["method"],
                "path": path,
                "raw_path": scope["raw_path"].decode("latin-1"),
                "query": scope["query_string"].decode("latin-1"),
                "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
                "body_length": len(body),
                "body_sha256": hashlib.sha256(body).hexdigest(),
            }
            self.requests.append(seen)
            answer = seen
        payload = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Server:
    """``app`` served by uvicorn inside the caller's event loop on a free loopback port.

    Proxy headers are off by default: the gateway is the edge, its peer is the client.
    """

    def __init__(self, app: Any, *, http: Any = "httptools", proxy_headers: bool = False) -> None:
        self.app = app
        self.config = uvicorn.Config(
            app,
            lifespan="on",
            log_level="warning",
            access_log=False,
            http=http,
            proxy_headers=proxy_headers,
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(self.config)
        self.url = ""
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self._task = asyncio.create_task(self.server.serve(sockets=[self._socket]))
        for _ in range(500):
            if self.server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if not self.server.started:
            await self.stop()
            raise RuntimeError(f"uvicorn did not start {self.app!r}")
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task
        if self._socket is not None:
            self._socket.close()


async def stop_all(servers: list[Server]) -> None:
    """Stops servers together: each takes a uvicorn tick (0.1 s) or two to notice."""
    for server in servers:
        server.server.should_exit = True
    await asyncio.gather(*(server.stop() for server in servers))


@asynccontextmanager
async def serve(app: Any, *, http: Any = "httptools", proxy_headers: bool = False) -> AsyncIterator[str]:
    """Runs ``app`` with uvicorn in this event loop on a free port; yields its base URL."""
    server = Server(app, http=http, proxy_headers=proxy_headers)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


def upstream_headers(seen: dict[str, Any]) -> dict[str, list[str]]:
    """The headers an upstream received, by (lower-case) name."""
    result: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        result.setdefault(name, []).append(value)
    return result
