"""Idempotency-Key on POST (cekit.idempotency) on a real service database: a retry replays the first answer
and acts once; the same key with another body is refused; a key in flight answers 409; a 5xx frees the key;
answers older than the retention are pruned."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Request
from sqlalchemy import func, select, update

from cekit.app import create_service_app
from cekit.audit import record_audit
from cekit.auth import PrincipalDep
from cekit.db import SessionDep, build_engine
from cekit.idempotency import prune
from cekit.settings import ServiceSettings
from cekit.testing import (
    TEST_AUDIENCE,
    TEST_ISSUER,
    TokenMinter,
    create_database,
    drop_database,
    migrate,
    running_app,
)
from hours.models import audit_event, idempotency_record

ROOT = Path(__file__).parents[1]
MINTER = TokenMinter()
router = APIRouter()
gate = asyncio.Event()
failures_left = 0


@router.post("/things", status_code=201)
async def create_thing(body: dict[str, str], principal: PrincipalDep, session: SessionDep) -> dict[str, int]:
    global failures_left
    if body.get("slow"):
        await gate.wait()
    if body.get("fail") and failures_left > 0:
        failures_left -= 1
        raise RuntimeError("the database went away")
    await record_audit(session, audit_event, actor=principal, action="created", object_type="thing", object_id="1")
    count = await session.scalar(select(func.count()).select_from(audit_event))
    return {"number": int(count or 0)}


@router.get("/count")
async def count(request: Request, session: SessionDep) -> dict[str, int]:
    return {"count": int(await session.scalar(select(func.count()).select_from(audit_event)) or 0)}


@pytest.fixture(scope="module")
def database_url(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "idem")
    migrate(ROOT / "services" / "hours", url)
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(database_url=database_url, token_issuer=TEST_ISSUER, token_audience=TEST_AUDIENCE)
    app = create_service_app(
        name="t", title="t", settings=settings, routers=[router], key_fetcher=MINTER.fetcher(),
        idempotency_table=idempotency_record,
    )  # fmt: skip
    async with running_app(app) as c:
        c.headers["Authorization"] = "Bearer " + MINTER.mint("acct-1")
        yield c


async def total(client: httpx.AsyncClient) -> int:
    return int((await client.get("/count")).json()["count"])


async def test_a_retry_replays_the_first_answer_and_acts_once(client: httpx.AsyncClient) -> None:
    before = await total(client)
    first = await client.post("/things", json={"a": "1"}, headers={"Idempotency-Key": "k-replay"})
    again = await client.post("/things", json={"a": "1"}, headers={"Idempotency-Key": "k-replay"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await total(client) == before + 1


async def test_without_a_key_each_post_acts(client: httpx.AsyncClient) -> None:
    before = await total(client)
    await client.post("/things", json={"a": "1"})
    await client.post("/things", json={"a": "1"})
    assert await total(client) == before + 2


async def test_the_same_key_with_another_body_is_refused(client: httpx.AsyncClient) -> None:
    await client.post("/things", json={"a": "1"}, headers={"Idempotency-Key": "k-body"})
    other = await client.post("/things", json={"a": "2"}, headers={"Idempotency-Key": "k-body"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_keys_are_per_caller(client: httpx.AsyncClient) -> None:
    mine = await client.post("/things", json={"a": "1"}, headers={"Idempotency-Key": "k-shared"})
    theirs = await client.post(
        "/things",
        json={"a": "1"},
        headers={"Idempotency-Key": "k-shared", "Authorization": "Bearer " + MINTER.mint("acct-2")},
    )
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["number"] == mine.json()["number"] + 1


async def test_a_key_in_flight_answers_409(client: httpx.AsyncClient) -> None:
    gate.clear()
    slow = asyncio.create_task(client.post("/things", json={"slow": "1"}, headers={"Idempotency-Key": "k-slow"}))
    await asyncio.sleep(0.2)
    meanwhile = await client.post("/things", json={"slow": "1"}, headers={"Idempotency-Key": "k-slow"})
    gate.set()
    assert meanwhile.status_code == 409
    assert meanwhile.json()["code"] == "idempotency_in_flight"
    assert (await slow).status_code == 201


async def test_a_server_error_frees_the_key_for_a_retry(client: httpx.AsyncClient) -> None:
    global failures_left
    failures_left = 1
    failed = await client.post("/things", json={"fail": "1"}, headers={"Idempotency-Key": "k-fail"})
    assert failed.status_code == 500
    retried = await client.post("/things", json={"fail": "1"}, headers={"Idempotency-Key": "k-fail"})
    assert retried.status_code == 201


async def test_old_answers_are_pruned_and_their_keys_act_again(client: httpx.AsyncClient, database_url: str) -> None:
    headers = {"Idempotency-Key": "prune-me"}
    first = await client.post("/things", json={"a": "1"}, headers=headers)
    fresh = await client.post("/things", json={"a": "2"}, headers={"Idempotency-Key": "keep-me"})
    engine = build_engine(database_url)
    try:
        async with engine.begin() as conn:
            # Age one answer past the retention instead of waiting a day.
            await conn.execute(
                update(idempotency_record)
                .where(idempotency_record.c.key == "prune-me")
                .values(created_at=datetime.now(UTC) - timedelta(hours=25))
            )
        assert await prune(engine, idempotency_record, older_than=timedelta(hours=24)) == 1
    finally:
        await engine.dispose()
    again = await client.post("/things", json={"a": "1"}, headers=headers)
    assert again.json()["number"] == first.json()["number"] + 2  # acted anew: the old answer is gone
    kept = await client.post("/things", json={"a": "2"}, headers={"Idempotency-Key": "keep-me"})
    assert kept.json() == fresh.json()  # a recent answer still replays
