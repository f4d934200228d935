"""The app factory every service uses: the same operations surface, errors, logging and lifespan."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import Table
from starlette.routing import Route

from cekit import health
from cekit.db import Reader, build_engine, build_sessionmaker
from cekit.http import build_http_client
from cekit.idempotency import IdempotencyMiddleware, prune_periodically
from cekit.logging import configure_logging
from cekit.metrics import metrics_endpoint
from cekit.middleware import RequestContextMiddleware
from cekit.problems import PROBLEM_JSON, install_problem_handlers
from cekit.settings import ServiceSettings
from cekit.tokens import KeyFetcher, KeySet, TokenVerifier, http_jwks_fetcher

LifespanHook = Callable[[FastAPI], Awaitable[None]]


def create_service_app(
    *,
    name: str,
    title: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    version: str = "0.1.0",
    description: str = "",
    key_fetcher: KeyFetcher | None = None,
    on_startup: LifespanHook | None = None,
    on_shutdown: LifespanHook | None = None,
    idempotency_table: Table | None = None,
) -> FastAPI:
    """The service's FastAPI app. ``idempotency_table`` (from ``cekit.idempotency.idempotency_table``) turns on
    ``Idempotency-Key`` handling for every POST of the service."""
    configure_logging(name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = build_engine(settings.database_url, pool_size=settings.db_pool_size, application_name=name)
        app.state.sessionmaker = build_sessionmaker(app.state.engine)
        app.state.reader = Reader(settings.database_url, size=settings.db_read_pool_size, application_name=name)
        app.state.http = build_http_client(settings.http_timeout_seconds)
        app.state.peers = dict(settings.peers)
        app.state.idempotency_table = idempotency_table
        app.state.token_verifier = TokenVerifier(
            KeySet(key_fetcher or http_jwks_fetcher(settings.jwks_url)),
            issuer=settings.token_issuer,
            audience=settings.token_audience,
        )
        pruning: asyncio.Task[None] | None = None
        if idempotency_table is not None:
            pruning = asyncio.create_task(
                prune_periodically(
                    app.state.engine,
                    idempotency_table,
                    every=timedelta(seconds=settings.idempotency_prune_every_seconds),
                    older_than=timedelta(hours=settings.idempotency_retention_hours),
                ),
                name=f"{name}-idempotency-retention",
            )
        try:
            if on_startup is not None:
                await on_startup(app)
            # Last: what start-up built (modules, routes, schemas, pools) lives as long as the process. Frozen out
            # of the collector's reach, it is no longer walked by every full collection: that was a fifth of the
            # registry's CPU per batch lookup, and under load a 40-150 ms pause of every verification in flight
            # every second or two (the slowest 1 % of them; bench-certificates).
            gc.collect()
            gc.freeze()
            # A 500-record batch allocates hundreds of thousands of short-lived objects, and the default threshold
            # (700) ran the collector hundreds of times per batch; this one lets it run a few times (about 5 % of
            # the hours service's CPU per record, measured with bench-hours), for a few more MB held between runs.
            gc.set_threshold(100_000, 50, 100)
            yield
        finally:
            gc.unfreeze()  # this app's objects may be collected again (tests build many apps in one process)
            if pruning is not None:
                pruning.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pruning
            if on_shutdown is not None:
                await on_shutdown(app)
            await app.state.http.aclose()
            await app.state.reader.close()
            await app.state.engine.dispose()

    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan)
    install_problem_handlers(app)
    # Added first, so it runs inside the request context (request id, the 500 rendering).
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    for router in (health.router, *routers):
        _add_routes(app, router)
    app.openapi = lambda: service_openapi(app)  # type: ignore[method-assign]
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Each route straight onto the app's own router. FastAPI 0.163 keeps an included router as a subtree that it
    walks on every request (half a millisecond of a small read, measured); these routers have no prefix and no
    router-level dependency, which is all that including them would add."""
    for route in router.routes:
        if not isinstance(route, APIRoute | Route):
            raise TypeError(f"{route!r}: pass the services' leaf routers, not a router that includes others")
        app.router.routes.append(route)


def service_openapi(app: FastAPI) -> dict[str, Any]:
    """OpenAPI 3.1 with every error declared as application/problem+json, as the services answer it."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            for status, response in responses.items():
                if status.startswith(("4", "5")) and "content" in response:
                    content = response["content"]
                    body = content.pop("application/json", None)
                    if body is not None:
                        content[PROBLEM_JSON] = body
            if "422" in responses:
                responses["422"] = {
                    "description": "Validation failed",
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    from cekit.problems import Problem  # local: keeps the schema import next to its only use

    components.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
