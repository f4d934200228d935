"""The whole platform as a newcomer runs it: `ce-platform run` (what `make run` calls) on an embedded
PostgreSQL, a token through the gateway, each service's health through the gateway, then Ctrl-C stops
everything, PostgreSQL included, and nothing is left running."""

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from cekit.identifiers import credit_check_character, id_check_character, organisation_check_character
from launcher.testing import Deployment, NotReady, port_is_free, start, wait_ready

pytestmark = pytest.mark.e2e

SERVICES = ("registry", "hours", "bases", "certificates")
ADMIN_PASSWORD = "e2e-Admin-password-1"


def leftover_processes(data_dir: Path, base_port: int) -> list[str]:
    """Processes of this deployment still alive: its PostgreSQL (by data dir) or anything on its ports."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline or any(f"--port {base_port + i}" in cmdline for i in range(5)):
            found.append(f"{proc.info['pid']}: {cmdline}")
    return found


def push_records_as_an_institution(gateway: str, admin_token: str, id_number: str, person_id: str) -> None:
    """Real HTTP between services: hours checks each trainee against the registry with its own service token."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    body = "12130000MB123456"  # a university's credit code, with both of its GB 32100 check characters
    body += organisation_check_character(body[8:16])
    institution = httpx.post(
        gateway + "/v1/institutions",
        json={"credit_code": body + credit_check_character(body), "name": "河北继续教育学院", "kind": "university",
              "region_code": "130100"},
        headers=admin,
    )  # fmt: skip
    assert institution.status_code == 201, institution.text
    client = httpx.post(
        gateway + "/v1/clients",
        json={"name": "学院学习系统", "role": "institution", "org_id": institution.json()["id"]},
        headers=admin,
    ).json()
    credentials = {"client_id": client["client_id"], "client_secret": client["client_secret"]}
    token = httpx.post(gateway + "/v1/auth/token", data={"grant_type": "client_credentials", **credentials})
    token = token.json()["access_token"]
    record = {"id_number": id_number, "category": "professional", "activity": "training", "title": "新技术研修",
              "start_date": "2026-03-02", "end_date": "2026-03-04", "days": 3}  # fmt: skip
    batch = httpx.post(
        gateway + "/v1/learning-records:batch",
        json={"records": [{**record, "external_id": "e2e-1", "name": "王五"},
                          {**record, "external_id": "e2e-2", "name": "别人"}]},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]
    assert results[0]["credited_hours"] == 24.0  # 3 days x 8 h (seeds 000 art. 7(3))
    assert results[1]["error"]["code"] == "name_mismatch"
    compliance = httpx.get(gateway + f"/v1/compliance/{person_id}?year=2026", headers=admin)
    assert compliance.status_code == 200, compliance.text
    assert compliance.json()["pending"]["professional"] == 24.0


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Deployment]:
    running = start(tmp_path / "data", admin_password=ADMIN_PASSWORD)
    try:
        wait_ready(running)
    except NotReady as exc:
        running.stop()
        pytest.fail(str(exc))
    try:
        yield running
    finally:
        running.stop()


def test_the_platform_starts_serves_and_stops_cleanly(platform: Deployment) -> None:
    gateway = platform.gateway
    token = httpx.post(
        gateway + "/v1/auth/token", data={"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    )
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]

    me = httpx.get(gateway + "/v1/accounts/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "admin"

    refused = httpx.get(gateway + "/v1/accounts/me", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"

    # A person registered through the gateway: the answer shows the ID number to the admin, but no log line
    # of any process of the platform ever contains it (ARCHITECTURE.md: PII never logged).
    id_number = "130102199003071" + "23"
    id_number += id_check_character(id_number)
    person = httpx.post(
        gateway + "/v1/persons",
        json={"id_number": id_number, "name": "王五", "region_code": "130102", "title_level": "junior",
              "industry": "health"},
        headers={"Authorization": f"Bearer {access}"},
    )  # fmt: skip
    assert person.status_code == 201, person.text
    assert person.json()["id_number"] == id_number

    push_records_as_an_institution(gateway, access, id_number, person.json()["id"])

    for service in SERVICES:
        health = httpx.get(gateway + f"/services/{service}/readyz", headers={"X-Request-ID": f"e2e-{service}"})
        assert health.status_code == 200, f"{service}: {health.text}"
        assert health.headers["x-request-id"] == f"e2e-{service}"
        assert health.json()["checks"]["database"]["status"] == "ok"

    # Ctrl-C: everything the launcher started stops, PostgreSQL included.
    platform.process.send_signal(signal.SIGINT)
    assert platform.process.wait(timeout=60) == 0
    assert leftover_processes(platform.data_dir, platform.base_port) == []
    assert all(port_is_free(platform.base_port + offset) for offset in (0, 1, 2, 3, 4, 10))
    assert "stopped" in platform.output.read_text()
    logs = {path.name: path.read_text() for path in (platform.data_dir / "logs").glob("*.log")}
    assert "registry.log" in logs
    assert [name for name, text in logs.items() if id_number in text] == []
    assert id_number not in platform.output.read_text()
