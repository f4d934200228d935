"""The gateway's ASGI app: ``uvicorn --factory gateway.app:create_app``.

Every HTTP request goes either to the gateway's own operations app (FastAPI: health, readiness,
metrics, merged docs) or, for everything else, straight to the raw ASGI proxy. The lifespan builds
the one pooled aiohttp session, the token cache and the rate limiter that the proxy shares.
"""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from cekit.logging import configure_logging
from cekit.middleware import Receive as ASGIReceive
from cekit.middleware import RequestContextMiddleware, Scope, Send, incoming_request_id
from gateway.accesslog import build_access_log
from gateway.auth import build_token_cache
from gateway.config import Settings
from gateway.cors import CorsMiddleware, CorsPolicy
from gateway.openapi import MergedOpenApi
from gateway.operations import OWN_PATHS, OWN_PREFIX, Upstreams, build_operations_app, own_openapi
from gateway.problems import send_problem
from gateway.proxy import Proxy
from gateway.ratelimit import build_rate_limiter
from gateway.routes import RouteTable

log = logging.getLogger("gateway")

DESCRIPTION = (
    "The continuing-education platform's public API, merged from its services. Send the registry's "
    "access token as `Authorization: Bearer ...`; errors are `application/problem+json` (RFC 9457)."
)


def build_session(settings: Settings) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=0,  # bounded per upstream below
        limit_per_host=settings.upstream_pool_size,
        keepalive_timeout=settings.upstream_keepalive_seconds,
        ttl_dns_cache=300,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=settings.upstream_timeout_seconds, sock_connect=settings.connect_timeout_seconds
        ),
        # Bodies pass through as the service encoded them; the client asked for that encoding itself.
        auto_decompress=False,
        # A proxy must never keep one caller's cookies and send them with another's request.
        cookie_jar=aiohttp.DummyCookieJar(),
        # No skip_auto_headers: it costs a header-dict copy per request. The proxy always sends an
        # explicit Accept-Encoding (the only default that would change the answer); aiohttp's defaults for
        # Accept (*/*) and User-Agent fill in only what the client left out and change nothing.
        trust_env=False,
    )


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.routes = RouteTable(settings.service_urls())
        self.operations = build_operations_app()
        self._operations = RequestContextMiddleware(self.operations)
        self.proxy: Proxy | None = None
        self._http = (
            CorsMiddleware(self._dispatch, CorsPolicy(settings.cors_origins))
            if settings.cors_origins
            else self._dispatch
        )

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":  # nothing behind the gateway speaks WebSocket
            await send({"type": "websocket.close", "code": 1003})

    async def _dispatch(self, scope: Scope, receive: ASGIReceive, send: Send) -> None:
        path: str = scope["path"]
        if path in OWN_PATHS or path.startswith(OWN_PREFIX):
            await self._operations(scope, receive, send)
            return
        proxy = self.proxy
        if proxy is None:
            await send_problem(
                send,
                503,
                "The gateway is not started (its lifespan has not run).",
                request_id=incoming_request_id(scope["headers"]),
                code="starting",
            )
            return
        await proxy(scope, receive, send)

    @asynccontextmanager
    async def running(self) -> AsyncIterator["Gateway"]:
        """Builds what requests share; the ASGI lifespan runs this, and so can a test in-process."""
        settings = self.settings
        session = build_session(settings)
        limiter = build_rate_limiter(settings.redis_url, settings.rate_limit_per_minute, settings.rate_limit_burst)
        access_log = build_access_log(settings.access_log, settings.log_json)
        try:
            openapi = MergedOpenApi(
                session,
                self.routes,
                own=own_openapi(self.operations),
                ttl_seconds=settings.openapi_cache_seconds,
                description=f"{DESCRIPTION} Deployment: region {settings.region_code}.",
            )
            self.operations.state.upstreams = Upstreams(
                session=session,
                urls=dict(self.routes.upstreams),
                timeout=aiohttp.ClientTimeout(total=settings.readiness_timeout_seconds),
                openapi=openapi,
            )
            self.proxy = Proxy(
                routes=self.routes,
                session=session,
                tokens=build_token_cache(settings),
                limiter=limiter,
                max_body_bytes=settings.max_body_bytes,
                access_log=access_log,
            )
            log.info(
                "gateway ready",
                extra={"fields": {"upstreams": self.routes.upstreams, "rate_limits": type(limiter).__name__}},
            )
            yield self
        finally:
            if access_log is not None:
                access_log.flush()
            self.proxy = None
            self.operations.state.upstreams = None
            await limiter.close()
            await session.close()

    async def _lifespan(self, receive: ASGIReceive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            return
        started = False
        try:
            async with self.running():
                started = True
                # What start-up built lives as long as the process: frozen out of the collector's reach, it is
                # not walked by every full collection (47-154 ms pauses of every request in flight, measured).
                gc.collect()
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
                while (await receive())["type"] != "lifespan.shutdown":
                    pass
                gc.unfreeze()
        except Exception as exc:
            if not started:
                log.exception("gateway failed to start")
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            raise
        await send({"type": "lifespan.shutdown.complete"})


def create_app(settings: Settings | None = None) -> Gateway:
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    # uvicorn builds its access line (quoting the path, formatting the client) for every request whenever
    # "uvicorn.access" has a handler up the tree, even at a level that then drops it. The proxy writes its
    # own access lines, so uvicorn's logger is cut off from the root handler.
    logging.getLogger("uvicorn.access").propagate = False
    return Gateway(settings)
