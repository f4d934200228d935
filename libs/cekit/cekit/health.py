"""/healthz (the process is alive) and /readyz (its database and required peers answer)."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cekit.db import database_ready

ReadinessCheck = Callable[[Request], Awaitable[None]]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _run_check(name: str, check: Awaitable[None], limit_seconds: float) -> tuple[str, dict[str, object]]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check, limit_seconds)
        return name, {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:  # readiness reports any failure rather than raising it
        return name, {"status": "down", "error": type(exc).__name__ + (f": {exc}" if str(exc) else "")}


@router.get("/readyz", summary="Readiness: database and required peers reachable")
async def readyz(request: Request) -> JSONResponse:
    checks: list[Awaitable[tuple[str, dict[str, object]]]] = []
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        checks.append(_run_check("database", database_ready(engine), 2.0))
    client: httpx.AsyncClient | None = getattr(request.app.state, "http", None)
    peers: dict[str, str] = getattr(request.app.state, "peers", {})
    for name, base_url in peers.items():
        if client is not None:
            checks.append(_run_check(name, _peer_alive(client, base_url), 2.0))
    results = dict(await asyncio.gather(*checks))
    ok = all(r["status"] == "ok" for r in results.values())
    return JSONResponse({"status": "ready" if ok else "not_ready", "checks": results}, status_code=200 if ok else 503)


async def _peer_alive(client: httpx.AsyncClient, base_url: str) -> None:
    response = await client.get(base_url.rstrip("/") + "/healthz")
    response.raise_for_status()
