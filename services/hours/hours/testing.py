"""Test support for the hours service and for tests of services that call it: a fake registry that serves
exactly the registry's lookup contract (``hours.clients.registry``) from an in-memory list of people, and a
builder of learning records. The real registry is exercised by the end-to-end tests."""

import asyncio
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cekit.identifiers import IdNumberError, id_check_character, parse_id_number
from cekit.testing import TEST_AUDIENCE, TEST_ISSUER, TokenMinter
from hours.config import Settings

CLIENT_ID = "hours-service"
CLIENT_SECRET = "hours-service-secret"


@dataclass(frozen=True)
class FakePerson:
    person_id: uuid.UUID
    id_number: str
    name: str
    region_code: str
    employer_id: uuid.UUID | None
    title_level: str
    industry: str


def settings_for(database_url: str, **overrides: Any) -> Settings:
    """Settings of an hours service under test: the test token issuer, the fake registry's credentials."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "token_issuer": TEST_ISSUER,
        "token_audience": TEST_AUDIENCE,
        "peers": {},
        "registry_url": "http://registry.test",
        "registry_client_id": CLIENT_ID,
        "registry_client_secret": CLIENT_SECRET,
        "log_json": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


def new_id_number(region_code: str = "130102", birth: date | None = None) -> str:
    """A valid GB 11643 number; birth date random (1960–1999) unless given."""
    born = birth or date(1960, 1, 1) + timedelta(days=secrets.randbelow(40 * 365))
    first17 = region_code + born.strftime("%Y%m%d") + f"{secrets.randbelow(1000):03d}"
    return first17 + id_check_character(first17)


@dataclass
class FakeRegistry:
    """``POST /v1/auth/token`` (client credentials) and ``POST /v1/internal/registry/person-lookups``."""

    expires_in: int = 300
    down: bool = False
    lookup_delay: float = 0.0
    people: dict[str, FakePerson] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    lookup_calls: int = 0

    def add_person(
        self,
        region_code: str = "130102",
        *,
        title_level: str = "intermediate",
        industry: str = "engineering",
        employer_id: uuid.UUID | None = None,
        name: str | None = None,
    ) -> FakePerson:
        while True:
            id_number = new_id_number(region_code)
            if id_number not in self.people:
                break
        person = FakePerson(
            person_id=uuid.uuid4(),
            id_number=id_number,
            name=name or f"测试{secrets.token_hex(2)}",
            region_code=region_code,
            employer_id=employer_id,
            title_level=title_level,
            industry=industry,
        )
        self.people[id_number] = person
        return person

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/auth/token", self._token, methods=["POST"]),
                Route("/v1/internal/registry/person-lookups", self._lookup, methods=["POST"]),
                Route("/v1/internal/registry/persons/{person_id}/facts", self._facts, methods=["GET"]),
            ]
        )

    async def _token(self, request: Request) -> JSONResponse:
        if self.down:
            return JSONResponse({"detail": "down"}, status_code=503)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        self.token_requests += 1
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in})

    async def _lookup(self, request: Request) -> JSONResponse:
        if self.down:
            return JSONResponse({"detail": "down"}, status_code=503)
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        body = json.loads(await request.body())
        items = body["items"]
        if len(items) > 1000:
            return JSONResponse({"code": "validation_failed"}, status_code=422)
        self.lookup_calls += 1
        if self.lookup_delay:
            await asyncio.sleep(self.lookup_delay)
        return JSONResponse({"results": [self._one(item["id_number"], item["name"]) for item in items]})

    async def _facts(self, request: Request) -> JSONResponse:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if self.down:
            return JSONResponse({"detail": "down"}, status_code=503)
        if scheme.lower() != "bearer" or token not in self.tokens:
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        wanted = request.path_params["person_id"]
        for person in self.people.values():
            if str(person.person_id) == wanted:
                return JSONResponse(self._found(person))
        return JSONResponse({"code": "person_not_found"}, status_code=404)

    def _one(self, id_number: str, name: str) -> dict[str, Any]:
        try:
            parsed = parse_id_number(id_number)
        except IdNumberError as exc:
            return {"status": "invalid_id_number", "reason": str(exc)}
        person = self.people.get(parsed.number)
        if person is None:
            return {"status": "unknown_person", "reason": "No person with this ID number is registered."}
        if person.name != name:
            return {"status": "name_mismatch", "reason": "The name differs from the one registered."}
        return self._found(person)

    @staticmethod
    def _found(person: FakePerson) -> dict[str, Any]:
        return {
            "status": "found",
            "person_id": str(person.person_id),
            "region_code": person.region_code,
            "province_code": person.region_code[:2] + "0000",
            "employer_id": str(person.employer_id) if person.employer_id else None,
            "title_level": person.title_level,
            "industry": person.industry,
        }


def record(
    person: FakePerson,
    activity: str = "training",
    *,
    external_id: str | None = None,
    category: str = "professional",
    start: date = date(2026, 3, 2),
    end: date = date(2026, 3, 4),
    **fields: Any,
) -> dict[str, Any]:
    """A learning record of ``person`` as an institution would push it (``external_id`` random by default)."""
    body: dict[str, Any] = {
        "external_id": external_id or f"ext-{uuid.uuid4().hex[:12]}",
        "id_number": person.id_number,
        "name": person.name,
        "category": category,
        "activity": activity,
        "title": f"{activity} course",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }
    body.update(fields)
    return body


class Callers:
    """Authorization headers for each kind of caller, with the claims the registry would put in the token."""

    def __init__(self, minter: TokenMinter) -> None:
        self.minter = minter

    def _headers(self, roles: tuple[str, ...], **claims: Any) -> dict[str, str]:
        token = self.minter.mint(f"acct-{uuid.uuid4().hex[:8]}", roles=roles, **claims)
        return {"Authorization": f"Bearer {token}"}

    def institution(self, org_id: uuid.UUID | None = None) -> dict[str, str]:
        return self._headers(("institution",), org_id=str(org_id or uuid.uuid4()), region_code="130100")

    def person(self, person: FakePerson) -> dict[str, str]:
        return self._headers(
            ("person",), person_id=str(person.person_id), region_code=person.region_code, industry=person.industry
        )

    def employer(self, org_id: uuid.UUID) -> dict[str, str]:
        return self._headers(("employer_admin",), org_id=str(org_id), region_code="130100", industry="engineering")

    def hr(self, region_code: str = "130000") -> dict[str, str]:
        return self._headers(("hr_official",), org_id=str(uuid.uuid4()), region_code=region_code)

    def industry(self, industry: str = "engineering", region_code: str | None = "130000") -> dict[str, str]:
        claims: dict[str, Any] = {"org_id": str(uuid.uuid4()), "industry": industry}
        if region_code:
            claims["region_code"] = region_code
        return self._headers(("industry_official",), **claims)

    def admin(self) -> dict[str, str]:
        return self._headers(("admin",))

    def service(self) -> dict[str, str]:
        """A machine client of this deployment (the certificates service)."""
        return self._headers(("service",))

    def expert(self) -> dict[str, str]:
        return self._headers(("expert",))
