"""Employer annual assessments (年度考核验证, 001 §2.3): the person's employer signs an opinion on each year,
with a snapshot of the year's certified hours; signing again adds a version; who may sign and read; the list."""

import json
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from cekit.testing import asyncpg_url
from hours.testing import Callers, FakePerson, FakeRegistry, record


async def push(client: httpx.AsyncClient, callers: Callers, *records: dict[str, Any]) -> list[str]:
    response = await client.post(
        "/v1/learning-records:batch", json={"records": list(records)}, headers=callers.institution()
    )
    results = response.json()["results"]
    assert all(r["status"] == "created" for r in results), results
    return [str(r["record_id"]) for r in results]


async def certify(
    client: httpx.AsyncClient, callers: Callers, person: FakePerson, record_id: str, headers: dict[str, str]
) -> None:
    """The employer's first review (000 art. 14), then certification by ``headers``."""
    path = f"/v1/learning-records/{record_id}/reviews"
    if person.employer_id is not None:
        first = await client.post(path, json={"decision": "approve"}, headers=callers.employer(person.employer_id))
        assert first.json()["status"] == "first_reviewed", first.text
    response = await client.post(path, json={"decision": "approve"}, headers=headers)
    assert response.json()["status"] == "certified", response.text


async def public_and_professional(
    client: httpx.AsyncClient, callers: Callers, person: FakePerson, year: int = 2026
) -> tuple[str, str]:
    """A Hebei year's 30 public hours and 60 professional hours (000 art. 5), pushed, not yet certified."""
    start, end = date(year, 3, 1), date(year, 5, 1)
    public_id, professional_id = await push(
        client,
        callers,
        record(person, "online", category="public", hours=30, result="passed", start=start, end=end),
        record(person, "online", hours=60, start=start, end=end),
    )
    return public_id, professional_id


async def sign(
    client: httpx.AsyncClient, headers: dict[str, str], person: FakePerson, year: int = 2026, **body: Any
) -> httpx.Response:
    payload = {"person_id": str(person.person_id), "year": year, "opinion": "verified", **body}
    return await client.post("/v1/assessments", json=payload, headers=headers)


async def history(client: httpx.AsyncClient, person: FakePerson, headers: dict[str, str]) -> httpx.Response:
    return await client.get(f"/v1/assessments/{person.person_id}", headers=headers)


@pytest.fixture
def employer() -> uuid.UUID:
    return uuid.uuid4()


async def test_the_snapshot_is_the_certified_year_when_signed_and_resigning_adds_a_version(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID, database_url: str
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    public_id, professional_id = await public_and_professional(client, callers, person)
    await certify(client, callers, person, public_id, callers.hr("130000"))

    # Only 30 of 90 hours certified: verifying the year needs the good reason (001 §4).
    refused = await sign(client, callers.employer(employer), person)
    assert refused.status_code == 422
    assert refused.json()["code"] == "comment_required"

    first = await sign(client, callers.employer(employer), person, opinion="not_verified")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["version"], body["current"], body["opinion"], body["employer_id"]) == (
        1,
        True,
        "not_verified",
        str(employer),
    )
    assert body["snapshot"] == {
        "jurisdiction": "130000",
        "required": {"total": 90.0, "public": 30.0, "professional": 60.0, "public_required": None},
        # the 60 professional hours are pending: they do not count
        "credited": {"total": 30.0, "public": 30.0, "professional": 0.0, "public_required": 0.0},
        "shortfall": {"total": 60.0, "public": 0.0, "professional": 60.0, "public_required": None},
        "compliant": False,
    }

    await certify(client, callers, person, professional_id, callers.industry())
    second = await sign(client, callers.employer(employer), person)
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2
    assert second.json()["snapshot"]["credited"]["total"] == 90.0
    assert second.json()["snapshot"]["compliant"] is True

    items = (await history(client, person, callers.person(person))).json()["items"]
    assert [(i["version"], i["current"], i["opinion"]) for i in items] == [
        (2, True, "verified"),
        (1, False, "not_verified"),
    ]
    # The first signing still shows the year as it stood then.
    assert items[1]["snapshot"]["credited"]["total"] == 30.0

    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        audited = await conn.fetch(
            "SELECT details FROM audit_event WHERE action = 'annual_assessment.signed' "
            "AND details->>'person_id' = $1 ORDER BY occurred_at",
            str(person.person_id),
        )
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute(
                "UPDATE annual_assessment SET opinion = 'verified' WHERE person_id = $1", person.person_id
            )
    finally:
        await conn.close()
    details = [json.loads(row["details"]) for row in audited]
    assert [(d["version"], d["opinion"], d["compliant"]) for d in details] == [
        (1, "not_verified", False),
        (2, "verified", True),
    ]
    assert details[0]["supersedes"] is None
    assert details[1]["supersedes"] == items[1]["id"]


async def test_not_verifying_a_complete_year_needs_a_comment(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    public_id, professional_id = await public_and_professional(client, callers, person)
    await certify(client, callers, person, public_id, callers.hr("130000"))
    await certify(client, callers, person, professional_id, callers.industry())
    blank = await sign(client, callers.employer(employer), person, opinion="not_verified", comment="  ")
    assert blank.status_code == 422
    assert blank.json()["code"] == "comment_required"
    explained = await sign(client, callers.employer(employer), person, opinion="not_verified", comment="证明材料不实")
    assert explained.status_code == 201
    assert explained.json()["comment"] == "证明材料不实"


async def test_only_the_persons_employer_signs(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    await public_and_professional(client, callers, person)
    for headers in (callers.person(person), callers.institution(), callers.hr("130000"), callers.admin()):
        response = await sign(client, headers, person, opinion="not_verified")
        assert response.status_code == 403
        assert response.json()["code"] == "not_permitted"
    other_employer = await sign(client, callers.employer(uuid.uuid4()), person, opinion="not_verified")
    assert other_employer.status_code == 404
    assert other_employer.json()["code"] == "person_not_found"
    # Someone the platform has no record of is nobody's staff yet.
    stranger = registry.add_person("130102", employer_id=employer)
    unknown = await sign(client, callers.employer(employer), stranger, opinion="not_verified")
    assert unknown.status_code == 404

    future = await sign(client, callers.employer(employer), person, year=2027, opinion="not_verified")
    assert future.status_code == 422
    assert future.json()["code"] == "year_not_open"
    for bad in ({"opinion": "合格"}, {"opinion": "verified", "signature": "x"}, {"opinion": None}):
        response = await sign(client, callers.employer(employer), person, **bad)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "validation_failed"

    assert (await history(client, person, callers.admin())).json()["items"] == []


async def test_who_may_read_a_persons_assessments(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer, industry="health")
    await public_and_professional(client, callers, person)
    assert (await sign(client, callers.employer(employer), person, opinion="not_verified")).status_code == 201
    for headers in (
        callers.person(person),
        callers.employer(employer),
        callers.hr("130100"),
        callers.industry("health"),
        callers.admin(),
    ):
        response = await history(client, person, headers)
        assert response.status_code == 200, headers
        assert len(response.json()["items"]) == 1
    for headers in (
        callers.person(registry.add_person("130102")),
        callers.employer(uuid.uuid4()),
        callers.hr("510000"),
        callers.industry("engineering"),
        callers.institution(),
    ):
        response = await history(client, person, headers)
        assert response.status_code == 404
        assert response.json()["code"] == "person_not_found"
    year = await client.get(f"/v1/assessments/{person.person_id}?year=2025", headers=callers.person(person))
    assert year.json()["items"] == []


async def test_the_list_shows_current_assessments_in_the_callers_scope(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    staff = [registry.add_person("130181", employer_id=employer) for _ in range(3)]
    for person in staff:
        await public_and_professional(client, callers, person)
        assert (await sign(client, callers.employer(employer), person, opinion="not_verified")).status_code == 201
    resigned = await sign(client, callers.employer(employer), staff[0], opinion="verified", comment="病假，正当理由")
    assert resigned.status_code == 201

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"year": 2026, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/assessments", params=params, headers=callers.employer(employer))).json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(i["person_id"] for i in seen) == sorted(str(p.person_id) for p in staff)
    assert {i["person_id"]: i["version"] for i in seen}[str(staff[0].person_id)] == 2
    assert all(i["current"] for i in seen)

    mine = {str(p.person_id) for p in staff}

    async def listed(headers: dict[str, str], **params: Any) -> set[str]:
        response = await client.get("/v1/assessments", params={"limit": 200, **params}, headers=headers)
        assert response.status_code == 200
        return {i["person_id"] for i in response.json()["items"]} & mine

    assert await listed(callers.hr("130100")) == mine
    assert await listed(callers.hr("130100"), opinion="verified") == {str(staff[0].person_id)}
    assert await listed(callers.hr("130100"), year=2025) == set()
    assert await listed(callers.hr("510000")) == set()
    assert await listed(callers.employer(uuid.uuid4())) == set()
    assert await listed(callers.person(staff[1])) == {str(staff[1].person_id)}
    assert await listed(callers.institution()) == set()

    bad = await client.get("/v1/assessments?cursor=not-a-cursor", headers=callers.employer(employer))
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_cursor"
