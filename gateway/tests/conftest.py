"""Fixtures: four stand-in upstreams and the gateway in front of them, all real uvicorn servers."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cekit.testing import TokenMinter
from gateway.app import create_app
from gateway.config import Settings
from gateway.routes import SERVICES
from gateway.server import HttpProtocol
from gateway.testing import Server, Upstream, closed_port_url, stop_all


@dataclass
class Platform:
    url: str
    client: httpx.AsyncClient
    upstreams: dict[str, Upstream]
    minter: TokenMinter
    settings: Settings

    def auth(self, token: str | None = None, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.minter.mint(**claims)}"}


StartPlatform = Callable[..., Awaitable[Platform]]


@pytest.fixture
async def start_platform() -> AsyncIterator[StartPlatform]:
    """Starts the four upstreams (``down``: these get a closed port instead) and a gateway in front."""
    servers: list[Server] = []
    async with AsyncExitStack() as stack:

        async def start(
            *,
            down: tuple[str, ...] = (),
            jwks: Callable[[], dict[str, Any]] | None = None,
            share_with: Platform | None = None,
            **overrides: Any,
        ) -> Platform:
            """``share_with``: another gateway replica in front of that platform's upstreams."""
            if share_with is not None:
                minter, upstreams = share_with.minter, share_with.upstreams
            else:
                minter = TokenMinter()
                upstreams = {
                    name: Upstream(name, jwks=(jwks or (lambda: minter.jwks)) if name == "registry" else None)
                    for name in SERVICES
                }
                for name, upstream in upstreams.items():
                    if name in down:
                        upstream.url = closed_port_url()
                    else:
                        servers.append(Server(upstream))
                        upstream.url = await servers[-1].start()
            values: dict[str, Any] = {f"{name}_url": upstreams[name].url for name in SERVICES}
            values |= {
                "token_issuer": minter.issuer,
                "token_audience": minter.audience,
                "redis_url": None,
                "log_json": False,
                "openapi_cache_seconds": 0.0,
            }
            settings = Settings(**(values | overrides))
            servers.append(Server(create_app(settings), http=HttpProtocol))
            gateway_url = await servers[-1].start()
            client = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=10))
            return Platform(gateway_url, client, upstreams, minter, settings)

        try:
            yield start
        finally:
            await stack.aclose()  # clients first, so no connection keeps a server waiting
            await stop_all(servers)


@pytest.fixture
async def platform(start_platform: StartPlatform) -> Platform:
    return await start_platform()
