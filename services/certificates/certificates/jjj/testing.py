"""Test support for mutual recognition: the registry's person lookup and the hours service's recognised-credits
endpoints on top of ``certificates.testing.FakePeers`` (serving exactly the contracts ``certificates.clients`` read,
from memory, and recording the calls), and an HTTP transport that routes by host, so that one test can run two
provinces' certificates apps side by side and cut one off.
"""

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cekit.testing import TokenMinter, running_app
from certificates.app import create_app
from certificates.keys import KeyStore
from certificates.testing import PUBLIC_BASE_URL, Callers, FakePeers, FakePerson, settings_for


@dataclass
class Recognised:
    issuer: str
    entry_id: str
    credential_id: str
    person_id: uuid.UUID
    record_id: uuid.UUID
    hours: Decimal
    withdrawn: bool = False


@dataclass
class JjjPeers(FakePeers):
    """``FakePeers`` plus ``POST …/person-lookups`` (registry) and ``POST …/recognised-credits`` / ``…:withdraw``
    (hours), with the hours service's rules: idempotent per (issuer, entry id), an entry belongs to one person
    (409), a withdrawal reverses what is still certified and nothing the second time. Recognised hours appear in
    the person's certified records and compliance like any other."""

    recognised: dict[tuple[str, str], Recognised] = field(default_factory=dict)
    recognise_calls: list[dict[str, Any]] = field(default_factory=list)
    withdraw_calls: list[dict[str, Any]] = field(default_factory=list)

    def person_with(self, *, id_number: str, name: str, region_code: str = "130102", **kw: Any) -> FakePerson:
        person = self.add_person(region_code=region_code, name=name, **kw)
        person.id_number = id_number
        return person

    def registry_app(self) -> Starlette:
        app = super().registry_app()
        app.router.routes.append(Route("/v1/internal/registry/person-lookups", self._lookup, methods=["POST"]))
        return app

    def hours_app(self) -> Starlette:
        app = super().hours_app()
        app.router.routes.extend(
            [
                Route("/v1/internal/hours/recognised-credits", self._recognise, methods=["POST"]),
                Route("/v1/internal/hours/recognised-credits:withdraw", self._withdraw, methods=["POST"]),
            ]
        )
        return app

    def _find(self, id_number: str, name: str) -> dict[str, Any]:
        for person in self.people.values():
            if person.id_number == id_number:
                if person.name != name:
                    return {"status": "name_mismatch", "reason": "the name does not match the registered name"}
                return {
                    "status": "found",
                    "person_id": str(person.person_id),
                    "region_code": person.region_code,
                    "province_code": person.region_code[:2] + "0000",
                    "employer_id": str(person.employer_id) if person.employer_id else None,
                    "title_level": "intermediate",
                    "industry": person.industry,
                }
        return {"status": "unknown_person", "reason": "no person is registered with this ID number"}

    async def _lookup(self, request: Request) -> JSONResponse:
        if self.registry_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        if not self._service_token_ok(request):
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        items = (await request.json())["items"]
        return JSONResponse({"results": [self._find(i["id_number"], i["name"]) for i in items]})

    async def _recognise(self, request: Request) -> JSONResponse:
        if self.hours_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        if not self._service_token_ok(request):
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        body = await request.json()
        self.recognise_calls.append(body)
        found = self._find(body["id_number"], body["name"])
        if found["status"] != "found":
            return JSONResponse({"code": found["status"], "detail": found["reason"]}, status_code=422)
        person = self.people[uuid.UUID(found["person_id"])]
        results = []
        for entry in body["entries"]:
            key = (body["issuer"], entry["entry_id"])
            known = self.recognised.get(key)
            if known is not None and known.person_id != person.person_id:
                return JSONResponse({"code": "conflict", "detail": "recognised for another person"}, status_code=409)
            if known is None:
                record_id = person.certify(
                    year=int(entry["end_date"][:4]),
                    category=entry["category"],
                    activity="recognised",
                    hours=entry["hours"],
                    title=entry["title"],
                    recognised_from=body["partner_region_code"],
                )
                known = Recognised(
                    body["issuer"], entry["entry_id"], body["credential_id"], person.person_id, record_id,
                    Decimal(entry["hours"]),
                )  # fmt: skip
                self.recognised[key] = known
                status = "created"
            else:
                status = "duplicate"
            results.append(
                {
                    "entry_id": entry["entry_id"],
                    "status": status,
                    "record_id": str(known.record_id),
                    "credited_hours": float(known.hours),
                }
            )
        return JSONResponse({"person_id": str(person.person_id), "results": results})

    async def _withdraw(self, request: Request) -> JSONResponse:
        if self.hours_down:
            return JSONResponse({"detail": "down"}, status_code=503)
        if not self._service_token_ok(request):
            return JSONResponse({"code": "token_invalid"}, status_code=401)
        body = await request.json()
        self.withdraw_calls.append(body)
        withdrawn, total = [], Decimal(0)
        for item in self.recognised.values():
            if item.issuer == body["issuer"] and item.credential_id == body["credential_id"] and not item.withdrawn:
                item.withdrawn = True
                person = self.people[item.person_id]
                person.records = [r for r in person.records if r["record_id"] != str(item.record_id)]
                withdrawn.append(str(item.record_id))
                total += item.hours
        return JSONResponse({"withdrawn": withdrawn, "hours": float(total)})


class HostTransport(httpx.AsyncBaseTransport):
    """Routes each request by its host to that host's transport (a partner app over ASGI); a host in ``down``, or
    one not known, cannot be reached (``httpx.ConnectError``), as a partner province offline."""

    def __init__(self, hosts: Mapping[str, httpx.AsyncBaseTransport]) -> None:
        self.hosts = dict(hosts)
        self.down: set[str] = set()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down or host not in self.hosts:
            raise httpx.ConnectError(f"{host} cannot be reached", request=request)
        self.requests.append(request)
        return await self.hosts[host].handle_async_request(request)

    def count(self, path_prefix: str) -> int:
        return sum(1 for r in self.requests if r.url.path.startswith(path_prefix))


# ---- two provinces in one test -------------------------------------------------------------------------------
BEIJING = "https://bj.test"
BEIJING_ISSUER = "urn:ce:110000:certificates"


@dataclass
class Provinces:
    """Beijing (110000, at ``BEIJING``) and Hebei (130000, at ``certificates.testing.PUBLIC_BASE_URL``): two
    certificates apps on their own databases and keys. Hebei reaches Beijing through ``network`` (a host can be cut
    off); each has its own fake registry and hours service."""

    beijing: httpx.AsyncClient
    hebei: httpx.AsyncClient
    beijing_peers: JjjPeers
    hebei_peers: JjjPeers
    beijing_keys: KeyStore
    hebei_keys: KeyStore
    network: HostTransport
    callers: Callers

    async def register_beijing(self) -> dict[str, Any]:
        """Hebei's admin registers Beijing as a partner, from Beijing's partner-info."""
        info = (await self.beijing.get("/jjj/v1/partner-info")).json()
        response = await self.hebei.post(
            "/v1/partners",
            json={
                "region_code": info["region_code"],
                "name": info["name"],
                "issuer": info["issuer"],
                "jwks_url": info["jwks_url"],
                "base_url": BEIJING,
            },
            headers=self.callers.admin(),
        )
        assert response.status_code == 201, response.text
        partner: dict[str, Any] = response.json()
        return partner

    async def beijing_statement(self, person: FakePerson, year: int = 2025) -> dict[str, Any]:
        response = await self.beijing.post(
            "/v1/statements", json={"person_id": str(person.person_id), "year": year}, headers=self.callers.admin()
        )
        assert response.status_code == 201, response.text
        issued: dict[str, Any] = response.json()
        return issued


@asynccontextmanager
async def two_provinces(
    *,
    beijing_database_url: str,
    hebei_database_url: str,
    directory: Path,
    minter: TokenMinter,
    **hebei_settings: Any,
) -> AsyncIterator[Provinces]:
    beijing_keys, hebei_keys = KeyStore(directory / "beijing-keys"), KeyStore(directory / "hebei-keys")
    beijing_keys.create()
    hebei_keys.create()
    beijing_peers, hebei_peers = JjjPeers(), JjjPeers()
    beijing_app = create_app(
        settings_for(
            beijing_database_url,
            beijing_keys.directory,
            region_code="110000",
            public_base_url=BEIJING,
            issuer_name="北京市专业技术人员继续教育证书",
            reverify_every_seconds=0,
        ),
        key_fetcher=minter.fetcher(),
        registry_transport=httpx.ASGITransport(app=beijing_peers.registry_app()),
        hours_transport=httpx.ASGITransport(app=beijing_peers.hours_app()),
    )
    async with running_app(beijing_app, base_url=BEIJING) as beijing:
        network = HostTransport({"bj.test": httpx.ASGITransport(app=beijing_app)})
        hebei_app = create_app(
            settings_for(
                hebei_database_url,
                hebei_keys.directory,
                issuer_name="河北省专业技术人员继续教育证书",
                **{"reverify_every_seconds": 0, **hebei_settings},
            ),
            key_fetcher=minter.fetcher(),
            registry_transport=httpx.ASGITransport(app=hebei_peers.registry_app()),
            hours_transport=httpx.ASGITransport(app=hebei_peers.hours_app()),
            partner_transport=network,
        )
        async with running_app(hebei_app, base_url=PUBLIC_BASE_URL) as hebei:
            yield Provinces(
                beijing=beijing,
                hebei=hebei,
                beijing_peers=beijing_peers,
                hebei_peers=hebei_peers,
                beijing_keys=beijing_keys,
                hebei_keys=hebei_keys,
                network=network,
                callers=Callers(minter),
            )
