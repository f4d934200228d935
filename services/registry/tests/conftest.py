"""Fixtures of the registry's tests: a migrated database per test module, a key directory, the app, accounts.

Accounts are made through the registry's own use case (``create_account``) on the module's database, with
random usernames, so tests in a module do not depend on each other's data.
"""

import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from cekit.db import build_engine, build_sessionmaker
from cekit.testing import create_database, drop_database, migrate, running_app
from registry.accounts.schemas import AccountCreate
from registry.accounts.service import create_account
from registry.app import create_app
from registry.auth.keys import KeyStore
from registry.config import Settings
from registry.credentials import Passwords
from registry.roles import Role

SERVICE_DIR = Path(__file__).parents[1]
PASSWORD = "correct horse battery staple"
ISSUER = "urn:ce:130000:registry"
AUDIENCE = "urn:ce:130000"


@pytest.fixture(scope="module")
def database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "registry")
    migrate(SERVICE_DIR, url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    key_store(directory).create()
    return directory


def key_store(directory: Path, settings: Settings | None = None) -> KeyStore:
    settings = settings or Settings(signing_keys_dir=directory)
    return KeyStore(directory, publish_retired_for=timedelta(seconds=settings.key_publication_seconds))


@pytest.fixture(scope="module")
def settings(database_url: str, keys_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        signing_keys_dir=keys_dir,
        token_issuer=ISSUER,
        token_audience=AUDIENCE,
        peers={},
        log_json=False,
        # Cheap hashing keeps the tests fast; the rehash test checks that parameters take effect.
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        argon2_parallelism=1,
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(create_app(settings)) as client:
        yield client


MakeAccount = Callable[..., Awaitable[str]]


@pytest.fixture
def make_account(settings: Settings) -> MakeAccount:
    """Creates an account (password ``PASSWORD``) and returns its username."""

    async def make(role: Role = Role.PERSON, *, password: str = PASSWORD, **attributes: Any) -> str:
        if role is Role.PERSON:
            attributes.setdefault("person_id", uuid.uuid4())
        username = f"{role.value}-{uuid.uuid4().hex[:8]}"
        engine = build_engine(settings.database_url, pool_size=1)
        try:
            async with build_sessionmaker(engine)() as session:
                data = AccountCreate(username=username, password=password, role=role, **attributes)
                await create_account(session, Passwords.from_settings(settings), data, actor="test")
                await session.commit()
        finally:
            await engine.dispose()
        return username

    return make


class Api:
    """Calls a test needs often, on the running app (test modules cannot import this conftest)."""

    PASSWORD = PASSWORD
    ISSUER = ISSUER
    AUDIENCE = AUDIENCE

    def __init__(self, client: httpx.AsyncClient, make_account: MakeAccount) -> None:
        self.client = client
        self.make_account = make_account

    async def login(self, username: str, password: str = PASSWORD, **extra: str) -> httpx.Response:
        form = {"grant_type": "password", "username": username, "password": password, **extra}
        return await self.client.post("/v1/auth/token", data=form)

    async def token(self, username: str, password: str = PASSWORD) -> str:
        response = await self.login(username, password)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def token_for(self, role: Role, **attributes: Any) -> str:
        return await self.token(await self.make_account(role, **attributes))

    async def me(self, token: str) -> httpx.Response:
        return await self.client.get("/v1/accounts/me", headers=self.bearer(token))

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def basic(client_id: str, secret: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.fixture
def api(client: httpx.AsyncClient, make_account: MakeAccount) -> Api:
    return Api(client, make_account)
