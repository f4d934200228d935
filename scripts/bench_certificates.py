"""Certificates against their targets (issue 5, "Speed"): ``make bench-certificates``.

Starts a real deployment with the launcher (``ce-platform run``, embedded PostgreSQL in a temporary data
directory; ``scripts.bench_hours`` starts and stops it), and sets it up through the gateway as people would: an
institution and its machine client, a few people, a batch of learning records pushed by the institution and
certified by the admin through the review endpoint (000 art. 14), then a signed annual statement. It measures,
in one run:

* ``POST /v1/verifications`` through the gateway with that statement (public, no token): requests/s, p50, p99,
  with ``wrk`` and a Lua script for the POST body when ``wrk`` is on PATH, else an aiohttp client in its own
  process. Target: ≥ 1,200 requests/s with p99 ≤ 60 ms;
* statement issuance (``POST /v1/statements`` through the gateway as admin): one at a time, then over a few
  concurrent connections;
* the bare baseline: a FastAPI endpoint (uvicorn, one worker, no gateway, no database) verifying the same compact
  EdDSA JWS with PyJWT and a key parsed once, loaded the same way; and the ratio verifications / baseline;
* a partner verifying offline: it fetches our JWKS and the status lists once (their ``Cache-Control`` printed),
  then verifies every issued statement locally — signature, validity, both status bits — through an HTTP client
  whose transport fails, so the count of attempted calls shows there were none until ``max-age`` runs out.

Prints a table (figure, measured, target, baseline, ratio, what the rest of the machine used meanwhile) and the
CPU each process took per request. When verification throughput is below half its target (or with
``--profile yes``), profiles the certificates service's own path in-process (cProfile, ASGI calls straight into
the app on the deployment's database and keys) and prints where the time goes.

``--quick`` is a smoke run (short loads, fewer statements).
"""

import argparse
import asyncio
import base64
import contextlib
import cProfile
import gc
import gzip
import io
import json
import multiprocessing
import os
import pstats
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt

from launcher.config import Deployment
from scripts.bench_gateway import Result, aiohttp_load, free_port, parse_wrk, result_line, start_uvicorn
from scripts.bench_hours import (
    REGION,
    CpuWatch,
    Platform,
    admin_token,
    client_token,
    cpu_line,
    create_institution,
    person_identity,
    start_platform,
    stop_platform,
    wait_ready,
)

VERIFY_PATH = "/v1/verifications"
BARE_PATH = "/bare/verify"
BARE_JWK_ENV = "BENCH_CERTIFICATES_JWK"
PERSON_REGION = "130102"
TARGETS = {"verifications": 1_200.0, "verify_p99_ms": 60.0}
_START = time.monotonic()


def say(message: str) -> None:
    print(f"[bench-certificates {time.monotonic() - _START:7.1f}s] {message}", flush=True)


def _expect(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.text[:500]}")


# ------------------------------------------------------------------------------------ the platform
def service_pids(platform: Platform) -> dict[str, int]:
    """The launcher's child processes by service (gateway, registry, hours, certificates), from /proc."""
    markers = {
        "gateway": "-m\0gateway",
        "registry": "registry.app:create_app",
        "hours": "hours.app:create_app",
        "certificates": "certificates.app:create_app",
    }
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_text()
        except (OSError, IndexError, ValueError):
            continue
        if parent != platform.process.pid:
            continue
        for name, marker in markers.items():
            if marker in cmdline:
                found[name] = int(entry.name)
    return found


# ---------------------------------------------------------------------------------- setup via the API
@dataclass
class Person:
    person_id: str
    id_number: str
    name: str


def register_people(http: httpx.Client, token: str, count: int) -> list[Person]:
    """People without an employer: their records go straight to certification (000 art. 14)."""
    people = []
    for index in range(count):
        number, name = person_identity(index)
        response = http.post(
            "/v1/persons",
            json={"id_number": number, "name": name, "region_code": PERSON_REGION, "title_level": "intermediate",
                  "industry": "engineering"},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        _expect(response, 201, "POST /v1/persons")
        people.append(Person(response.json()["id"], number, name))
    return people


def records_of(person: Person, year: int, nonce: str) -> list[dict[str, Any]]:
    """A year of an engineer's continuing education as the institution's system pushes it (000 art. 7): an exam,
    a three-day training and the public-subject online courses."""
    base = {"id_number": person.id_number, "name": person.name}
    return [
        {**base, "external_id": f"{nonce}-{person.person_id}-exam", "category": "professional", "activity": "exam",
         "title": "专业技术资格考试", "start_date": f"{year}-04-12", "end_date": f"{year}-04-12", "result": "passed"},
        {**base, "external_id": f"{nonce}-{person.person_id}-training", "category": "professional",
         "activity": "training", "title": "建筑结构抗震设计新规范研修班", "start_date": f"{year}-06-03",
         "end_date": f"{year}-06-05", "days": 3},
        {**base, "external_id": f"{nonce}-{person.person_id}-online", "category": "public", "activity": "online",
         "title": "公需科目：数字经济与创新驱动发展", "start_date": f"{year}-09-01", "end_date": f"{year}-10-31",
         "hours": 30, "result": "passed"},
    ]  # fmt: skip


def push_and_certify(http: httpx.Client, institution: str, admin: str, people: list[Person], year: int) -> int:
    nonce = secrets.token_hex(3)
    records = [record for person in people for record in records_of(person, year, nonce)]
    pushed = http.post(
        "/v1/learning-records:batch",
        json={"records": records},
        headers={"Authorization": f"Bearer {institution}", "Idempotency-Key": f"bench-{nonce}"},
    )
    _expect(pushed, 200, "POST /v1/learning-records:batch")
    results = pushed.json()["results"]
    refused = [r for r in results if r["status"] != "created"]
    if refused:
        raise SystemExit(f"the batch was not taken whole: {refused[:3]}")
    for result in results:
        review = http.post(
            f"/v1/learning-records/{result['record_id']}/reviews",
            json={"decision": "approve", "comment": "bench: certified"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        _expect(review, 200, "POST /v1/learning-records/{id}/reviews")
        if review.json().get("status") != "certified":
            raise SystemExit(f"the record was not certified: {review.text[:300]}")
    return len(results)


# ------------------------------------------------------------------------------------ verification load
def run_wrk_post(url: str, body: bytes, connections: int, seconds: float, work: Path) -> Result:
    """wrk POSTing the same JSON body over and over (a Lua script sets method, body and content type)."""
    script = work / f"post-{secrets.token_hex(4)}.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script), url]
    return parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def _python_posts(args: tuple[str, bytes, int, float]) -> Result:
    url, body, connections, seconds = args
    headers = {"Content-Type": "application/json"}
    return aiohttp_load(lambda session, _: session.post(url, data=body, headers=headers), connections, seconds)


def load_post(loadgen: str, url: str, body: bytes, connections: int, seconds: float, work: Path) -> Result:
    if loadgen == "wrk":
        return run_wrk_post(url, body, connections, seconds, work)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_python_posts, ((url, body, connections, seconds),))


# ------------------------------------------------------------------------- baseline: bare FastAPI + PyJWT
def create_bare_app() -> Any:
    """One POST that verifies a compact EdDSA JWS with PyJWT and a key parsed once at start-up (no gateway, no
    database, no status check): what one uvicorn worker can do at best."""
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel

    key = jwt.PyJWK(json.loads(os.environ[BARE_JWK_ENV])).key
    jws = jwt.PyJWS()
    app = FastAPI()

    class Body(BaseModel):
        credential: str

    @app.post(BARE_PATH)
    async def verify(body: Body) -> dict[str, Any]:
        try:
            payload = json.loads(jws.decode(body.credential, key, algorithms=["EdDSA"]))
        except jwt.InvalidTokenError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"valid": True, "issuer": payload.get("issuer")}

    return app


# ------------------------------------------------------------------------------------ issuance
@dataclass
class Issuance:
    connections: int
    count: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def line(self) -> str:
        return (
            f"{self.rate:7.1f} statements/s  p50 {self.pct(0.5):6.1f} ms  p99 {self.pct(0.99):6.1f} ms  "
            f"errors {self.errors}  ({self.count} statements over {self.connections} connection(s) in "
            f"{self.seconds:.1f} s)"
        )


async def issue_statements(
    gateway: str, token: str, people: list[Person], year: int, total: int, connections: int
) -> Issuance:
    run = Issuance(connections)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=gateway, timeout=60, limits=limits) as http:

        async def connection(number: int) -> None:
            for index in range(number, total, connections):
                body = {"person_id": people[index % len(people)].person_id, "year": year}
                started = time.perf_counter()
                try:
                    response = await http.post("/v1/statements", json=body, headers=headers)
                except httpx.HTTPError as exc:
                    run.errors += 1
                    run.samples.append(f"{type(exc).__name__}: {exc}")
                    continue
                run.latencies_ms.append((time.perf_counter() - started) * 1000)
                if response.status_code != 201:
                    run.errors += 1
                    if len(run.samples) < 5:
                        run.samples.append(f"HTTP {response.status_code}: {response.text[:300]}")
                    continue
                run.count += 1
                run.issued.append(response.json())

        started = time.perf_counter()
        await asyncio.gather(*(connection(n) for n in range(connections)))
        run.seconds = time.perf_counter() - started
    return run


# ------------------------------------------------------------------------------- a partner, offline
class NoNetwork(httpx.BaseTransport):
    """The partner's HTTP once it has fetched what it needs: every attempt is counted and fails."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts.append(str(request.url))
        raise httpx.ConnectError("offline: the partner verifies from its cache", request=request)


def max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control or "")
    return int(match.group(1)) if match else 0


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Cached:
    value: Any
    expires: float  # on the partner's clock


class OfflinePartner:
    """A partner province's verifier, written from the published formats only (JOSE, W3C VC 2.0, Bitstring Status
    List: GZIP + multibase base64url), with PyJWT and the standard library; nothing from our code. It keeps what
    it fetched for as long as ``Cache-Control: max-age`` allows and asks again only after that."""

    def __init__(self, http: httpx.Client, jwks_url: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self.jwks_url = jwks_url
        self.clock = clock
        self.keys: Cached | None = None
        self.lists: dict[str, Cached] = {}
        self.cache_control: dict[str, str] = {}

    def _get(self, url: str) -> httpx.Response:
        response = self.http.get(url)
        response.raise_for_status()
        self.cache_control[url] = response.headers.get("cache-control", "")
        return response

    def _keys(self) -> dict[str, Any]:
        if self.keys is None or self.clock() >= self.keys.expires:
            response = self._get(self.jwks_url)
            parsed = {k["kid"]: jwt.PyJWK(k).key for k in response.json()["keys"]}  # parsed once, as cached
            self.keys = Cached(parsed, self.clock() + max_age(response.headers.get("cache-control", "")))
        keys: dict[str, Any] = self.keys.value
        return keys

    def _verify_jws(self, token: str) -> dict[str, Any]:
        header = json.loads(_b64url(token.split(".")[0]))
        key = self._keys().get(header.get("kid"))
        if key is None:
            raise jwt.InvalidSignatureError(f"no published key {header.get('kid')}")
        payload: dict[str, Any] = json.loads(jwt.PyJWS().decode(token, key, algorithms=["EdDSA"]))
        return payload

    def _bits(self, url: str) -> bytes:
        cached = self.lists.get(url)
        if cached is None or self.clock() >= cached.expires:
            response = self._get(url)
            status_list = self._verify_jws(response.text)
            encoded: str = status_list["credentialSubject"]["encodedList"]
            if not encoded.startswith("u"):
                raise ValueError("the encodedList is not multibase base64url")
            bits = gzip.decompress(_b64url(encoded[1:]))
            cached = Cached(bits, self.clock() + max_age(response.headers.get("cache-control", "")))
            self.lists[url] = cached
        bits_value: bytes = cached.value
        return bits_value

    def verify(self, token: str) -> str:
        """``valid``, ``revoked``, ``suspended`` or ``expired``; raises when the signature does not verify."""
        credential = self._verify_jws(token)
        now = datetime.now(UTC)
        until = datetime.fromisoformat(credential["validUntil"].replace("Z", "+00:00"))
        if now > until or now < datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00")):
            return "expired"
        for entry in credential.get("credentialStatus", []):
            bits = self._bits(entry["statusListCredential"])
            index = int(entry["statusListIndex"])
            if (bits[index // 8] >> (7 - index % 8)) & 1:  # bit 0 is the first byte's most significant bit
                return "revoked" if entry["statusPurpose"] == "revocation" else "suspended"
        return "valid"


@dataclass
class OfflineRun:
    verified: int
    seconds: float
    verdicts: dict[str, int]
    calls_while_fresh: int
    calls_after_expiry: int
    cache_control: dict[str, str]
    fetched: int

    @property
    def rate(self) -> float:
        return self.verified / self.seconds if self.seconds else 0.0


def partner_offline(gateway: str, credentials: list[str]) -> OfflineRun:
    """Fetch once with a working HTTP client, then verify everything with one that cannot reach anyone."""
    jwks_url = gateway + "/v1/issuer/jwks"
    fake_now = [time.monotonic()]
    with httpx.Client(timeout=10) as online:
        partner = OfflinePartner(online, jwks_url, clock=lambda: fake_now[0])
        partner._keys()
        for token in credentials:  # the lists our statements name (one revocation, one suspension list so far)
            for entry in json.loads(_b64url(token.split(".")[1])).get("credentialStatus", []):
                partner._bits(entry["statusListCredential"])
    fetched = len(partner.cache_control)
    offline = NoNetwork()
    partner.http = httpx.Client(transport=offline)
    verdicts: dict[str, int] = {}
    started = time.perf_counter()
    for token in credentials:
        verdict = partner.verify(token)
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    seconds = time.perf_counter() - started
    calls_while_fresh = len(offline.attempts)
    # The partner's clock passes the shortest max-age: the next verification must ask again (and, offline, fails).
    shortest = min(max_age(value) for value in partner.cache_control.values())
    fake_now[0] += shortest + 1
    with contextlib.suppress(httpx.ConnectError):
        partner.verify(credentials[0])
    return OfflineRun(
        verified=len(credentials),
        seconds=seconds,
        verdicts=verdicts,
        calls_while_fresh=calls_while_fresh,
        calls_after_expiry=len(offline.attempts) - calls_while_fresh,
        cache_control=dict(partner.cache_control),
        fetched=fetched,
    )


# ------------------------------------------------------------------------------------ profiling
def profile_service_path(platform: Platform, credential: str, requests: int, top: int, connections: int) -> str:
    """Where the certificates service's time goes on ``POST /v1/verifications``, measured inside its own app (the
    deployment's database and keys; ASGI calls straight into it, no HTTP client, no gateway): the whole request,
    then each layer alone, then ``connections`` requests at a time (latencies and garbage-collector pauses: what
    makes the slowest 1 % slow), then cProfile of the whole request by own time."""
    from certificates import jose
    from certificates.app import create_app
    from certificates.config import Settings
    from certificates.verification import api as verification_api
    from certificates.verification import verifier as verifier_module

    deployment = Deployment.from_env({"CE_REGION_CODE": REGION, "CE_DATA_DIR": str(platform.data_dir)})
    settings = Settings(
        database_url=platform.database_url(deployment.database_name("certificates")).replace(
            "postgresql://", "postgresql+asyncpg://", 1
        ),
        signing_keys_dir=deployment.certificates_keys_dir,
        issuer_id=deployment.certificates_issuer,
        public_base_url=platform.gateway,
        region_code=REGION,
        peers={},
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    body = json.dumps({"credential": credential}).encode()

    async def call(method: str, path: str, content: bytes) -> int:
        status = 0
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": content, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "app": app,
        }
        await app(scope, receive, send)  # type: ignore[arg-type]
        return status

    async def run() -> str:
        async with app.router.lifespan_context(app):
            services = app.state.services
            jws = jose.parse(credential)
            issuer = await services.verifier.resolver.resolve(jws.payload["issuer"])
            key = await issuer.key(jws.kid)
            verification = await services.verifier.verify(credential)

            async def whole() -> None:
                if await call("POST", VERIFY_PATH, body) != 200:
                    raise SystemExit("the in-process verification did not answer 200")

            async def healthz() -> None:
                await call("GET", "/healthz", b"")

            async def verify() -> None:
                await services.verifier.verify(credential)

            async def status() -> None:
                await verifier_module._status(issuer, jws.payload)

            async def signature() -> None:
                jose.signature_valid(jws, key)

            async def parse() -> None:
                jose.parse(credential)

            async def present() -> None:
                verification_api.present(verification).model_dump_json()

            layers: list[tuple[str, Callable[[], Any]]] = [
                ("whole request: middleware, routing, body, verifier, response", whole),
                ("GET /healthz in the same app: the framework's floor", healthz),
                ("verifier.verify: every check", verify),
                ("  status: both bits, one database read", status),
                ("  signature: Ed25519, key parsed once", signature),
                ("  parse: compact JWS and its JSON", parse),
                ("report as the API's model, to JSON", present),
            ]
            rounds = 3
            per_layer = max(200, requests // rounds)
            timings: dict[str, list[float]] = {name: [] for name, _ in layers}
            for _, step in layers:  # warm: pool connections, prepared statements
                for _ in range(100):
                    await step()
            for _ in range(rounds):  # alternating, so that the machine's noise spreads over every layer
                for name, step in layers:
                    started = time.perf_counter()
                    for _ in range(per_layer):
                        await step()
                    timings[name].append((time.perf_counter() - started) / per_layer * 1e6)
            concurrent = await in_flight(whole, connections, requests)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                await whole()
            profiler.disable()
        out = io.StringIO()
        out.write(f"median µs per call over {rounds} rounds of {per_layer} (wall time, one process, no profiler):\n")
        for name, values in timings.items():
            out.write(f"  {statistics.median(values):8.0f} µs  {name}\n")
        out.write(f"\n{concurrent}\n")
        out.write(f"\ncProfile of {requests:,} whole requests, by own time:\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
        return out.getvalue()

    return asyncio.run(run())


async def in_flight(step: Callable[[], Any], connections: int, requests: int) -> str:
    """``connections`` requests at a time in one process, as the service sees them under load: their latencies,
    and the garbage collector's pauses (a collection stops every request in flight)."""
    latencies: list[float] = []
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    collecting = [0.0]

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - collecting[0])

    async def client(count: int) -> None:
        for _ in range(count):
            started = time.perf_counter()
            await step()
            latencies.append(time.perf_counter() - started)

    gc.callbacks.append(on_collection)
    try:
        began = time.perf_counter()
        await asyncio.gather(*(client(max(1, requests // connections)) for _ in range(connections)))
        wall = time.perf_counter() - began
    finally:
        gc.callbacks.remove(on_collection)
    latencies.sort()
    line = (
        f"{connections} requests at a time, {len(latencies):,} in all: {len(latencies) / wall:,.0f}/s, "
        f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} "
        f"ms, max {latencies[-1] * 1000:.1f} ms\ngarbage collections: "
    )
    return line + ", ".join(
        f"generation {generation} {len(times)} (longest {max(times, default=0) * 1000:.1f} ms)"
        for generation, times in pauses.items()
    )


# ------------------------------------------------------------------------------------------- main
@dataclass
class Figures:
    verify: Result | None = None
    verify_cpu: dict[str, float] = field(default_factory=dict)
    bare: Result | None = None
    bare_cpu: dict[str, float] = field(default_factory=dict)
    sequential: Issuance | None = None
    sequential_cpu: dict[str, float] = field(default_factory=dict)
    concurrent: Issuance | None = None
    concurrent_cpu: dict[str, float] = field(default_factory=dict)
    offline: OfflineRun | None = None
    profile: str = ""
    problems: list[str] = field(default_factory=list)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 s loads, 20 + 40 statements")
    parser.add_argument("--people", type=int, default=8, help="people with certified hours (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="connections for verifications (default 32)")
    parser.add_argument("--seconds", type=float, help="seconds of load per target (default 15; quick 5)")
    parser.add_argument("--rounds", type=int, help="alternating gateway/bare rounds, median taken (default 3; quick 1)")
    parser.add_argument("--sequential", type=int, help="statements issued one at a time (default 100; quick 20)")
    parser.add_argument("--concurrent", type=int, help="statements issued concurrently (default 200; quick 40)")
    parser.add_argument("--issue-connections", type=int, default=4, help="connections for issuance (default 4)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--profile", choices=("auto", "yes", "no"), default="auto", help="auto: when below half")
    parser.add_argument("--profile-requests", type=int, default=2_000)
    parser.add_argument("--keep-data", action="store_true", help="keep the data directory")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a target is missed or a request failed")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (5.0 if args.quick else 15.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.sequential = args.sequential or (20 if args.quick else 100)
    args.concurrent = args.concurrent or (40 if args.quick else 200)
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    if args.loadgen == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH (apt-get install wrk), use --loadgen python")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    password = f"Bench-Admin-{secrets.token_hex(6)}-9"
    figures = Figures()
    machine = f"{os.cpu_count()} CPUs, load average {Path('/proc/loadavg').read_text().split()[:3]} at the start"
    say(f"starting the platform (data in {work}; launcher output in {work / 'launcher.log'})")
    platform = start_platform(work / "data", None, password)
    try:
        wait_ready(platform)
        pids = service_pids(platform)
        say(f"ready: gateway {platform.gateway}, processes {pids}")
        run_phases(args, platform, CpuWatch(pids, platform.postmaster()), password, work, figures)
    finally:
        stop_platform(platform)
        if args.keep_data:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report(args, figures, machine)


def run_phases(
    args: argparse.Namespace, platform: Platform, watch: CpuWatch, password: str, work: Path, figures: Figures
) -> None:
    gateway = platform.gateway
    year = date.today().year - 1
    token = admin_token(gateway, password)
    with httpx.Client(base_url=gateway, timeout=60) as http:
        institution = client_token(gateway, create_institution(gateway, token))
        people = register_people(http, token, args.people)
        certified = push_and_certify(http, institution, token, people, year)
        say(f"{len(people)} people, {certified} records pushed by the institution and certified by the admin")
        first = http.post(
            "/v1/statements",
            json={"person_id": people[0].person_id, "year": year},
            headers={"Authorization": f"Bearer {token}"},
        )
        _expect(first, 201, "POST /v1/statements")
        credential: str = first.json()["credential"]
        report_ = http.post(VERIFY_PATH, json={"credential": credential})
        _expect(report_, 200, "POST /v1/verifications")
        if report_.json()["verdict"] != "valid":
            raise SystemExit(f"the statement does not verify: {report_.text[:500]}")
        entries = len(json.loads(_b64url(credential.split(".")[1]))["credentialSubject"]["entries"])
        say(f"statement {first.json()['statement_id']}: {len(credential):,} characters, {entries} entries, valid")
        jwks = http.get("/v1/issuer/jwks").json()

    # ---- verifications through the gateway, and the bare baseline, alternating
    body = json.dumps({"credential": credential}).encode()
    kid = json.loads(_b64url(credential.split(".")[0]))["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    port = free_port()
    bare = start_uvicorn(
        "scripts.bench_certificates:create_bare_app", port, {**os.environ, BARE_JWK_ENV: json.dumps(jwk)}
    )
    bare_url = f"http://127.0.0.1:{port}{BARE_PATH}"
    verify_url = gateway + VERIFY_PATH
    bare_watch = CpuWatch({"bare app": bare.pid}, None)
    verify_runs: list[tuple[Result, dict[str, float]]] = []
    bare_runs: list[tuple[Result, dict[str, float]]] = []
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.post(bare_url, content=body, headers={"Content-Type": "application/json"}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the bare verification app did not answer")
            time.sleep(0.2)
        for url in (verify_url, bare_url):  # warm-up
            load_post(args.loadgen, url, body, args.connections, 2, work)
        for round_no in range(1, args.rounds + 1):
            before = watch.snapshot()
            result = load_post(args.loadgen, verify_url, body, args.connections, args.seconds, work)
            cores = watch.cores(before, watch.snapshot())
            verify_runs.append((result, cores))
            say(f"round {round_no} verifications via gateway {result_line(result)}")
            say(f"        {cpu_line(cores, result.rps, 'request')}")
            before_bare = bare_watch.snapshot()
            result = load_post(args.loadgen, bare_url, body, args.connections, args.seconds, work)
            cores = bare_watch.cores(before_bare, bare_watch.snapshot())
            bare_runs.append((result, cores))
            say(f"round {round_no} bare FastAPI + PyJWT     {result_line(result)}")
            say(f"        {cpu_line(cores, result.rps, 'request')}")
    finally:
        bare.terminate()
        bare.wait(timeout=10)
    figures.verify, figures.verify_cpu = _median(verify_runs)
    figures.bare, figures.bare_cpu = _median(bare_runs)
    for name, result in (("verifications", figures.verify), ("bare baseline", figures.bare)):
        if result.errors:
            figures.problems.append(f"{name}: {result.errors} failed or non-2xx responses")

    # ---- statement issuance, one at a time and then concurrently
    token = admin_token(gateway, password)
    issued: list[dict[str, Any]] = []
    for connections, count, attr in (
        (1, args.sequential, "sequential"),
        (args.issue_connections, args.concurrent, "concurrent"),
    ):
        before = watch.snapshot()
        run = asyncio.run(issue_statements(gateway, token, people, year, count, connections))
        cores = watch.cores(before, watch.snapshot())
        setattr(figures, attr, run)
        setattr(figures, f"{attr}_cpu", cores)
        say(f"issuance {attr:10s} {run.line()}")
        say(f"        {cpu_line(cores, run.rate, 'statement')}")
        issued += run.issued
        if run.errors:
            figures.problems.append(f"issuance ({attr}): {run.errors} errors, e.g. {run.samples[:2]}")

    # ---- a partner verifying offline; one statement revoked first, which it must see
    revoked_one = False
    if issued:
        revoked = httpx.post(
            f"{gateway}/v1/statements/{issued[-1]['statement_id']}/revocation",
            json={"reason": "bench: one revoked statement the partner must notice"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        _expect(revoked, 200, "POST /v1/statements/{id}/revocation")
        revoked_one = True
    figures.offline = partner_offline(gateway, [credential] + [s["credential"] for s in issued])
    offline = figures.offline
    if revoked_one and offline.verdicts.get("revoked", 0) != 1:
        figures.problems.append(f"the partner should have found exactly one revoked statement: {offline.verdicts}")
    say(
        f"partner offline: fetched {offline.fetched} documents once, then verified {offline.verified} statements "
        f"({offline.verdicts}) in {offline.seconds * 1000:.0f} ms = {offline.rate:,.0f}/s with "
        f"{offline.calls_while_fresh} HTTP calls; after max-age: {offline.calls_after_expiry} call(s) attempted"
    )
    for url, value in offline.cache_control.items():
        say(f"        Cache-Control {value!r:32s} {url.removeprefix(gateway)}")
    if offline.calls_while_fresh:
        figures.problems.append(f"the partner made {offline.calls_while_fresh} calls while its cache was fresh")
    if not offline.calls_after_expiry:
        figures.problems.append("the partner made no call after max-age expired")

    # ---- where the service's time goes, when far below target
    below = figures.verify.rps < TARGETS["verifications"] / 2
    if args.profile == "yes" or (args.profile == "auto" and below):
        say(f"profiling the certificates service's own path ({args.profile_requests:,} in-process verifications) ...")
        figures.profile = profile_service_path(platform, credential, args.profile_requests, 25, args.connections)


def _median(runs: list[tuple[Result, dict[str, float]]]) -> tuple[Result, dict[str, float]]:
    results = [r for r, _ in runs]
    merged = Result(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        errors=sum(r.errors for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
    )
    # requests/s: the median round (a disturbed round does not decide); cores: that round's.
    ordered = sorted(runs, key=lambda run: run[0].rps)
    middle_result, middle_cores = ordered[len(ordered) // 2]
    merged.requests, merged.seconds = middle_result.requests, middle_result.seconds
    return merged, middle_cores


def report(args: argparse.Namespace, figures: Figures, machine: str) -> int:
    rows: list[tuple[str, str, str, str, str, str, bool | None]] = []

    def others(cores: dict[str, float]) -> str:
        return f"others {cores.get('others', 0.0):.2f} cores" if cores else "—"

    verify, bare = figures.verify, figures.bare
    if verify:
        rows.append(
            (
                "POST /v1/verifications via gateway, req/s",
                f"{verify.rps:,.0f}",
                f"≥ {TARGETS['verifications']:,.0f}",
                f"{bare.rps:,.0f} (bare FastAPI + PyJWT)" if bare else "—",
                f"{verify.rps / bare.rps:.2f}" if bare and bare.rps else "—",
                others(figures.verify_cpu),
                verify.rps >= TARGETS["verifications"],
            )
        )
        rows.append(
            (
                "  p99 (p50), ms",
                f"{verify.p99_ms:.1f} ({verify.p50_ms:.1f})",
                f"≤ {TARGETS['verify_p99_ms']:.0f}",
                f"{bare.p99_ms:.1f} ({bare.p50_ms:.1f})" if bare else "—",
                f"{verify.p99_ms / bare.p99_ms:.2f}" if bare and bare.p99_ms else "—",
                "",
                verify.p99_ms <= TARGETS["verify_p99_ms"],
            )
        )
    for name, run, cores in (
        ("statement issuance, 1 connection, /s", figures.sequential, figures.sequential_cpu),
        (f"statement issuance, {args.issue_connections} connections, /s", figures.concurrent, figures.concurrent_cpu),
    ):
        if run:
            rows.append((name, f"{run.rate:,.1f} (p99 {run.pct(0.99):.0f} ms)", "—", "—", "—", others(cores), None))
    offline = figures.offline
    if offline:
        rows.append(
            (
                "partner offline verifications, /s",
                f"{offline.rate:,.0f} ({offline.verified} statements)",
                "no call until max-age",
                "—",
                "—",
                f"{offline.calls_while_fresh} HTTP calls",
                offline.calls_while_fresh == 0 and offline.calls_after_expiry > 0,
            )
        )

    header = ("figure", "measured", "target", "baseline (same run)", "ratio", "machine load", "")
    table = [header] + [(*row[:6], {True: "met", False: "MISSED", None: ""}[row[6]]) for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(7)]
    print()
    print(f"bench-certificates: {machine}")
    print(
        f"  load: {args.loadgen}, {args.connections} connections, {args.seconds:g} s x {args.rounds} round(s) per "
        f"target (median round); issuance: {args.sequential} sequential, {args.concurrent} over "
        f"{args.issue_connections} connections"
    )
    for i, row in enumerate(table):
        print(
            "  " + "  ".join(cell.ljust(widths[n]) if n == 0 else cell.rjust(widths[n]) for n, cell in enumerate(row))
        )
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    if figures.verify_cpu and verify:
        print(f"  verifications, {cpu_line(figures.verify_cpu, verify.rps, 'request')}")
    if figures.bare_cpu and bare:
        print(f"  bare baseline, {cpu_line(figures.bare_cpu, bare.rps, 'request')}")
    if offline:
        print(
            "  partner cache: "
            + "; ".join(f"{url.rsplit('/v1/', 1)[-1]}: {v}" for url, v in offline.cache_control.items())
        )
    print(f"  load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    for problem in figures.problems:
        print(f"  PROBLEM: {problem}")
    if figures.profile:
        print("\nprofile of the certificates service's path (POST /v1/verifications, in-process):")
        print(figures.profile)
    missed = [row[0] for row in rows if row[6] is False]
    if args.enforce and (missed or figures.problems):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
