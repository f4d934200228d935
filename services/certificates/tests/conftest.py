"""Fixtures of the certificates service's tests: one migrated database per test module on the real PostgreSQL
(``pg_server_url``), a signing key in a temporary key directory, the app with fakes of the registry and the hours
service behind its clients (``certificates.testing.FakePeers``), and tokens for every kind of caller; for mutual
recognition, two provinces (Beijing and Hebei), each with its own fresh database per test."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cekit.testing import TokenMinter, create_database, drop_database, migrate, running_app
from certificates.app import create_app
from certificates.jjj.testing import Provinces, two_provinces
from certificates.keys import KeyStore
from certificates.testing import Callers, FakePeers, settings_for

SERVICE_DIR = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "certificates")
    migrate(SERVICE_DIR, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture(scope="module")
def minter() -> TokenMinter:
    return TokenMinter()


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    KeyStore(directory).create()
    return directory


@pytest.fixture
def peers() -> FakePeers:
    return FakePeers()


@pytest.fixture
async def client(
    database_url: str, keys_dir: Path, peers: FakePeers, minter: TokenMinter
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings_for(database_url, keys_dir),
        key_fetcher=minter.fetcher(),
        registry_transport=httpx.ASGITransport(app=peers.registry_app()),
        hours_transport=httpx.ASGITransport(app=peers.hours_app()),
    )
    async with running_app(app) as c:
        yield c


@pytest.fixture
def callers(minter: TokenMinter) -> Callers:
    return Callers(minter)


@pytest.fixture
def beijing_database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "certificates_bj")
    migrate(SERVICE_DIR, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture
def hebei_database_url(pg_server_url: str) -> Iterator[str]:
    # Per test (not per module): each test starts with no partner and no recognition.
    url = create_database(pg_server_url, "certificates_hb")
    migrate(SERVICE_DIR, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture
async def provinces(
    beijing_database_url: str, hebei_database_url: str, tmp_path: Path, minter: TokenMinter
) -> AsyncIterator[Provinces]:
    async with two_provinces(
        beijing_database_url=beijing_database_url,
        hebei_database_url=hebei_database_url,
        directory=tmp_path,
        minter=minter,
    ) as provinces:
        yield provinces
