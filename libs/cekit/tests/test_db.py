"""The connection pools of every service on a real PostgreSQL: a connection the server closed (a restart, a
failover, an administrator's terminate) is replaced on checkout, without a round trip per request; the
``Reader`` for hot reads cannot write; a bulk statement on the driver connection joins the session's
transaction."""

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import text

from cekit.db import Reader, build_engine, build_sessionmaker, driver_connection
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


async def test_the_reader_reads_and_can_never_write(database_url: str) -> None:
    reader = Reader(database_url, size=2, application_name="reader-test")
    try:
        assert dict(await reader.fetchrow("SELECT $1::int + 1 AS n", 41) or {}) == {"n": 42}
        assert [r["g"] for r in await reader.fetch("SELECT generate_series(1, 3) AS g")] == [1, 2, 3]
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await reader.fetch("CREATE TABLE reader_wrote (id int)")
    finally:
        await reader.close()


async def test_a_bulk_statement_on_the_driver_connection_commits_or_rolls_back_with_the_session(
    database_url: str,
) -> None:
    engine = build_engine(database_url, pool_size=1, application_name="driver-test")
    sessions = build_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS bulk_target (n int)"))
        async with sessions() as session:
            connection = await driver_connection(session)  # no statement yet: it opens the transaction itself
            await connection.execute("INSERT INTO bulk_target SELECT unnest($1::int[])", [1, 2, 3])
            await session.rollback()
        async with sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM bulk_target"))).scalar_one() == 0
            await session.execute(text("SELECT 1"))
            connection = await driver_connection(session)
            await connection.execute("INSERT INTO bulk_target SELECT unnest($1::int[])", [1, 2, 3])
            await session.commit()
        async with sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM bulk_target"))).scalar_one() == 3
    finally:
        await engine.dispose()
