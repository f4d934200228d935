"""Every error is RFC 9457 problem+json with a stable code; bad input never gives a 500 or a stack trace."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from cekit.app import create_service_app
from cekit.auth import PrincipalDep
from cekit.problems import Conflict
from cekit.settings import ServiceSettings
from cekit.testing import TEST_AUDIENCE, TEST_ISSUER, TokenMinter, running_app

router = APIRouter()


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    hours: float


class Batch(BaseModel):
    records: list[Item]


@router.post("/batch")
async def post_batch(batch: Batch) -> dict[str, int]:
    return {"count": len(batch.records)}


@router.post("/conflict")
async def conflict() -> None:
    raise Conflict("The record was already reversed.", code="already_reversed", allowed=["none"])


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals 13010219900307123X")


@router.get("/me")
async def me(principal: PrincipalDep) -> dict[str, str]:
    return {"sub": principal.subject}


MINTER = TokenMinter()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(token_issuer=TEST_ISSUER, token_audience=TEST_AUDIENCE)
    app = create_service_app(name="t", title="t", settings=settings, routers=[router], key_fetcher=MINTER.fetcher())
    async with running_app(app) as c:
        yield c


async def test_validation_errors_name_the_field_paths(client: httpx.AsyncClient) -> None:
    response = await client.post("/batch", json={"records": [{"name": "a", "hours": 1}, {"name": "b", "hours": "x"}]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [e["field"] for e in body["errors"]] == ["records[1].hours"]


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/batch", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_domain_errors_carry_their_stable_code_and_extensions(client: httpx.AsyncClient) -> None:
    response = await client.post("/conflict")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_reversed"
    assert body["allowed"] == ["none"]
    assert body["type"].endswith("/already_reversed")


async def test_unexpected_errors_hide_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_method_not_allowed_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/batch")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_missing_and_bad_tokens_are_401_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/me")
    assert missing.status_code == 401
    assert missing.json()["code"] == "token_missing"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = await client.get("/me", headers={"Authorization": "Bearer " + MINTER.mint(lifetime=-100)})
    assert bad.status_code == 401
    assert bad.json()["code"] == "token_invalid"
    good = await client.get("/me", headers={"Authorization": "Bearer " + MINTER.mint("acct-1")})
    assert good.json() == {"sub": "acct-1"}


async def test_request_id_is_accepted_or_created(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    hostile = await client.get("/healthz", headers={"X-Request-ID": "bad\nid with spaces"})
    assert hostile.headers["x-request-id"] != "bad\nid with spaces"
    assert len(hostile.headers["x-request-id"]) == 32
