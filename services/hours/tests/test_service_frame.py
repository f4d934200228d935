"""The hours service frame: migrations, health, metrics and problem details on a real PostgreSQL."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command

from cekit.testing import (
    TEST_AUDIENCE,
    TEST_ISSUER,
    TokenMinter,
    alembic_config,
    create_database,
    drop_database,
    migrate,
    running_app,
)
from hours.app import create_app
from hours.config import Settings

SERVICE_DIR = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "hours")
    migrate(SERVICE_DIR, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    minter = TokenMinter()
    settings = Settings(database_url=database_url, token_issuer=TEST_ISSUER, token_audience=TEST_AUDIENCE, peers={})
    async with running_app(create_app(settings, key_fetcher=minter.fetcher())) as client:
        yield client


def test_migrations_match_the_models(database_url: str) -> None:
    # alembic check raises when autogenerate would find a difference between models and migrations.
    command.check(alembic_config(SERVICE_DIR, database_url))


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
