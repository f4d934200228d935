"""Annual compliance as API.md gives it, read from the kept totals; who may read it; industry requirements
that raise it (001 §2.2)."""

import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from cekit.testing import asyncpg_url
from hours.testing import Callers, FakePerson, FakeRegistry, record

KEYS = {"total", "public", "professional", "public_required"}


async def push(client: httpx.AsyncClient, callers: Callers, *records: dict[str, Any]) -> list[str]:
    response = await client.post(
        "/v1/learning-records:batch", json={"records": list(records)}, headers=callers.institution()
    )
    results = response.json()["results"]
    assert all(r["status"] == "created" for r in results), results
    return [str(r["record_id"]) for r in results]


async def certify(client: httpx.AsyncClient, callers: Callers, record_id: str, headers: dict[str, str]) -> None:
    response = await client.post(
        f"/v1/learning-records/{record_id}/reviews", json={"decision": "approve"}, headers=headers
    )
    assert response.json()["status"] == "certified", response.text


async def compliance(
    client: httpx.AsyncClient, person: FakePerson, headers: dict[str, str], year: int = 2026
) -> httpx.Response:
    return await client.get(f"/v1/compliance/{person.person_id}?year={year}", headers=headers)


async def test_a_hebei_year_becomes_compliant_as_hours_are_certified(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    public_id, *professional_ids = await push(
        client,
        callers,
        record(person, "online", category="public", hours=30, result="passed", end=date(2026, 5, 1)),
        record(person, "exam", result="passed"),
        record(person, "university_study", months=2, start=date(2026, 1, 5), end=date(2026, 2, 20)),
    )
    before = (await compliance(client, person, callers.person(person))).json()
    assert set(before) == {
        "person_id",
        "year",
        "jurisdiction",
        "required",
        "credited",
        "pending",
        "compliant",
        "shortfall",
        "entries",
    }
    assert before["jurisdiction"] == "130000"
    assert before["required"] == {"total": 90.0, "public": 30.0, "professional": 60.0, "public_required": None}
    assert before["pending"] == {"total": 96.0, "public": 30.0, "professional": 66.0, "public_required": 0.0}
    assert before["credited"] == {"total": 0.0, "public": 0.0, "professional": 0.0, "public_required": 0.0}
    assert before["compliant"] is False
    assert before["entries"] == []
    assert before["shortfall"] == {"total": 90.0, "public": 30.0, "professional": 60.0, "public_required": None}

    await certify(client, callers, public_id, callers.hr("130000"))
    for record_id in professional_ids:
        await certify(client, callers, record_id, callers.industry())
    after = (await compliance(client, person, callers.person(person))).json()
    assert after["credited"] == {"total": 96.0, "public": 30.0, "professional": 66.0, "public_required": 0.0}
    assert after["pending"]["total"] == 0.0
    assert after["shortfall"] == {"total": 0.0, "public": 0.0, "professional": 0.0, "public_required": None}
    assert after["compliant"] is True
    assert [(e["rule"], e["hours"]) for e in after["entries"]] == [
        ("130000.public_platform", 30.0),
        ("130000.exam", 36.0),
        ("130000.university_study", 30.0),
    ]
    assert after["entries"][2]["source"] == "000 art. 7(4)"


async def test_kaifeng_counts_required_public_courses_and_titles(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # 004 §3: public ≥ 22 for a junior title, of which required courses ≥ 18.
    person = registry.add_person("410221", title_level="junior")
    ids = await push(
        client,
        callers,
        record(person, "training", category="public", days=2, hours=12, result="passed", required=True),
        record(person, "online", category="public", hours=10),
        record(person, "online", category="professional", hours=60),
    )
    for record_id in ids[:2]:
        await certify(client, callers, record_id, callers.hr("410200"))
    await certify(client, callers, ids[2], callers.industry(region_code="410000"))
    body = (await compliance(client, person, callers.admin())).json()
    assert body["jurisdiction"] == "410200"
    assert body["required"] == {"total": 90.0, "public": 22.0, "professional": 60.0, "public_required": 18.0}
    assert body["credited"] == {"total": 82.0, "public": 22.0, "professional": 60.0, "public_required": 12.0}
    assert body["shortfall"] == {"total": 8.0, "public": 0.0, "professional": 0.0, "public_required": 6.0}
    assert body["compliant"] is False


async def test_a_jurisdiction_that_does_not_constrain_a_key_says_null(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("510104")
    await push(client, callers, record(person, "online", minutes=450))
    body = (await compliance(client, person, callers.person(person))).json()
    assert body["jurisdiction"] == "510000"
    assert body["required"] == {"total": 90.0, "public": None, "professional": 60.0, "public_required": None}
    assert body["shortfall"]["public"] is None
    assert body["pending"]["professional"] == 10.0  # 450 minutes of 45 (001 §2.2)


async def test_who_may_read_compliance(client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers) -> None:
    employer = uuid.uuid4()
    person = registry.add_person("130102", employer_id=employer, industry="health")
    await push(client, callers, record(person, days=1))
    for headers in (
        callers.person(person),
        callers.employer(employer),
        callers.hr("130100"),
        callers.industry("health"),
        callers.admin(),
    ):
        assert (await compliance(client, person, headers)).status_code == 200
    for headers in (
        callers.person(registry.add_person("130102")),
        callers.employer(uuid.uuid4()),
        callers.hr("510000"),
        callers.industry("engineering"),
        callers.institution(),
    ):
        response = await compliance(client, person, headers)
        assert response.status_code == 404
        assert response.json()["code"] == "person_not_found"


async def test_a_registered_person_without_records_has_an_empty_year(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    """No record yet: the registry's facts say whose rules apply (Kaifeng, an intermediate title: 26 public hours,
    004 §3), for the person and for the officials over them, and for nobody else."""
    person = registry.add_person("410221", title_level="intermediate")
    for reader in (callers.person(person), callers.hr("410000"), callers.admin()):
        body = (await compliance(client, person, reader)).json()
        assert body["jurisdiction"] == "410200"
        assert body["required"]["public"] == 26.0
        assert body["credited"]["total"] == 0.0
        assert body["compliant"] is False
    assert (await compliance(client, person, callers.hr("130000"))).status_code == 404
    stranger = registry.add_person("410221")
    del registry.people[stranger.id_number]  # never registered
    assert (await compliance(client, stranger, callers.admin())).status_code == 404


async def test_a_registry_outage_is_503_for_a_person_without_records(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("410221")
    registry.down = True
    answer = await compliance(client, person, callers.person(person))
    assert answer.status_code == 503
    assert answer.json()["code"] == "registry_unavailable"


async def test_compliance_reads_the_kept_totals(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, database_url: str
) -> None:
    person = registry.add_person("130102")
    await push(client, callers, record(person, days=1))
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await conn.execute(
            "UPDATE person_year_total SET pending = 99 WHERE person_id = $1 AND category = 'professional'",
            person.person_id,
        )
    finally:
        await conn.close()
    assert (await compliance(client, person, callers.admin())).json()["pending"]["professional"] == 99.0


# ---- industry requirements -------------------------------------------------------------------------------------
async def test_an_industry_official_raises_the_requirement_for_its_industry(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, database_url: str
) -> None:
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    person = registry.add_person("510104", industry=industry)
    await push(client, callers, record(person, "online", hours=5))
    path = f"/v1/requirements/industries/{industry}?year=2026"
    body = {"total": 120, "professional": 80, "source": "行业通知 2026 第1号"}

    refused = await client.put(path, json=body, headers=callers.industry("other", "510000"))
    assert refused.status_code == 403
    outside = await client.put(path + "&region_code=130000", json=body, headers=callers.industry(industry, "510000"))
    assert outside.status_code == 403
    assert outside.json()["code"] == "outside_scope"

    response = await client.put(path, json=body, headers=callers.industry(industry, "510000"))
    assert response.status_code == 200, response.text
    assert response.json()["region_code"] == "510000"
    assert response.json()["total"] == 120.0
    required = (await compliance(client, person, callers.person(person))).json()["required"]
    assert required == {"total": 120.0, "public": None, "professional": 80.0, "public_required": None}

    lower = await client.put(path, json={"total": 60, "source": "x"}, headers=callers.industry(industry, "510000"))
    assert lower.status_code == 200
    assert (await compliance(client, person, callers.person(person))).json()["required"]["total"] == 90.0
    listed = await client.get(path, headers=callers.person(person))
    assert [(r["region_code"], r["total"]) for r in listed.json()] == [("510000", 60.0)]

    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        actions = await conn.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'industry_requirement.set' AND object_id LIKE $1",
            f"{industry}:%",
        )
    finally:
        await conn.close()
    assert actions == 2


async def test_an_industry_requirement_needs_a_value_and_a_source(client: httpx.AsyncClient, callers: Callers) -> None:
    path = "/v1/requirements/industries/health?year=2026"
    assert (await client.put(path, json={"source": "x"}, headers=callers.admin())).status_code == 422
    assert (await client.put(path, json={"total": 100}, headers=callers.admin())).status_code == 422
    assert (await client.put(path, json={"total": 100.25, "source": "x"}, headers=callers.admin())).status_code == 422


# ---- the policy, as data ---------------------------------------------------------------------------------------
async def test_the_packs_and_their_sources_can_be_read(client: httpx.AsyncClient, callers: Callers) -> None:
    assert (await client.get("/v1/policy-packs")).status_code == 401
    packs = (await client.get("/v1/policy-packs", headers=callers.institution())).json()
    assert {p["id"]: p["extends"] for p in packs} == {
        "national": None,
        "130000": "national",
        "510000": "national",
        "410000": "national",
        "410200": "410000",
    }
    hebei = (await client.get("/v1/policy-packs/130000", headers=callers.institution())).json()
    university = next(r for r in hebei["credit_rules"] if r["activity"] == "university_study")
    assert (university["method"], university["rate"], university["cap"], university["source"]) == (
        "per_month",
        15,
        "university_study",
        "000 art. 7(4)",
    )
    assert hebei["caps"][0]["hours"] == 90
    missing = await client.get("/v1/policy-packs/990000", headers=callers.institution())
    assert missing.status_code == 404


async def test_the_requirement_for_a_region_title_and_industry(client: httpx.AsyncClient, callers: Callers) -> None:
    path = "/v1/requirements?region_code=410221&title_level=junior&year=2026"
    body = (await client.get(path, headers=callers.person(FakeRegistry().add_person("410221")))).json()
    assert body["jurisdiction"] == "410200"
    assert body["public"] == {"hours": 22.0, "source": "004 §3 (junior title)"}
    assert body["public_required"]["hours"] == 18.0
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    await client.put(
        f"/v1/requirements/industries/{industry}?year=2026",
        json={"public": 30, "source": "通知"},
        headers=callers.industry(industry, "410000"),
    )
    raised = (await client.get(f"{path}&industry={industry}", headers=callers.admin())).json()
    assert raised["public"]["hours"] == 30.0
    assert "通知" in raised["public"]["source"]
