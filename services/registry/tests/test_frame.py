"""The registry's frame: its migrations, health, the append-only audit trail, and that every route says
who may call it and answers bad input with a problem, never a 500."""

from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic import command
from fastapi.routing import APIRoute, iter_route_contexts

from cekit.testing import alembic_config, asyncpg_url
from registry.api import ROUTERS
from registry.app import create_app
from registry.config import Settings
from registry.deps import public

SERVICE_DIR = Path(__file__).parents[1]


def test_the_migrations_match_the_models(database_url: str) -> None:
    # alembic check raises when autogenerate would find a difference between models and migrations.
    command.check(alembic_config(SERVICE_DIR, database_url))


def test_an_empty_database_migrates_down_and_up_again(database_url: str) -> None:
    config = alembic_config(SERVICE_DIR, database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["status"] == "ok"


async def test_the_audit_trail_is_append_only(database_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await conn.execute(
            "INSERT INTO audit_event (id, actor, action, object_type, object_id) "
            "VALUES (gen_random_uuid(), 'tester', 'created', 'thing', 'frame-test')"
        )
        for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT actor FROM audit_event WHERE object_id = 'frame-test'") == "tester"
    finally:
        await conn.close()


def _declared_permission(route: Any) -> str | None:
    """The permission a route declares: a role dependency (``require_<roles>``), the authenticated principal
    (any valid token), or the ``public`` marker. None when it declares nothing."""
    for dependency in route.dependant.dependencies:
        call = dependency.call
        name = getattr(call, "__name__", "")
        if call is public:
            return "public"
        if name.startswith("require_") or name == "current_principal":
            return name
    return None


# The shared frame's operations routes (cekit.health): open by design, the same in every service.
FRAME_ROUTES = {"/healthz", "/readyz"}


def _app_routes() -> list[Any]:
    """Every API route the app serves, as served: with the dependencies of the routers that include it."""
    app = create_app(Settings())
    return [
        context
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path not in FRAME_ROUTES
    ]


def test_every_route_declares_who_may_call_it() -> None:
    routes = _app_routes()
    assert len(routes) > 20
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes if _declared_permission(r) is None]
    assert undeclared == []
    assert {r.path for r in routes} == {r.path for router in ROUTERS for r in router.routes}  # nothing outside

    permissions = {f"{next(iter(r.methods))} {r.path}": _declared_permission(r) for r in routes}
    assert permissions["POST /v1/accounts"] == "require_admin"
    assert permissions["POST /v1/clients"] == "require_admin"
    assert permissions["GET /v1/accounts/me"] == "current_principal"
    assert permissions["POST /v1/auth/token"] == permissions["POST /v1/auth/revoke"] == "public"
    assert permissions["GET /.well-known/jwks.json"] == "public"
    assert permissions["POST /v1/internal/registry/person-lookups"] == "require_service"
    assert permissions["POST /v1/persons/checks"] == "require_institution"
    assert permissions["GET /v1/persons/me"] == "require_person"
    public_routes = sorted(name for name, permission in permissions.items() if permission == "public")
    assert public_routes == ["GET /.well-known/jwks.json", "POST /v1/auth/revoke", "POST /v1/auth/token"]


def test_the_declaration_check_catches_an_undeclared_route() -> None:
    # The walk above is only worth something if it notices a route that forgot its permission.
    from fastapi import APIRouter

    stray = APIRouter()

    @stray.get("/v1/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    [route] = [r for r in stray.routes if isinstance(r, APIRoute)]
    assert _declared_permission(route) is None


@pytest.mark.parametrize(
    ("path", "content", "content_type"),
    [
        pytest.param("/v1/auth/token", b'{"grant_type": "password"}', "application/json", id="token-json-body"),
        pytest.param("/v1/auth/token", b"", "application/x-www-form-urlencoded", id="token-empty"),
        pytest.param("/v1/auth/token", b"\xff\xfe%%%=&&=", "application/x-www-form-urlencoded", id="token-garbage"),
        pytest.param("/v1/auth/token", b"--x\r\nbroken", "multipart/form-data; boundary=x", id="token-multipart"),
        pytest.param("/v1/auth/revoke", b"", "application/x-www-form-urlencoded", id="revoke-empty"),
        pytest.param("/v1/auth/revoke", b"[1,2", "application/json", id="revoke-json"),
    ],
)
async def test_malformed_oauth_requests_are_invalid_request(
    client: httpx.AsyncClient, path: str, content: bytes, content_type: str
) -> None:
    response = await client.post(path, content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == response.json()["error"] == "invalid_request"


async def test_a_huge_form_field_is_refused_not_crashed(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/token", data={"grant_type": "password", "username": "u" * 100_000})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_malformed_json_for_an_account_is_a_problem(client: httpx.AsyncClient, api) -> None:  # type: ignore[no-untyped-def]
    from registry.roles import Role

    token = await api.token_for(Role.ADMIN)
    response = await client.post(
        "/v1/accounts", content=b'{"username": ', headers={**api.bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
