"""Engine, sessions and the request's unit of work.

Engines are built in the app's lifespan (never at import). Services and repositories flush; the request
boundary (``unit_of_work``) commits once, before the response is sent, or rolls back.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from cekit.queueing import FifoGate

# Stable constraint names, so Alembic autogenerate and hand-written migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def build_engine(url: str, *, pool_size: int = 10, application_name: str = "ce") -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size // 2,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Instead of ``pool_pre_ping`` (a round trip before every request: a millisecond of a small read's CPU):
    asyncpg notices at once when the server closed a connection (a restart, a failover, an idle timeout), so a
    closed one is swapped for a new one on checkout, without asking the server."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def build_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def database_ready(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """The one commit point of a request: commit when the handler returned, roll back when it raised."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": the commit runs before the response is sent, so a failed commit is the client's error
# response rather than a 200 for data that was never written.
SessionDep = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's open transaction, for a bulk statement on the ingestion path
    (typed arrays bound in asyncpg's binary format, without SQLAlchemy's per-parameter processing). asyncpg
    enters the session's transaction only with the session's first statement, and a statement on the driver
    before that would commit on its own: when the session has run nothing yet, a ``SELECT 1`` of the session
    opens the transaction first (one round trip, on that path only)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    if not driver.is_in_transaction():
        await session.execute(text("SELECT 1"))
    return driver


@asynccontextmanager
async def driver_of(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection's asyncpg connection, in no transaction: each statement on it commits on its own. For
    single statements outside a request's unit of work (the idempotency claim and answer), without SQLAlchemy's
    ``BEGIN``/``COMMIT`` round trips and per-statement processing."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        yield driver


class Reader:
    """Single read-only statements on a plain asyncpg pool, for the hottest reads (a compliance status, a
    status-list bit). A statement outside a transaction needs no BEGIN and COMMIT round trips, and skips the ORM
    session's bookkeeping: together most of a small read's CPU (measured with ``make bench-hours``). The
    connections are read-only at the server (``default_transaction_read_only``): a reader can never write, so
    nothing it does needs the request's unit of work. Anything that writes, or must read what it writes, uses
    ``SessionDep``."""

    def __init__(self, url: str, *, size: int, application_name: str) -> None:
        parsed = make_url(url)
        self._connect = {
            "host": parsed.host,
            "port": parsed.port,
            "user": parsed.username,
            "password": parsed.password,
            "database": parsed.database,
        }
        self._size = size
        self._application_name = application_name
        self._pool: asyncpg.Pool | None = None
        # Turns in arrival order (asyncpg's own queue lets newcomers overtake waiters; see cekit.queueing).
        self._turns = FifoGate(size)

    async def _acquire_pool(self) -> asyncpg.Pool:
        # Created on first use (min_size 0 opens nothing): a service starts even while its database is down.
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                **self._connect,
                min_size=0,
                max_size=self._size,
                reset=_nothing_to_reset,
                server_settings={
                    "application_name": f"{self._application_name}-reads",
                    "default_transaction_read_only": "on",
                },
            )
        return self._pool

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        pool = await self._acquire_pool()
        async with self._turns, pool.acquire() as connection:
            return await connection.fetchrow(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        pool = await self._acquire_pool()
        async with self._turns, pool.acquire() as connection:
            rows: list[asyncpg.Record] = await connection.fetch(sql, *args)
            return rows

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """asyncpg's default reset (``RESET ALL``, ``UNLISTEN *``, …) is a round trip per read. A ``Reader`` runs
    read-only statements that set, listen and lock nothing, so a connection comes back as it went out."""


async def reader(request: Request) -> Reader:
    found: Reader = request.app.state.reader
    return found


ReaderDep = Annotated[Reader, Depends(reader)]
