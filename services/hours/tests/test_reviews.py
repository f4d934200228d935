"""The review chain (000 art. 14): the employer's first review, then certification by HR (public subjects)
or the industry authority (professional subjects); the wrong reviewer is refused, an illegal step says what
may come next, and every transition is audited."""

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from cekit.testing import asyncpg_url
from hours.testing import Callers, FakePerson, FakeRegistry, record


async def push_one(client: httpx.AsyncClient, callers: Callers, body: dict[str, Any], **kw: Any) -> str:
    response = await client.post(
        "/v1/learning-records:batch", json={"records": [body]}, headers=callers.institution(**kw)
    )
    [result] = response.json()["results"]
    assert result["status"] == "created", result
    return str(result["record_id"])


async def review(
    client: httpx.AsyncClient, record_id: str, headers: dict[str, str], decision: str = "approve", **body: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/learning-records/{record_id}/reviews", json={"decision": decision, **body}, headers=headers
    )


async def compliance(client: httpx.AsyncClient, callers: Callers, person: FakePerson) -> dict[str, Any]:
    response = await client.get(f"/v1/compliance/{person.person_id}?year=2026", headers=callers.admin())
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def employer() -> uuid.UUID:
    return uuid.uuid4()


async def test_a_public_record_goes_employer_then_hr_and_is_credited(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    record_id = await push_one(client, callers, record(person, "online", category="public", hours=12, result="passed"))
    first = await review(client, record_id, callers.employer(employer))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "first_reviewed"
    assert (await compliance(client, callers, person))["pending"]["public"] == 12.0

    certified = await review(client, record_id, callers.hr("130100"))
    assert certified.status_code == 200, certified.text
    assert certified.json()["status"] == "certified"
    after = await compliance(client, callers, person)
    assert after["credited"]["public"] == 12.0
    assert after["pending"]["public"] == 0.0
    [entry] = after["entries"]
    assert entry == {
        "record_id": record_id,
        "hours": 12.0,
        "rule": "130000.public_platform",
        "source": "000 art. 6",
        "explanation": entry["explanation"],
    }
    assert entry["explanation"]["arithmetic"] == "12 h as recorded"


async def test_a_professional_record_is_certified_by_its_industry(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer, industry="health")
    record_id = await push_one(client, callers, record(person, "training", days=2))
    assert (await review(client, record_id, callers.employer(employer))).status_code == 200
    hr = await review(client, record_id, callers.hr("130000"))
    assert hr.status_code == 403
    assert hr.json()["code"] == "not_reviewer"
    other_industry = await review(client, record_id, callers.industry("engineering"))
    assert other_industry.status_code == 404  # it cannot even see the record
    done = await review(client, record_id, callers.industry("health", "130000"))
    assert done.status_code == 200
    assert done.json()["status"] == "certified"
    assert (await compliance(client, callers, person))["credited"]["professional"] == 16.0


async def test_an_employer_cannot_review_another_employers_staff(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    record_id = await push_one(client, callers, record(person, days=1))
    response = await review(client, record_id, callers.employer(uuid.uuid4()))
    assert response.status_code == 404
    assert (await client.get(f"/v1/learning-records/{record_id}", headers=callers.admin())).json()["status"] == (
        "pending"
    )


async def test_an_institution_and_the_person_cannot_review(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    institution = uuid.uuid4()
    person = registry.add_person("130102", employer_id=employer)
    record_id = await push_one(client, callers, record(person, days=1), org_id=institution)
    for headers in (callers.institution(institution), callers.person(person)):
        response = await review(client, record_id, headers)
        assert response.status_code == 403
        assert response.json()["code"] == "not_reviewer"


async def test_certifying_before_the_first_review_says_what_comes_next(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    record_id = await push_one(client, callers, record(person, days=1))
    response = await review(client, record_id, callers.industry("engineering"))
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "illegal_transition"
    assert problem["allowed_next"] == [
        {"stage": "first_review", "decision": "approve", "by": ["employer_admin"], "to": "first_reviewed"},
        {"stage": "first_review", "decision": "reject", "by": ["employer_admin"], "to": "rejected"},
    ]
    assert (await review(client, record_id, callers.employer(employer))).status_code == 200
    again = await review(client, record_id, callers.employer(employer))
    assert again.status_code == 409
    assert [step["by"] for step in again.json()["allowed_next"]] == [["industry_official"], ["industry_official"]]


async def test_a_certified_record_leaves_the_chain(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")  # no employer: no first review, straight to certification
    record_id = await push_one(client, callers, record(person, days=1))
    assert (await review(client, record_id, callers.industry())).json()["status"] == "certified"
    response = await review(client, record_id, callers.admin(), "reject", comment="changed my mind")
    assert response.status_code == 409
    assert response.json()["allowed_next"] == [
        {"stage": "spot_check", "decision": "fail", "by": ["hr_official", "industry_official"], "to": "withdrawn"}
    ]


async def test_a_rejection_needs_a_reason_and_releases_the_pending_hours(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    record_id = await push_one(client, callers, record(person, days=2))
    assert (await compliance(client, callers, person))["pending"]["professional"] == 16.0
    bare = await review(client, record_id, callers.employer(employer), "reject")
    assert bare.status_code == 422
    assert bare.json()["code"] == "comment_required"
    rejected = await review(client, record_id, callers.employer(employer), "reject", comment="not our training")
    assert rejected.json()["status"] == "rejected"
    assert (await compliance(client, callers, person))["pending"]["professional"] == 0.0
    final = await review(client, record_id, callers.employer(employer))
    assert final.status_code == 409
    assert final.json()["allowed_next"] == []


async def test_every_transition_is_audited(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, employer: uuid.UUID, database_url: str
) -> None:
    person = registry.add_person("130102", employer_id=employer)
    record_id = await push_one(client, callers, record(person, days=1))
    await review(client, record_id, callers.employer(employer), comment="looks right")
    await review(client, record_id, callers.industry(), "reject", comment="no such course")
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT id, action, actor_roles, reason, details FROM audit_event WHERE object_id = $1 "
            "ORDER BY occurred_at",
            record_id,
        )
    finally:
        await conn.close()
    # The trail's ids are time-ordered (the batch's as the single transitions'): sorted by id, it reads the same.
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(r["id"].version == 7 for r in rows)
    assert [(r["action"], r["actor_roles"], r["reason"]) for r in rows] == [
        ("record.created", "institution", None),
        ("record.first_reviewed", "employer_admin", "looks right"),
        ("record.rejected", "industry_official", "no such course"),
    ]
