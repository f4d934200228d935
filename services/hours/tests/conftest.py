"""Fixtures of the hours service's tests: one migrated database per test module on the real PostgreSQL
(``pg_server_url``), the app with a fake registry behind its registry client (``hours.testing.FakeRegistry``),
and tokens for every kind of caller. People are made fresh in each test, so tests do not share data."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cekit.testing import TokenMinter, create_database, drop_database, migrate, running_app
from hours.app import create_app
from hours.testing import Callers, FakeRegistry, settings_for

SERVICE_DIR = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "hours")
    migrate(SERVICE_DIR, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture(scope="module")
def minter() -> TokenMinter:
    return TokenMinter()


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
async def client(database_url: str, registry: FakeRegistry, minter: TokenMinter) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings_for(database_url),
        key_fetcher=minter.fetcher(),
        registry_transport=httpx.ASGITransport(app=registry.app()),
    )
    async with running_app(app) as c:
        yield c


@pytest.fixture
def callers(minter: TokenMinter) -> Callers:
    return Callers(minter)
