"""Accounts and machine clients as an admin creates them and their holders use them."""

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from cekit.testing import asyncpg_url
from registry.roles import Role


async def _fetch(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


@pytest.fixture
async def admin(api: Any) -> str:
    return str(await api.token_for(Role.ADMIN))


def _new_username() -> str:
    return f"Zhang.Wei-{uuid.uuid4().hex[:8]}"


async def test_an_admin_creates_an_account_that_can_log_in(
    client: httpx.AsyncClient, api: Any, admin: str, database_url: str, seed: Any
) -> None:
    username = _new_username()
    org_id = str(await seed.authority("hr", "130100"))
    body = {"username": username, "password": "a long enough password", "role": "hr_official", "org_id": org_id}
    response = await client.post("/v1/accounts", json=body, headers=api.bearer(admin))

    assert response.status_code == 201, response.text
    account = response.json()
    assert uuid.UUID(account["id"])
    assert account["username"] == username.lower()
    assert account["role"] == "hr_official"
    assert account["org_id"] == org_id
    assert account["region_code"] == "130100"
    assert account["active"] is True
    assert not any("password" in key or "hash" in key for key in account)

    token = await api.token(username, "a long enough password")
    me = (await api.me(token)).json()
    assert me == account

    admin_id = (await api.me(admin)).json()["id"]
    [audit] = await _fetch(
        database_url, "SELECT actor, actor_roles, details FROM audit_event WHERE action = 'account.created' "
        "AND object_id = $1", account["id"],
    )  # fmt: skip
    assert (audit["actor"], audit["actor_roles"]) == (admin_id, "admin")
    assert "a long enough password" not in audit["details"]
    [stored] = await _fetch(database_url, "SELECT password_hash FROM account WHERE id = $1", uuid.UUID(account["id"]))
    assert stored["password_hash"].startswith("$argon2id$")


async def test_a_username_is_taken_whatever_its_case(client: httpx.AsyncClient, api: Any, admin: str) -> None:
    username = _new_username()
    body = {"username": username, "password": "a long enough password", "role": "expert"}
    assert (await client.post("/v1/accounts", json=body, headers=api.bearer(admin))).status_code == 201

    again = await client.post("/v1/accounts", json={**body, "username": username.upper()}, headers=api.bearer(admin))
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "username_taken"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"password": "short pw 11"}, "weak_password", "password", id="11-characters"),
        pytest.param({"password": "{username}"}, "weak_password", "password", id="password-is-username"),
        pytest.param({"role": "person"}, "role_attributes_missing", "person_id", id="person-without-person-id"),
        pytest.param({"role": "industry_official"}, "role_attributes_missing", "org_id",
                     id="industry-official-without-authority"),
        pytest.param({"org_id": str(uuid.uuid4())}, "role_attributes_not_allowed", "org_id",
                     id="expert-with-an-organisation"),
        pytest.param({"role": "employer_admin", "org_id": str(uuid.uuid4())}, "unknown_organisation", "org_id",
                     id="employer-admin-of-no-employer"),
        pytest.param({"role": "person", "person_id": str(uuid.uuid4())}, "unknown_person", "person_id",
                     id="person-not-registered"),
        pytest.param({"role": "superuser"}, "validation_failed", "role", id="unknown-role"),
        pytest.param({"username": "张伟"}, "validation_failed", "username", id="non-ascii-username"),
        pytest.param({"region_code": "130100"}, "validation_failed", "region_code", id="region-is-never-input"),
        pytest.param({"is_admin": True}, "validation_failed", "is_admin", id="unknown-field"),
        pytest.param({"password": None}, "validation_failed", "password", id="missing-password"),
    ],
)  # fmt: skip
async def test_invalid_accounts_are_422_problems_naming_the_field(
    client: httpx.AsyncClient, api: Any, admin: str, changes: dict[str, Any], code: str, field: str
) -> None:
    username = _new_username()
    body: dict[str, Any] = {"username": username, "password": "a long enough password", "role": "expert"}
    body.update({k: (v.format(username=username) if isinstance(v, str) else v) for k, v in changes.items()})
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post("/v1/accounts", json=body, headers=api.bearer(admin))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await api.login(username, body.get("password", "x"))).status_code == 400  # nothing was created


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/accounts", {"username": "someone-new", "password": "a long enough password", "role": "admin"}),
        ("/v1/clients", {"name": "sneaky", "role": "service"}),
    ],
)
async def test_admin_routes_refuse_a_person(
    client: httpx.AsyncClient, api: Any, path: str, body: dict[str, Any]
) -> None:
    person = await api.token_for(Role.PERSON)
    response = await client.post(path, json=body, headers=api.bearer(person))
    assert response.status_code == 403
    assert response.json()["code"] == "role_required"
    anonymous = await client.post(path, json=body)
    assert anonymous.status_code == 401


async def test_me_is_the_callers_own_account(api: Any) -> None:
    username = await api.make_account(Role.PERSON)
    me = await api.me(await api.token(username))
    assert me.status_code == 200
    assert me.json()["username"] == username
    assert me.json()["role"] == "person"


async def test_a_client_secret_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, api: Any, admin: str, database_url: str
) -> None:
    response = await client.post(
        "/v1/clients", json={"name": "Beijing partner", "role": "partner"}, headers=api.bearer(admin)
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    assert created["client_id"].startswith("cl_")
    assert len(created["client_secret"]) >= 40
    assert created["role"] == "partner"

    [row] = await _fetch(database_url, "SELECT * FROM machine_client WHERE client_id = $1", created["client_id"])
    assert created["client_secret"] not in str(dict(row))
    assert row["secret_hash"].startswith("hmac-sha256$")

    admin_id = (await api.me(admin)).json()["id"]
    [audit] = await _fetch(
        database_url, "SELECT actor, details FROM audit_event WHERE action = 'client.created' AND object_id = $1",
        created["client_id"],
    )  # fmt: skip
    assert audit["actor"] == admin_id
    assert created["client_secret"] not in audit["details"]


async def test_an_institution_client_needs_its_institution(client: httpx.AsyncClient, api: Any, admin: str) -> None:
    response = await client.post(
        "/v1/clients", json={"name": "Some LMS", "role": "institution"}, headers=api.bearer(admin)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "role_attributes_missing"
    assert [e["field"] for e in response.json()["errors"]] == ["org_id"]


async def test_a_deactivated_account_cannot_log_in(api: Any, database_url: str) -> None:
    username = await api.make_account(Role.PERSON)
    await _fetch(database_url, "UPDATE account SET active = false WHERE username = $1", username)
    response = await api.login(username)
    assert response.status_code == 400
    assert response.json()["detail"] == "The username or password is wrong."
