"""Every route × every role, on someone else's objects: refused with 403 (no business with the route, or input
outside the caller's scope) or 404 (an object outside the caller's scope, as if it did not exist); in lists,
simply absent. Each route also has an insider who succeeds, so a refusal is never just a broken request.

The world: in Shijiazhuang (130100) an HR and a health authority, an employer, an institution and a person
working there. The callers all belong somewhere else (registry.policy has the rules).
"""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from registry.app import create_app
from registry.config import Settings
from registry.persons.rules import today

ABSENT = "absent"  # a list answers 200 without the object
OK = "ok"  # any 2xx: the route is not about someone else's object for this caller
ROWS_REFUSED = "rows refused"  # an import answers 200 with every row rejected as outside_scope
IMPORTED = "imported"  # an import answers 200 with every row created
CALLERS = (
    "hr_official", "industry_official", "employer_admin", "institution", "institution_client", "expert", "person",
    "partner", "service",
)  # fmt: skip


@dataclass(frozen=True)
class World:
    hr_authority: uuid.UUID
    health_authority: uuid.UUID
    employer: uuid.UUID
    institution: uuid.UUID
    person: uuid.UUID
    person_number: str
    other_employer: uuid.UUID
    other_institution: uuid.UUID
    other_person: uuid.UUID


@pytest.fixture(scope="module")
def world(seed: Any) -> World:
    async def build() -> World:
        employer = await seed.employer("130100", "health")
        number = seed.new_id_number("130102")
        return World(
            hr_authority=await seed.authority("hr", "130100"),
            health_authority=await seed.authority("industry", "130100", "health"),
            employer=employer,
            institution=await seed.institution("130100"),
            person=await seed.person(id_number=number, employer_id=employer, industry="health"),
            person_number=number,
            other_employer=await seed.employer("130200", "education"),
            other_institution=await seed.institution("130200"),
            other_person=await seed.person(region="130203"),
        )

    return asyncio.run(build())


@pytest.fixture(scope="module")
def tokens(mint: Any, world: World) -> dict[str, str]:
    """Outsiders (someone else's region, industry, employer, institution, self) and insiders."""
    return {
        "hr_official": mint("hr_official", region_code="130200", org_id=uuid.uuid4()),
        "industry_official": mint("industry_official", region_code="130100", industry="education", org_id=uuid.uuid4()),
        "employer_admin": mint("employer_admin", org_id=world.other_employer),
        "institution": mint("institution", org_id=world.other_institution),
        "institution_client": mint("institution", org_id=world.other_institution, subject="cl_x", client_id="cl_x"),
        "expert": mint("expert"),
        "person": mint("person", person_id=world.other_person),
        "partner": mint("partner", subject="cl_bj", client_id="cl_bj"),
        "service": mint("service", subject="cl_hours", client_id="cl_hours"),
        # insiders
        "admin": mint("admin"),
        "hr_city": mint("hr_official", region_code="130100", org_id=world.hr_authority),
        "hr_province": mint("hr_official", region_code="130000", org_id=uuid.uuid4()),
        "health_official": mint(
            "industry_official", region_code="130100", industry="health", org_id=world.health_authority
        ),
        "own_institution": mint("institution", org_id=world.institution),
        "themself": mint("person", person_id=world.person),
    }  # fmt: skip


Body = Callable[[World, Any], dict[str, Any]]
File = Callable[[World, Any], bytes]  # a CSV file sent as the raw body


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # formatted with the world's ids
    expect: dict[str, int | str] = field(default_factory=dict)  # caller -> status or ABSENT; 403 otherwise
    insider: tuple[str, int | str] | None = None
    body: Body | None = None
    params: dict[str, str] = field(default_factory=dict)
    listed: str | None = None  # the world's object a list must not show
    file: File | None = None


def _person_body(world: World, seed: Any) -> dict[str, Any]:
    return {"id_number": seed.new_id_number("130102"), "name": "李四", "region_code": "130102",
            "employer_id": str(world.employer), "title_level": "junior", "industry": "health"}  # fmt: skip


def _employer_body(world: World, seed: Any) -> dict[str, Any]:
    return {"credit_code": seed.new_credit_code(), "name": "某公司", "kind": "enterprise", "region_code": "130100",
            "industry": "health"}  # fmt: skip


def _institution_body(world: World, seed: Any) -> dict[str, Any]:
    return {
        "credit_code": seed.new_credit_code(),
        "name": "某培训中心",
        "kind": "training_org",
        "region_code": "130100",
    }


def _csv(header: str, *values: str) -> bytes:
    return f"{header}\r\n{','.join(values)}\r\n".encode()


def _person_file(world: World, seed: Any) -> bytes:
    values = (seed.new_id_number("130102"), "李四", "130102", str(world.employer), "junior", "health")
    return _csv("id_number,name,region_code,employer_id,title_level,industry", *values)


def _employer_file(world: World, seed: Any) -> bytes:
    values = (seed.new_credit_code(), "某公司", "enterprise", "130100", "health")
    return _csv("credit_code,name,kind,region_code,industry", *values)


def _institution_file(world: World, seed: Any) -> bytes:
    return _csv("credit_code,name,kind,region_code", seed.new_credit_code(), "某培训中心", "training_org", "130100")


def _check_body(world: World, seed: Any) -> dict[str, Any]:
    return {"id_number": world.person_number, "name": "张三"}


def _employment_body(world: World, seed: Any) -> dict[str, Any]:
    return {"employer_id": str(world.other_employer), "start_date": str(today() - timedelta(days=1))}


def _title_body(world: World, seed: Any) -> dict[str, Any]:
    return {"title_level": "senior", "effective_date": str(today() - timedelta(days=1))}


NOT_IN_SCOPE = 404
CASES: dict[str, Case] = {
    # ---- people
    "register a person": Case(
        "POST", "/v1/persons", body=_person_body, insider=("hr_city", 201),
        expect={"hr_official": 403, "employer_admin": 403},  # outside_scope: their input names another region/employer
    ),
    "read a person": Case(
        "GET", "/v1/persons/{person}", insider=("health_official", 200),
        expect={"hr_official": 404, "industry_official": 404, "employer_admin": 404, "person": 404},
    ),
    "list people": Case(
        "GET", "/v1/persons", params={"limit": "100"}, listed="person", insider=("hr_province", ABSENT),
        expect={"hr_official": ABSENT, "industry_official": ABSENT, "employer_admin": ABSENT},
    ),
    "record an employment": Case(
        "POST", "/v1/persons/{person}/employments", body=_employment_body,
        expect={"hr_official": 404, "employer_admin": 404},
    ),
    "record a title": Case(
        "POST", "/v1/persons/{person}/titles", body=_title_body, expect={"hr_official": 404, "employer_admin": 404}
    ),
    "read oneself": Case("GET", "/v1/persons/me", insider=("themself", 200), expect={"person": OK}),
    "pre-check a trainee": Case(
        "POST", "/v1/persons/checks", body=_check_body, insider=("own_institution", 200),
        expect={"institution": OK, "institution_client": OK},
    ),
    "look people up": Case(
        "POST", "/v1/internal/registry/person-lookups", insider=("service", 200), expect={"service": OK},
        body=lambda world, seed: {"items": [_check_body(world, seed)]},
    ),
    "read a person's facts for their rules": Case(
        "GET", "/v1/internal/registry/persons/{person}/facts", insider=("service", 200), expect={"service": OK}
    ),
    "read a person's identity for their certificate": Case(
        "GET", "/v1/internal/registry/persons/{person}/identity", insider=("service", 200), expect={"service": OK}
    ),
    # ---- employers
    "register an employer": Case(
        "POST", "/v1/employers", body=_employer_body, insider=("hr_city", 201), expect={"hr_official": 403}
    ),
    "read an employer": Case(
        "GET", "/v1/employers/{employer}", insider=("health_official", 200),
        expect={"hr_official": 404, "industry_official": 404, "employer_admin": 404},
    ),
    "list employers": Case(
        "GET", "/v1/employers", params={"limit": "100"}, listed="employer", insider=("hr_city", ABSENT),
        expect={"hr_official": ABSENT, "industry_official": ABSENT, "employer_admin": ABSENT},
    ),
    "change an employer": Case(
        "PATCH", "/v1/employers/{employer}", body=lambda w, s: {"name": "某医院"}, insider=("hr_city", 200),
        expect={"hr_official": 404},
    ),
    # ---- institutions
    "register an institution": Case(
        "POST", "/v1/institutions", body=_institution_body, insider=("hr_city", 201), expect={"hr_official": 403}
    ),
    "read an institution": Case(
        "GET", "/v1/institutions/{institution}", insider=("own_institution", 200),
        expect={"hr_official": 404, "institution": 404, "institution_client": 404},
    ),
    "list institutions": Case(
        "GET", "/v1/institutions", params={"limit": "100"}, listed="institution", insider=("hr_city", ABSENT),
        expect={"hr_official": ABSENT, "institution": ABSENT, "institution_client": ABSENT},
    ),
    "change an institution": Case(
        "PATCH", "/v1/institutions/{institution}", body=lambda w, s: {"name": "某大学"}, insider=("hr_city", 200),
        expect={"hr_official": 404},
    ),
    # ---- authorities
    "register an authority": Case(
        "POST", "/v1/authorities", insider=("hr_city", 201), expect={"hr_official": 403},
        body=lambda w, s: {"kind": "hr", "level": "county", "region_code": "130104", "name": "桥西区人社局"},
    ),
    "read an authority": Case(
        "GET", "/v1/authorities/{hr_authority}", insider=("hr_province", 200),
        expect={"hr_official": 404, "industry_official": 404},
    ),
    "list authorities": Case(
        "GET", "/v1/authorities", params={"limit": "100"}, listed="hr_authority", insider=("hr_province", ABSENT),
        expect={"hr_official": ABSENT, "industry_official": ABSENT},
    ),
    "change an authority": Case(
        "PATCH", "/v1/authorities/{hr_authority}", body=lambda w, s: {"name": "130100 hr"},
        insider=("hr_province", 200), expect={"hr_official": 404},
    ),
    # ---- bulk imports: refused per row (outside_scope) for those with the role but not the rows' scope
    "import people": Case(
        "POST", "/v1/imports/persons", file=_person_file, insider=("hr_city", IMPORTED),
        expect={"hr_official": ROWS_REFUSED, "employer_admin": ROWS_REFUSED},
    ),
    "import employers": Case(
        "POST", "/v1/imports/employers", file=_employer_file, insider=("hr_city", IMPORTED),
        expect={"hr_official": ROWS_REFUSED},
    ),
    "import institutions": Case(
        "POST", "/v1/imports/institutions", file=_institution_file, insider=("hr_city", IMPORTED),
        expect={"hr_official": ROWS_REFUSED},
    ),
    # ---- accounts and clients
    "create an account": Case(
        "POST", "/v1/accounts", insider=("admin", 201),
        body=lambda w, s: {"username": f"e-{uuid.uuid4().hex[:8]}", "password": "a long enough password",
                           "role": "employer_admin", "org_id": str(w.employer)},
    ),
    "register a machine client": Case(
        "POST", "/v1/clients", insider=("admin", 201),
        body=lambda w, s: {"name": "LMS", "role": "institution", "org_id": str(w.institution)},
    ),
}  # fmt: skip


async def _outcome(client: httpx.AsyncClient, case: Case, world: World, seed: Any, token: str) -> int | str:
    """The status, or for a list whether the world's object is in it, or for an import whether its rows went in."""
    url = case.path.format(**{k: v for k, v in world.__dict__.items() if isinstance(v, uuid.UUID)})
    body = case.body(world, seed) if case.body else None
    if case.file is not None:
        headers = {**_bearer(token), "Content-Type": "text/csv"}
        response = await client.request(case.method, url, content=case.file(world, seed), headers=headers)
    else:
        response = await client.request(case.method, url, json=body, params=case.params, headers=_bearer(token))
    if case.listed and response.status_code == 200:
        ids = {item["id"] for item in response.json()["items"]}
        return "listed" if str(getattr(world, case.listed)) in ids else ABSENT
    if case.file is not None and response.status_code == 200:
        result = response.json()
        if result["created"] == result["total_rows"]:
            return IMPORTED
        refused = all(error["code"] == "outside_scope" for error in result["errors"])
        return ROWS_REFUSED if refused and result["rejected"] == result["total_rows"] else str(result)
    if response.status_code in (403, 404):
        assert response.headers["content-type"] == "application/problem+json"
        if response.status_code == 404:  # as if it did not exist
            assert response.json()["code"].endswith("not_found")
    return response.status_code


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("name", list(CASES))
async def test_someone_elses_objects_are_refused(
    client: httpx.AsyncClient, world: World, tokens: dict[str, str], seed: Any, name: str
) -> None:
    case = CASES[name]
    seen, expected = {}, {}
    for caller in CALLERS:
        expected[caller] = case.expect.get(caller, 403)
        outcome = await _outcome(client, case, world, seed, tokens[caller])
        is_success = isinstance(outcome, int) and 200 <= outcome < 300
        seen[caller] = OK if expected[caller] == OK and is_success else outcome
    assert seen == expected
    if case.insider is not None:  # the same request from someone with rights works
        insider, status = case.insider
        outcome = await _outcome(client, case, world, seed, tokens[insider])
        assert outcome == ("listed" if status == ABSENT else status), f"{insider}: {outcome}"


def test_the_matrix_covers_every_route() -> None:
    from fastapi.routing import APIRoute, iter_route_contexts

    app = create_app(Settings())
    served = {
        f"{next(iter(c.methods))} {c.path}"
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute)
    }
    covered = {f"{case.method} {case.path}".replace("{person}", "{person_id}") for case in CASES.values()}
    covered = {
        path.replace("{employer}", "{employer_id}")
        .replace("{institution}", "{institution_id}")
        .replace("{hr_authority}", "{authority_id}")
        for path in covered
    }
    # Open or caller-bound by nature: the token endpoints, the key set, health, and one's own account.
    not_about_objects = {
        "POST /v1/auth/token", "POST /v1/auth/revoke", "GET /.well-known/jwks.json", "GET /healthz", "GET /readyz",
        "GET /v1/accounts/me",
    }  # fmt: skip
    assert served - not_about_objects == covered
