"""Fixtures of the registry's tests: a migrated database per test module, signing and PII keys, the app,
accounts, organisations and people.

Accounts, organisations and people are made through the registry's own use cases on the module's database,
with random usernames, ID numbers and credit codes, so tests in a module do not depend on each other's data.
"""

import base64
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.db import build_engine, build_sessionmaker
from cekit.identifiers import credit_check_character, id_check_character, organisation_check_character
from cekit.pii import PiiCipher, new_key
from cekit.testing import create_database, drop_database, migrate, running_app
from cekit.tokens import Principal
from registry import regions
from registry.accounts.schemas import AccountCreate
from registry.accounts.service import create_account
from registry.app import create_app
from registry.auth.keys import KeyStore
from registry.auth.tokens import TokenSubject, mint_access_token
from registry.config import Settings
from registry.credentials import Passwords
from registry.organisations import repository as organisation_queries
from registry.organisations import service as organisations
from registry.organisations.schemas import AuthorityCreate, EmployerCreate, InstitutionCreate
from registry.persons import service as persons
from registry.persons.schemas import PersonCreate
from registry.pii_keys import load_pii_cipher
from registry.roles import Role
from registry.vocabulary import AuthorityKind, AuthorityLevel

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


def write_pii_keys(path: Path, keys: dict[str, str], active: str, index_key: str) -> Path:
    path.write_text(json.dumps({"active": active, "keys": keys, "index_key": index_key}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pii_keys_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pii")
    return write_pii_keys(directory / "pii.json", {"k1": new_key()}, "k1", new_key())


@pytest.fixture(scope="module")
def cipher(pii_keys_file: Path) -> PiiCipher:
    return load_pii_cipher(pii_keys_file)


@pytest.fixture(scope="module")
def settings(database_url: str, keys_dir: Path, pii_keys_file: Path) -> Settings:
    return Settings(
        database_url=database_url,
        signing_keys_dir=keys_dir,
        pii_keys_file=pii_keys_file,
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


# ---- random but valid identifiers ---------------------------------------------------------------------------
def new_id_number(region: str = "130102", born: date | None = None, *, male: bool = True) -> str:
    """A valid 18-character ID number (GB 11643); birth date (unless given) and sequence number random, so
    numbers made in one test module do not collide."""
    born = born or date(1960, 1, 1) + timedelta(days=secrets.randbelow(40 * 365))
    sequence = secrets.randbelow(500) * 2 + (1 if male else 0)  # the 17th digit: odd for men
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def new_credit_code(region: str = "130100", registry_kind: str = "91") -> str:
    """A valid unified social credit code (GB 32100), its embedded organisation code random."""
    body = f"{secrets.randbelow(10**8):08d}"
    first17 = registry_kind + region + body + organisation_check_character(body)
    return first17 + credit_check_character(first17)


SYSTEM = Principal(subject="test", client_id="test", roles=("admin",), scopes=(), token_id="t", expires_at=0)


async def _in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    engine = build_engine(settings.database_url, pool_size=1)
    try:
        async with build_sessionmaker(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


async def seed_employer(settings: Settings, region: str = "130100", industry: str = "health") -> uuid.UUID:
    data = EmployerCreate(
        credit_code=new_credit_code(region), name="某医院", kind="institution", region_code=region, industry=industry
    )
    employer = await _in_session(settings, lambda s: organisations.register_employer(s, data, actor=SYSTEM))
    return uuid.UUID(str(employer.id))


async def seed_institution(settings: Settings, region: str = "130100") -> uuid.UUID:
    data = InstitutionCreate(credit_code=new_credit_code(region), name="某大学", kind="university", region_code=region)
    institution = await _in_session(settings, lambda s: organisations.register_institution(s, data, actor=SYSTEM))
    return uuid.UUID(str(institution.id))


async def seed_authority(settings: Settings, kind: str, region: str, industry: str | None = None) -> uuid.UUID:
    """An authority of ``kind`` for ``region`` (and ``industry``): the existing one when there is one."""

    async def work(session: AsyncSession) -> Any:
        existing = await organisation_queries.find_authority(session, AuthorityKind(kind), region, industry)
        if existing is not None:
            return existing
        division = regions.get(region)
        assert division is not None
        level = AuthorityLevel(division.level)
        data = AuthorityCreate(kind=kind, level=level, region_code=region, industry=industry, name=f"{region} {kind}")
        return await organisations.register_authority(session, data, actor=SYSTEM)

    return uuid.UUID(str((await _in_session(settings, work)).id))


async def seed_person(
    settings: Settings,
    cipher: PiiCipher,
    *,
    id_number: str | None = None,
    name: str = "张三",
    region: str = "130102",
    employer_id: uuid.UUID | None = None,
    industry: str = "health",
    title_level: str = "intermediate",
) -> uuid.UUID:
    data = PersonCreate(
        id_number=id_number or new_id_number(region),
        name=name,
        region_code=region,
        employer_id=employer_id,
        title_level=title_level,
        industry=industry,
    )
    view = await _in_session(settings, lambda s: persons.register_person(s, cipher, data, actor=SYSTEM))
    return uuid.UUID(str(view.person.id))


MakeAccount = Callable[..., Awaitable[str]]


@pytest.fixture
def make_account(settings: Settings, cipher: PiiCipher) -> MakeAccount:
    """Creates an account (password ``PASSWORD``) and returns its username. Without an ``org_id`` or
    ``person_id``, one of the right kind is made for it (in Shijiazhuang 130100, industry health)."""

    async def make(role: Role = Role.PERSON, *, password: str = PASSWORD, **attributes: Any) -> str:
        if role is Role.PERSON and attributes.get("person_id") is None:
            attributes["person_id"] = await seed_person(settings, cipher)
        elif role is Role.HR_OFFICIAL and "org_id" not in attributes:
            attributes["org_id"] = await seed_authority(settings, "hr", "130100")
        elif role is Role.INDUSTRY_OFFICIAL and "org_id" not in attributes:
            attributes["org_id"] = await seed_authority(settings, "industry", "130100", "health")
        elif role is Role.EMPLOYER_ADMIN and "org_id" not in attributes:
            attributes["org_id"] = await seed_employer(settings)
        elif role is Role.INSTITUTION and "org_id" not in attributes:
            attributes["org_id"] = await seed_institution(settings)
        username = f"{role.value}-{uuid.uuid4().hex[:8]}"
        data = AccountCreate(username=username, password=password, role=role, **attributes)
        await _in_session(settings, lambda s: create_account(s, Passwords.from_settings(settings), data, actor="test"))
        return username

    return make


Mint = Callable[..., str]


@pytest.fixture(scope="module")
def mint(keys_dir: Path) -> Mint:
    """Signs an access token with the registry's own key, as the issuer would for an account or client with
    these claims (org_id, region_code, industry, person_id) — without making the account and logging in."""
    key = key_store(keys_dir).active()
    assert key is not None

    def make(role: str, *, subject: str | None = None, client_id: str = "ce-public", **claims: Any) -> str:
        holder = TokenSubject(
            subject=subject or str(uuid.uuid4()),
            client_id=client_id,
            roles=(role,),
            attributes={name: str(value) for name, value in claims.items() if value is not None},
        )
        return mint_access_token(
            key, holder, issuer=ISSUER, audience=AUDIENCE, lifetime_seconds=300, now=datetime.now(UTC)
        )

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


class Seed:
    """Makes organisations and people directly through the use cases (for tests about something else)."""

    new_id_number = staticmethod(new_id_number)
    new_credit_code = staticmethod(new_credit_code)

    def __init__(self, settings: Settings, cipher: PiiCipher) -> None:
        self.settings = settings
        self.cipher = cipher

    async def employer(self, region: str = "130100", industry: str = "health") -> uuid.UUID:
        return await seed_employer(self.settings, region, industry)

    async def institution(self, region: str = "130100") -> uuid.UUID:
        return await seed_institution(self.settings, region)

    async def authority(self, kind: str, region: str, industry: str | None = None) -> uuid.UUID:
        return await seed_authority(self.settings, kind, region, industry)

    async def person(self, **attributes: Any) -> uuid.UUID:
        return await seed_person(self.settings, self.cipher, **attributes)


@pytest.fixture(scope="module")
def seed(settings: Settings, cipher: PiiCipher) -> Seed:
    return Seed(settings, cipher)
