"""Spot checks (抽查, 000 art. 16): a random sample of certified records in the official's scope; a failed
check withdraws the hours with a reversing ledger entry, and compliance falls."""

import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from cekit.testing import asyncpg_url
from hours.testing import Callers, FakePerson, FakeRegistry, record


async def certified_records(
    client: httpx.AsyncClient, callers: Callers, person: FakePerson, count: int, **fields: Any
) -> list[str]:
    body = {"records": [record(person, "exam", result="passed", **fields) for _ in range(count)]}
    results = (await client.post("/v1/learning-records:batch", json=body, headers=callers.institution())).json()
    ids = [str(r["record_id"]) for r in results["results"]]
    for record_id in ids:
        response = await client.post(
            f"/v1/learning-records/{record_id}/reviews",
            json={"decision": "approve"},
            headers=callers.industry(person.industry, person.region_code[:2] + "0000"),
        )
        assert response.json()["status"] == "certified", response.text
    return ids


async def test_a_failed_check_withdraws_the_hours(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, database_url: str
) -> None:
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    person = registry.add_person("130102", industry=industry)
    ids = await certified_records(client, callers, person, 3)
    official = callers.industry(industry, "130000")
    drawn = await client.post("/v1/spot-checks", json={"sample_size": 5, "year": 2026}, headers=official)
    assert drawn.status_code == 201, drawn.text
    check = drawn.json()
    assert sorted(r["record_id"] for r in check["records"]) == sorted(ids)  # all three: fewer than asked
    compliance = f"/v1/compliance/{person.person_id}?year=2026"
    assert (await client.get(compliance, headers=callers.admin())).json()["credited"]["professional"] == 108.0

    failed_id = ids[1]
    path = f"/v1/spot-checks/{check['id']}/results"
    no_reason = await client.post(path, json={"record_id": failed_id, "passed": False}, headers=official)
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "comment_required"
    result = await client.post(
        path, json={"record_id": failed_id, "passed": False, "comment": "certificate forged"}, headers=official
    )
    assert result.status_code == 200, result.text
    assert {r["record_id"]: (r["passed"], r["status"]) for r in result.json()["records"]}[failed_id] == (
        False,
        "withdrawn",
    )
    passed = await client.post(path, json={"record_id": ids[0], "passed": True}, headers=official)
    assert passed.status_code == 200

    after = (await client.get(compliance, headers=callers.person(person))).json()
    assert after["credited"]["professional"] == 72.0
    assert [(e["record_id"], e["hours"], e["rule"]) for e in after["entries"]][-1] == (
        failed_id,
        -36.0,
        "spot_check_withdrawal",
    )
    assert after["entries"][-1]["source"] == "000 art. 16"
    record_now = await client.get(f"/v1/learning-records/{failed_id}", headers=callers.person(person))
    assert record_now.json()["status"] == "withdrawn"

    again = await client.post(path, json={"record_id": failed_id, "passed": True}, headers=official)
    assert again.status_code == 409
    assert again.json()["code"] == "already_checked"
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        audited = await conn.fetchval(
            "SELECT reason FROM audit_event WHERE action = 'record.withdrawn' AND object_id = $1", failed_id
        )
    finally:
        await conn.close()
    assert audited == "certificate forged"


async def test_the_sample_is_drawn_from_the_officials_scope_only(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    shijiazhuang, tangshan = (
        registry.add_person("130102", industry=industry),
        registry.add_person("130202", industry=industry),
    )
    ours = await certified_records(client, callers, shijiazhuang, 2)
    await certified_records(client, callers, tangshan, 2)
    await certified_records(client, callers, shijiazhuang, 1, start=date(2025, 3, 1), end=date(2025, 3, 1))
    pending = registry.add_person("130102", industry=industry)
    await client.post(
        "/v1/learning-records:batch", json={"records": [record(pending, days=1)]}, headers=callers.institution()
    )
    drawn = await client.post(
        "/v1/spot-checks", json={"sample_size": 50, "year": 2026}, headers=callers.industry(industry, "130100")
    )
    assert sorted(r["record_id"] for r in drawn.json()["records"]) == sorted(ours)


async def test_only_authorities_draw_and_only_the_drawing_authority_records_results(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    ids = await certified_records(client, callers, person, 1)
    for headers in (callers.person(person), callers.institution(), callers.employer(uuid.uuid4())):
        response = await client.post("/v1/spot-checks", json={"sample_size": 1, "year": 2026}, headers=headers)
        assert response.status_code == 403
    drawn = (
        await client.post("/v1/spot-checks", json={"sample_size": 1000, "year": 2026}, headers=callers.hr("130100"))
    ).json()
    path = f"/v1/spot-checks/{drawn['id']}/results"
    body = {"record_id": ids[0], "passed": False, "comment": "no"}
    for headers in (callers.hr("510000"), callers.industry(), callers.person(person)):
        assert (await client.post(path, json=body, headers=headers)).status_code == 404
    stranger = {"record_id": str(uuid.uuid4()), "passed": True}
    response = await client.post(path, json=stranger, headers=callers.hr("130000"))
    assert response.status_code == 404
    assert response.json()["code"] == "record_not_in_sample"
