"""The connection pool of every service on a real PostgreSQL: a connection the server closed (a restart, a
failover, an administrator's terminate) is replaced on checkout, without a round trip per request."""

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import text

from cekit.db import build_engine
from cekit.testing import asyncpg_url, create_database, drop_database


@pytest.fixture(scope="module")
def database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "pool")
    yield url
    drop_database(pg_server_url, url)


async def test_a_connection_the_server_closed_is_replaced_on_checkout(database_url: str) -> None:
    engine = build_engine(database_url, pool_size=1, application_name="pool-test")
    try:
        async with engine.connect() as conn:
            first_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(asyncpg_url(database_url))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", first_pid)
        finally:
            await admin.close()
        await asyncio.sleep(0.2)  # the termination reaches the pooled connection's socket
        async with engine.connect() as conn:
            second_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second_pid != first_pid
    finally:
        await engine.dispose()
