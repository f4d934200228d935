"""Every service frame: its migrations, health, readiness, metrics and problem details on a real PostgreSQL.

The registry has its own module (it needs signing keys); these three share one shape."""

import importlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from alembic import command

from cekit.testing import (
    TEST_AUDIENCE,
    TEST_ISSUER,
    TokenMinter,
    alembic_config,
    asyncpg_url,
    create_database,
    drop_database,
    migrate,
    running_app,
)

ROOT = Path(__file__).parents[1]
SERVICES = ["hours", "bases", "certificates"]


@pytest.fixture(scope="module", params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(pg_server_url: str, service: str) -> Iterator[str]:
    url = create_database(pg_server_url, service)
    migrate(ROOT / "services" / service, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture
async def client(database_url: str, service: str) -> AsyncIterator[httpx.AsyncClient]:
    minter = TokenMinter()
    module = importlib.import_module(f"{service}.app")
    settings_cls = importlib.import_module(f"{service}.config").Settings
    settings = settings_cls(database_url=database_url, token_issuer=TEST_ISSUER, token_audience=TEST_AUDIENCE, peers={})
    async with running_app(module.create_app(settings, key_fetcher=minter.fetcher())) as client:
        yield client


def test_migrations_match_the_models(database_url: str, service: str) -> None:
    # alembic check raises when autogenerate would find a difference between models and migrations.
    command.check(alembic_config(ROOT / "services" / service, database_url))


def test_an_empty_database_migrates_down_and_up_again(database_url: str, service: str) -> None:
    config = alembic_config(ROOT / "services" / service, database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["status"] == "ok"


async def test_unknown_path_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-123"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["request_id"] == "req-123"


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "http_requests_total" in response.text


async def test_readiness_fails_when_a_required_peer_is_down(database_url: str, service: str) -> None:
    module = importlib.import_module(f"{service}.app")
    settings_cls = importlib.import_module(f"{service}.config").Settings
    # Port 9 (discard) has nothing listening on loopback here: the peer is down.
    settings = settings_cls(database_url=database_url, peers={"registry": "http://127.0.0.1:9"})
    async with running_app(module.create_app(settings)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["registry"]["status"] == "down"
    assert response.json()["checks"]["database"]["status"] == "ok"


async def test_the_audit_trail_is_append_only(database_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await conn.execute(
            "INSERT INTO audit_event (id, actor, action, object_type, object_id) "
            "VALUES (gen_random_uuid(), 'tester', 'created', 'thing', '1')"
        )
        for statement in (
            "UPDATE audit_event SET actor = 'someone else'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT actor FROM audit_event") == "tester"
    finally:
        await conn.close()
