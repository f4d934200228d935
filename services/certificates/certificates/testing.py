"""Test support for the certificates service: fakes of the registry and the hours service that serve exactly the
contracts ``certificates.clients`` reads (token, identity; compliance, certified records), from memory; and
tokens for every kind of caller. The real services are exercised by the end-to-end tests.

The fake hours service decides whose compliance a forwarded token may read by the hours service's published
rule (admin and service: anyone; a person: themself; an employer: its staff; HR: its region; industry: its
industry), reading the token's claims without verifying them (the certificates service verified them already).
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cekit.identifiers import id_check_character
from cekit.testing import TEST_AUDIENCE, TEST_ISSUER, TokenMinter
from certificates.config import Settings

CLIENT_ID = "certificates-service"
CLIENT_SECRET = "certificates-service-secret"
REGISTRY_URL = "http://registry.test"
HOURS_URL = "http://hours.test"
PUBLIC_BASE_URL = "https://ce.test"
# Hebei, 000 art. 5: 90 hours a year, at least 30 public and 60 professional.
HEBEI = {"total": Decimal(90), "public": Decimal(30), "professional": Decimal(60), "public_required": None}


def settings_for(database_url: str, keys_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "token_issuer": TEST_ISSUER,
        "token_audience": TEST_AUDIENCE,
        "peers": {},
        "registry_url": REGISTRY_URL,
        "hours_url": HOURS_URL,
        "registry_client_id": CLIENT_ID,
        "registry_client_secret": CLIENT_SECRET,
        "signing_keys_dir": keys_dir,
        "public_base_url": PUBLIC_BASE_URL,
        "region_code": "130000",
        "log_json": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


def new_id_number(region_code: str = "130102") -> str:
    born = date(1960, 1, 1) + timedelta(days=secrets.randbelow(40 * 365))
    first17 = region_code + born.strftime("%Y%m%d") + f"{secrets.randbelow(1000):03d}"
    return first17 + id_check_character(first17)


@dataclass
class FakePerson:
    person_id: uuid.UUID
    id_number: str
    name: str
    region_code: str
    employer_id: uuid.UUID | None
    industry: str
    records: list[dict[str, Any]] = field(default_factory=list)

    def certify(
        self,
        *,
        year: int = 2025,
        category: str = "professional",
        activity: str = "training",
        hours: str = "24",
        title: str | None = None,
        institution_id: uuid.UUID | None = None,
        result: str | None = "合格",
        required: bool = False,
        recognised_from: str | None = None,
        start: date | None = None,
    ) -> uuid.UUID:
        """A certified record of this person, as the hours service would list it."""
        record_id = uuid.uuid4()
        start = start or date(year, 3, 2)
        self.records.append(
            {
                "record_id": str(record_id),
                "year": year,
                "category": category,
                "activity": activity,
                "title": title or f"{activity} {category} {year}",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=2)).isoformat(),
                "hours": float(hours),
                "required": required,
                "result": result,
                "submitter_type": "partner" if recognised_from else "institution" if institution_id else "person",
                "submitter_id": str(institution_id or uuid.uuid4()),
                "institution_id": str(institution_id) if institution_id else None,
                "source": "recognised" if recognised_from else "local",
                "recognised_from": recognised_from,
            }
        )
        return record_id


@dataclass
class FakePeers:
    """The registry and the hours service as the certificates service sees them."""

    people: dict[uuid.UUID, FakePerson] = field(default_factory=dict)
    organisations: dict[uuid.UUID, str] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    registry_down: bool = False
    hours_down: bool = False
    token_requests: int = 0
    identity_reads: int = 0

    def add_person(
        self,
        *,
        region_code: str = "130102",
        employer_id: uuid.UUID | None = None,
        industry: str = "engineering",
        name: str | None = None,
    ) -> FakePerson:
        person = FakePerson(
            person_id=uuid.uuid4(),
            id_number=new_id_number(region_code),
            name=name or f"测试{secrets.token_hex(2)}",
            region_code=region_code,
            employer_id=employer_id,
            industry=industry,
        )
        self.people[person.person_id] = person
        return person

    def add_institution(self, name: str = "河北某大学继续教育学院") -> uuid.UUID:
        institution_id = uuid.uuid4()
        self.organisations[institution_id] = name
        return institution_id

    # ---- the registry ------------------------------------------------------------------------------------
    def registry_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/auth/token", self._token, methods=["POST"]),
                Route("/v1/internal/registry/persons/{person_id}/identity", self._identity, methods=["GET"]),
            ]
        )

    async def _token(self, request: Request) -> JSONResponse:
        if self.registry_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        self.token_requests += 1
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 300})

    def _service_token_ok(self, request: Request) -> bool:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and token in self.tokens

    async def _identity(self, request: Request) -> JSONResponse:
        if self.registry_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        if not self._service_token_ok(request):
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        person = self.people.get(uuid.UUID(request.path_params["person_id"]))
        if person is None:
            return JSONResponse({"code": "person_not_found"}, status_code=404)
        self.identity_reads += 1
        wanted = [uuid.UUID(v) for v in request.query_params.getlist("organisation_id")]
        return JSONResponse(
            {
                "person_id": str(person.person_id),
                "id_number": person.id_number,
                "name": person.name,
                "region_code": person.region_code,
                "organisations": [
                    {"id": str(org), "name": self.organisations[org], "type": "institution"}
                    for org in wanted
                    if org in self.organisations
                ],
            }
        )

    # ---- the hours service -------------------------------------------------------------------------------
    def hours_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/compliance/{person_id}", self._compliance, methods=["GET"]),
                Route("/v1/internal/hours/persons/{person_id}/certified-records", self._certified, methods=["GET"]),
            ]
        )

    async def _compliance(self, request: Request) -> JSONResponse:
        if self.hours_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return JSONResponse({"code": "token_missing"}, status_code=401)
        claims = jwt.decode(token, options={"verify_signature": False})
        person = self.people.get(uuid.UUID(request.path_params["person_id"]))
        if person is None or not may_see(claims, person):
            return JSONResponse({"code": "person_not_found"}, status_code=404)
        year = int(request.query_params["year"])
        records = [r for r in person.records if r["year"] == year]
        credited = {
            "public": sum((Decimal(str(r["hours"])) for r in records if r["category"] == "public"), Decimal(0)),
            "professional": sum(
                (Decimal(str(r["hours"])) for r in records if r["category"] == "professional"), Decimal(0)
            ),
            "public_required": sum(
                (Decimal(str(r["hours"])) for r in records if r["category"] == "public" and r["required"]), Decimal(0)
            ),
        }
        credited["total"] = credited["public"] + credited["professional"]
        compliant = all(need is None or credited[key] >= need for key, need in HEBEI.items())
        return JSONResponse(
            {
                "person_id": str(person.person_id),
                "year": year,
                "jurisdiction": "130000",
                "required": {k: (float(v) if v is not None else None) for k, v in HEBEI.items()},
                "credited": {k: float(v) for k, v in credited.items()},
                "pending": dict.fromkeys(HEBEI, 0),
                "compliant": compliant,
                "shortfall": dict.fromkeys(HEBEI),
                "entries": [],
            }
        )

    async def _certified(self, request: Request) -> JSONResponse:
        if self.hours_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        if not self._service_token_ok(request):
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        person = self.people.get(uuid.UUID(request.path_params["person_id"]))
        if person is None or not person.records:
            return JSONResponse({"code": "person_not_found"}, status_code=404)
        year = request.query_params.get("year")
        records = [r for r in person.records if year is None or r["year"] == int(year)]
        return JSONResponse({"person_id": str(person.person_id), "records": records})


def may_see(claims: dict[str, Any], person: FakePerson) -> bool:
    roles = claims.get("roles") or []
    if "admin" in roles or "service" in roles:
        return True
    if "person" in roles and claims.get("person_id") == str(person.person_id):
        return True
    if "employer_admin" in roles and person.employer_id is not None and claims.get("org_id") == str(person.employer_id):
        return True
    region = str(claims.get("region_code") or "")
    if "hr_official" in roles and region:
        # A province (xx0000) covers its cities and counties, a city (xxxx00) its counties.
        digits = 2 if region.endswith("0000") else 4 if region.endswith("00") else 6
        if person.region_code[:digits] == region[:digits]:
            return True
    return "industry_official" in roles and claims.get("industry") == person.industry


class Callers:
    """Authorization headers for each kind of caller, with the claims the registry would put in the token."""

    def __init__(self, minter: TokenMinter) -> None:
        self.minter = minter

    def _headers(self, roles: tuple[str, ...], **claims: Any) -> dict[str, str]:
        token = self.minter.mint(f"acct-{uuid.uuid4().hex[:8]}", roles=roles, **claims)
        return {"Authorization": f"Bearer {token}"}

    def person(self, person: FakePerson) -> dict[str, str]:
        return self._headers(
            ("person",), person_id=str(person.person_id), region_code=person.region_code, industry=person.industry
        )

    def employer(self, org_id: uuid.UUID) -> dict[str, str]:
        return self._headers(("employer_admin",), org_id=str(org_id), region_code="130100", industry="engineering")

    def hr(self, region_code: str = "130000") -> dict[str, str]:
        return self._headers(("hr_official",), org_id=str(uuid.uuid4()), region_code=region_code)

    def industry(self, industry: str = "engineering") -> dict[str, str]:
        return self._headers(("industry_official",), org_id=str(uuid.uuid4()), industry=industry, region_code="130000")

    def admin(self) -> dict[str, str]:
        return self._headers(("admin",))

    def institution(self) -> dict[str, str]:
        return self._headers(("institution",), org_id=str(uuid.uuid4()))
