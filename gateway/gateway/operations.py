"""The gateway's own routes (off the proxy path, so FastAPI's comfort costs nothing there).

``/healthz`` (alive), ``/readyz`` (every service ready), ``/services/{name}/healthz|readyz`` (one
service's own answer, through the gateway), ``/metrics``, the merged ``/openapi.json`` and ``/docs``.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from cekit.metrics import metrics_endpoint
from cekit.problems import DomainError, NotFound, ServiceUnavailable, install_problem_handlers, problem_responses
from gateway.openapi import MergedOpenApi
from gateway.routes import SERVICES

# The shared session does not decompress: ask for plain bodies where the gateway reads or re-serves them.
PLAIN = {"Accept-Encoding": "identity"}
OWN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect"})
OWN_PREFIX = "/services/"


@dataclass
class Upstreams:
    """What the operations routes need from the running gateway (set in its lifespan)."""

    session: aiohttp.ClientSession
    urls: dict[str, str]
    timeout: aiohttp.ClientTimeout
    openapi: MergedOpenApi


class ServiceCheck(BaseModel):
    status: Literal["ok", "down"]
    http_status: int | None = None
    ms: float | None = None
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    services: dict[str, ServiceCheck]


class UpstreamTimeout(DomainError):
    status, code, title = 504, "upstream_timeout", "Gateway timeout"


router = APIRouter(tags=["gateway"])


def _upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams | None = getattr(request.app.state, "upstreams", None)
    if upstreams is None:
        raise ServiceUnavailable("The gateway is still starting.", code="starting")
    return upstreams


@router.get("/healthz", summary="Liveness: the gateway process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _check(upstreams: Upstreams, name: str) -> ServiceCheck:
    started = time.perf_counter()
    try:
        async with upstreams.session.get(upstreams.urls[name] + "/readyz", timeout=upstreams.timeout) as resp:
            await resp.read()
            ms = round((time.perf_counter() - started) * 1000, 1)
            return ServiceCheck(status="ok" if resp.status == 200 else "down", http_status=resp.status, ms=ms)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return ServiceCheck(status="down", error=type(exc).__name__)


@router.get(
    "/readyz",
    summary="Readiness: every service answers its own /readyz with 200",
    responses={503: {"model": Readiness, "description": "At least one service is not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    upstreams = _upstreams(request)
    checks = await asyncio.gather(*(_check(upstreams, name) for name in SERVICES))
    ready = all(check.status == "ok" for check in checks)
    body = Readiness(status="ready" if ready else "not_ready", services=dict(zip(SERVICES, checks, strict=True)))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=200 if ready else 503)


@router.get(
    "/services/{name}/{probe}",
    summary="One service's own /healthz or /readyz, answered through the gateway",
    responses=problem_responses(404, 503, 504),
)
async def service_probe(name: str, probe: Literal["healthz", "readyz"], request: Request) -> Response:
    upstreams = _upstreams(request)
    if name not in upstreams.urls:
        raise NotFound(f"No service is called {name!r}; known: {', '.join(SERVICES)}.", code="unknown_service")
    try:
        url = f"{upstreams.urls[name]}/{probe}"
        async with upstreams.session.get(url, timeout=upstreams.timeout, headers=PLAIN) as resp:
            body = await resp.read()
            media_type = resp.headers.get("Content-Type", "application/json")
            return Response(body, status_code=resp.status, media_type=media_type)
    except TimeoutError as exc:
        raise UpstreamTimeout(f"The {name} service did not answer its {probe} in time.", service=name) from exc
    except aiohttp.ClientError as exc:
        raise ServiceUnavailable(
            f"The {name} service is not reachable.", code="upstream_unavailable", service=name
        ) from exc


async def merged_openapi(request: Request) -> Response:
    return Response(await _upstreams(request).openapi.document_bytes(), media_type="application/json")


async def docs(_: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Continuing-education platform API",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


async def docs_redirect(_: Request) -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


def build_operations_app() -> FastAPI:
    app = FastAPI(
        title="API gateway",
        version="0.1.0",
        description="The gateway's own operational routes.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.include_router(router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.add_route("/openapi.json", merged_openapi, include_in_schema=False)
    app.add_route("/docs", docs, include_in_schema=False)
    app.add_route("/docs/oauth2-redirect", docs_redirect, include_in_schema=False)
    return app


def own_openapi(app: FastAPI) -> dict[str, Any]:
    """The operations routes' own document, merged into the platform's (openapi_url=None hides it alone)."""
    from fastapi.openapi.utils import get_openapi

    return get_openapi(title=app.title, version=app.version, routes=app.routes)
