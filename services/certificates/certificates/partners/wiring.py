"""What mutual recognition adds to the app at start-up: the HTTP client that reaches partner provinces, the
partner directory (trusted issuers for the verifier), and the re-verification job with its background run."""

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request

from certificates.config import Settings
from certificates.partners.directory import CacheLimits, PartnerDirectory
from certificates.recognitions.reverify import Reverifier, run_periodically

USER_AGENT = "ce-certificates (Jing-Jin-Ji mutual recognition)"


@dataclass
class Partnering:
    http: httpx.AsyncClient
    directory: PartnerDirectory
    reverifier: Reverifier | None = None
    background: "asyncio.Task[None] | None" = None


def start(app: FastAPI, settings: Settings, transport: httpx.AsyncBaseTransport | None) -> Partnering:
    """Before the verifier is built: the directory is one of its resolvers. ``transport`` routes the calls to
    partners elsewhere (tests serve a partner app through it)."""
    # Its own client: a partner's slow answers must not hold connections our own peers need, no redirects (a list
    # must be where the credential says), and no request ids of ours sent to another province.
    http = httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.partner_http_timeout_seconds),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )
    directory = PartnerDirectory(
        app.state.engine,
        http,
        CacheLimits(
            keys_max_stale_seconds=settings.partner_keys_max_stale_seconds,
            status_max_stale_seconds=settings.partner_status_max_stale_seconds,
        ),
    )
    app.state.partnering = Partnering(http=http, directory=directory)
    return app.state.partnering  # type: ignore[no-any-return]


def run(app: FastAPI, settings: Settings) -> None:
    """Once ``app.state.services`` exists: the re-verification job, and its background run unless turned off."""
    partnering: Partnering = app.state.partnering
    partnering.reverifier = Reverifier(
        engine=app.state.engine,
        sessionmaker=app.state.sessionmaker,
        directory=partnering.directory,
        hours=app.state.services.hours,
    )
    if settings.reverify_every_seconds > 0:
        partnering.background = asyncio.create_task(
            run_periodically(partnering.reverifier, settings.reverify_every_seconds), name="certificates-reverify"
        )


async def stop(app: FastAPI) -> None:
    partnering: Partnering | None = getattr(app.state, "partnering", None)
    if partnering is None:
        return
    if partnering.background is not None:
        partnering.background.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await partnering.background
    await partnering.http.aclose()


def get_partnering(request: Request) -> Partnering:
    partnering: Partnering = request.app.state.partnering
    return partnering


def get_reverifier(request: Request) -> Reverifier:
    reverifier = get_partnering(request).reverifier
    assert reverifier is not None  # set at start-up
    return reverifier


PartneringDep = Annotated[Partnering, Depends(get_partnering)]
ReverifierDep = Annotated[Reverifier, Depends(get_reverifier)]
