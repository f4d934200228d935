"""The token endpoint as OAuth clients use it: the three grants, their refusals, refresh-token rotation with
reuse detection, revocation and the lockout after repeated failed logins."""

import time
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from cekit.testing import asyncpg_url
from registry.roles import Role

TOKEN = "/v1/auth/token"


async def _audit(database_url: str, action: str, object_id: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(
            await conn.fetch(
                "SELECT actor, reason, details FROM audit_event WHERE action = $1 AND object_id = $2",
                action,
                object_id,
            )
        )
    finally:
        await conn.close()


async def _sql(database_url: str, statement: str, *args: Any) -> Any:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return await conn.fetch(statement, *args)
    finally:
        await conn.close()


def _claims_verified_with_jwks(token: str, jwks: dict[str, Any], api: Any) -> dict[str, Any]:
    """What any relying party does: pick the key by kid from the published JWKS, verify everything."""
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["EdDSA"], audience=api.AUDIENCE, issuer=api.ISSUER, options={"require": ["exp"]}
    )
    return claims


# ---- password grant ---------------------------------------------------------------------------
async def test_password_grant_issues_a_verifiable_rfc9068_access_token(
    client: httpx.AsyncClient, api: Any, seed: Any
) -> None:
    org_id = await seed.authority("industry", "130100", "health")
    username = await api.make_account(Role.INDUSTRY_OFFICIAL, org_id=org_id)
    before = int(time.time())
    response = await api.login(username)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"].startswith("rt_")
    assert body["scope"] == ""

    jwks_response = await client.get("/.well-known/jwks.json")
    assert jwks_response.headers["cache-control"] == "public, max-age=300"
    jwks = jwks_response.json()
    assert {k["kty"] for k in jwks["keys"]} == {"OKP"}
    assert all(k.keys() == {"kty", "crv", "x", "kid", "alg", "use"} for k in jwks["keys"])  # no private "d"

    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}

    claims = _claims_verified_with_jwks(body["access_token"], jwks, api)
    me = (await api.me(body["access_token"])).json()
    assert claims["sub"] == me["id"]
    assert claims["client_id"] == "ce-public"
    assert claims["roles"] == ["industry_official"]
    assert claims["scope"] == ""
    assert claims["org_id"] == str(org_id)
    assert "person_id" not in claims
    assert claims["region_code"] == "130100"  # the authority's region and industry
    assert claims["industry"] == "health"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 900
    assert len(claims["jti"]) >= 16


async def test_claims_an_account_lacks_are_absent(api: Any) -> None:
    token = await api.token(await api.make_account(Role.ADMIN))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["admin"]
    assert not {"org_id", "person_id", "region_code", "industry"} & claims.keys()


async def test_usernames_are_case_insensitive_at_login(api: Any) -> None:
    username = await api.make_account(Role.PERSON)
    assert (await api.login(username.upper())).status_code == 200


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        pytest.param({"grant_type": "password", "username": "{user}", "password": "wrong password 123"}, {}, 400,
                     "invalid_grant", id="wrong-password"),
        pytest.param({"grant_type": "password", "username": "nobody-{rand}", "password": "whatever it is 1"}, {}, 400,
                     "invalid_grant", id="unknown-user"),
        pytest.param({"grant_type": "password", "username": "{user}"}, {}, 400, "invalid_request",
                     id="missing-password"),
        pytest.param({"username": "{user}", "password": "x"}, {}, 400, "invalid_request", id="missing-grant-type"),
        pytest.param({"grant_type": "authorization_code", "code": "x"}, {}, 400, "unsupported_grant_type",
                     id="unsupported-grant"),
        pytest.param({"grant_type": "client_credentials"}, {}, 401, "invalid_client", id="no-client-auth"),
        pytest.param({"grant_type": "client_credentials", "client_id": "cl_nobody", "client_secret": "cs_x"}, {},
                     401, "invalid_client", id="unknown-client"),
        pytest.param({"grant_type": "client_credentials", "client_id": "{client_id}", "client_secret": "cs_wrong"},
                     {}, 401, "invalid_client", id="wrong-secret"),
        pytest.param({"grant_type": "client_credentials"}, {"basic": ("{client_id}", "cs_wrong")}, 401,
                     "invalid_client", id="wrong-secret-basic"),
        pytest.param({"grant_type": "client_credentials", "client_id": "{client_id}"}, {}, 401, "invalid_client",
                     id="confidential-client-without-secret"),
        pytest.param({"grant_type": "client_credentials", "client_secret": "{secret}"},
                     {"basic": ("{client_id}", "{secret}")}, 400, "invalid_request", id="two-auth-methods"),
        pytest.param({"grant_type": "client_credentials", "client_assertion": "a.b.c",
                      "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, {}, 401,
                     "invalid_client", id="malformed-client-assertion"),
        pytest.param({"grant_type": "refresh_token", "refresh_token": "rt_never-issued"}, {}, 400, "invalid_grant",
                     id="unknown-refresh-token"),
    ],
)  # fmt: skip
async def test_refusals_are_oauth_errors_as_problems(
    client: httpx.AsyncClient,
    api: Any,
    institution_client: tuple[str, str],
    form: dict[str, str],
    headers: dict[str, Any],
    status: int,
    error: str,
) -> None:
    client_id, secret = institution_client
    values = {"user": await api.make_account(Role.PERSON), "rand": uuid.uuid4().hex, "client_id": client_id,
              "secret": secret}  # fmt: skip
    data = {k: v.format(**values) for k, v in form.items()}
    sent_headers = {}
    if "basic" in headers:
        sent_headers = api.basic(*(part.format(**values) for part in headers["basic"]))
    response = await client.post(TOKEN, data=data, headers=sent_headers)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"] == body["error"] == error
    assert body["status"] == status
    assert body["error_description"] == body["detail"]
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_unknown_user_and_wrong_password_get_the_same_answer(api: Any) -> None:
    username = await api.make_account(Role.PERSON)
    wrong_password = (await api.login(username, "not the password!")).json()
    unknown_user = (await api.login(f"ghost-{uuid.uuid4().hex[:8]}", "not the password!")).json()
    for body in (wrong_password, unknown_user):
        del body["request_id"]
    assert wrong_password == unknown_user


async def test_a_changed_hashing_cost_upgrades_the_stored_hash_at_login(
    settings: Any, database_url: str, api: Any
) -> None:
    from cekit.testing import running_app
    from registry.app import create_app

    username = await api.make_account(Role.PERSON)
    stronger = settings.model_copy(update={"argon2_time_cost": 2})
    async with running_app(create_app(stronger)) as stronger_client:
        response = await stronger_client.post(
            TOKEN, data={"grant_type": "password", "username": username, "password": api.PASSWORD}
        )
    assert response.status_code == 200
    [row] = await _sql(database_url, "SELECT password_hash FROM account WHERE username = $1", username)
    assert row["password_hash"].startswith("$argon2id$")
    assert ",t=2," in row["password_hash"]
    assert (await api.login(username)).status_code == 200  # the old parameters still verify the new hash


# ---- client credentials -----------------------------------------------------------------------
@pytest.fixture
async def institution_client(client: httpx.AsyncClient, api: Any, seed: Any) -> tuple[str, str]:
    admin = await api.token_for(Role.ADMIN)
    response = await client.post(
        "/v1/clients",
        json={"name": "Test University LMS", "role": "institution", "org_id": str(await seed.institution())},
        headers=api.bearer(admin),
    )
    assert response.status_code == 201, response.text
    return response.json()["client_id"], response.json()["client_secret"]


@pytest.mark.parametrize("how", ["form", "basic"])
async def test_client_credentials_grant(
    client: httpx.AsyncClient, api: Any, institution_client: tuple[str, str], how: str
) -> None:
    client_id, secret = institution_client
    if how == "form":
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        response = await client.post(TOKEN, data=form)
    else:
        response = await client.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers=api.basic(client_id, secret)
        )

    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert body["token_type"] == "Bearer"
    jwks = (await client.get("/.well-known/jwks.json")).json()
    claims = _claims_verified_with_jwks(body["access_token"], jwks, api)
    assert claims["sub"] == claims["client_id"] == client_id
    assert claims["roles"] == ["institution"]
    assert uuid.UUID(claims["org_id"])

    me = await api.me(body["access_token"])
    assert me.status_code == 404
    assert me.json()["code"] == "no_account"
    assert client_id in me.json()["detail"]


async def test_a_confidential_client_can_log_a_user_in(
    client: httpx.AsyncClient, api: Any, institution_client: tuple[str, str]
) -> None:
    """A mobile backend: the password grant with its own client authentication; the tokens are bound to it."""
    client_id, secret = institution_client
    username = await api.make_account(Role.PERSON)
    form = {"grant_type": "password", "username": username, "password": api.PASSWORD}
    response = await client.post(TOKEN, data=form, headers=api.basic(client_id, secret))
    assert response.status_code == 200
    assert jwt.decode(response.json()["access_token"], options={"verify_signature": False})["client_id"] == client_id
    refresh = {"grant_type": "refresh_token", "refresh_token": response.json()["refresh_token"]}

    without_client = await client.post(TOKEN, data=refresh)
    assert without_client.status_code == 401
    assert without_client.json()["error"] == "invalid_client"
    with_client = await client.post(TOKEN, data=refresh, headers=api.basic(client_id, secret))
    assert with_client.status_code == 200, with_client.text


# ---- refresh tokens ---------------------------------------------------------------------------
async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token})


async def test_refresh_rotates_the_refresh_token(client: httpx.AsyncClient, api: Any) -> None:
    username = await api.make_account(Role.PERSON)
    first = (await api.login(username)).json()

    second = await _refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.headers["cache-control"] == "no-store"
    second_body = second.json()
    assert second_body["refresh_token"] != first["refresh_token"]
    assert second_body["access_token"] != first["access_token"]
    assert (await api.me(second_body["access_token"])).json()["username"] == username

    third = await _refresh(client, second_body["refresh_token"])
    assert third.status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, api: Any, database_url: str
) -> None:
    username = await api.make_account(Role.PERSON)
    stolen = (await api.login(username)).json()["refresh_token"]
    current = (await _refresh(client, stolen)).json()["refresh_token"]

    replay = await _refresh(client, stolen)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The legitimate holder's newer token went with it: whoever has it must log in again.
    after = await _refresh(client, current)
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"
    assert "revoked" in after.json()["detail"]

    [row] = await _sql(
        database_url,
        "SELECT DISTINCT t.family_id FROM refresh_token t JOIN account a ON a.id = t.account_id WHERE a.username = $1",
        username,
    )
    [audit] = await _audit(database_url, "refresh_family.revoked", str(row["family_id"]))
    assert audit["actor"] == "system"
    assert "used again" in audit["reason"]
    # Another login is a new family and works.
    assert (await api.login(username)).status_code == 200


async def test_revocation_ends_the_login(client: httpx.AsyncClient, api: Any, database_url: str) -> None:
    username = await api.make_account(Role.PERSON)
    refresh_token = (await api.login(username)).json()["refresh_token"]

    revoked = await client.post("/v1/auth/revoke", data={"token": refresh_token, "token_type_hint": "refresh_token"})
    assert revoked.status_code == 200
    assert (await _refresh(client, refresh_token)).json()["error"] == "invalid_grant"
    actors = await _sql(
        database_url,
        "SELECT e.actor FROM audit_event e JOIN refresh_token t ON e.object_id = t.family_id::text "
        "JOIN account a ON a.id = t.account_id WHERE a.username = $1 AND e.action = 'refresh_family.revoked'",
        username,
    )
    me = (await api.me(await api.token(username))).json()
    assert {r["actor"] for r in actors} == {me["id"]}


@pytest.mark.parametrize("token", ["rt_never-issued", "an.access.token"])
async def test_revoking_an_unknown_token_is_still_200(client: httpx.AsyncClient, token: str) -> None:
    assert (await client.post("/v1/auth/revoke", data={"token": token})).status_code == 200


# ---- lockout ----------------------------------------------------------------------------------
async def test_five_failures_lock_the_username_for_the_window(
    client: httpx.AsyncClient, api: Any, database_url: str
) -> None:
    username = await api.make_account(Role.PERSON)
    for _ in range(5):
        failed = await api.login(username, "not the password!")
        assert failed.status_code == 400
        assert failed.json()["error"] == "invalid_grant"

    locked = await api.login(username)  # even the right password
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["code"] == locked.json()["error"] == "invalid_grant"
    retry_after = int(locked.headers["retry-after"])
    assert 890 <= retry_after <= 900
    assert locked.json()["retry_after"] == retry_after
    [audit] = await _audit(database_url, "login.locked", username)
    assert audit["actor"] == "system"

    # The window passes (the failures age by 15 minutes): the right password works again.
    await _sql(
        database_url,
        "UPDATE failed_login SET attempted_at = attempted_at - $2::interval WHERE username = $1",
        username,
        timedelta(minutes=15),
    )
    assert (await api.login(username)).status_code == 200


async def test_lockout_does_not_tell_whether_the_username_exists(api: Any) -> None:
    existing = await api.make_account(Role.PERSON)
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"
    answers = []
    for username in (existing, ghost):
        for _ in range(5):
            await api.login(username, "not the password!")
        locked = await api.login(username, "not the password!")
        body = locked.json()
        del body["request_id"]
        # Seconds apart, so the countdown may differ by one; nothing else may.
        assert 890 <= int(locked.headers.pop("retry-after")) <= 900
        del body["retry_after"], body["detail"]
        answers.append((locked.status_code, body, sorted(locked.headers.keys())))
    assert answers[0][0] == 429
    assert answers[0] == answers[1]


async def test_a_successful_login_clears_earlier_failures(api: Any) -> None:
    username = await api.make_account(Role.PERSON)
    for _ in range(4):
        await api.login(username, "not the password!")
    assert (await api.login(username)).status_code == 200
    for _ in range(4):
        await api.login(username, "not the password!")
    assert (await api.login(username)).status_code == 200


async def test_failures_outside_the_window_are_swept_away(api: Any, database_url: str) -> None:
    """Guessing at many usernames cannot grow the table of failures without bound."""
    ghosts = [f"ghost-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for ghost in ghosts:
        await api.login(ghost, "not the password!")
    await _sql(
        database_url,
        "UPDATE failed_login SET attempted_at = attempted_at - interval '16 minutes' WHERE username = ANY($1)",
        ghosts,
    )
    await api.login(f"ghost-{uuid.uuid4().hex[:8]}", "not the password!")
    assert await _sql(database_url, "SELECT 1 FROM failed_login WHERE username = ANY($1)", ghosts) == []
