"""Title-evaluation eligibility over a window of years (RULES.md §6): every year must meet its requirement
(004 §3 "每个自然年度"); the answer names the short years and the rule of the person's jurisdiction."""

import uuid
from datetime import date
from typing import Any

import httpx

from hours.testing import Callers, FakePerson, FakeRegistry, record


async def push(client: httpx.AsyncClient, callers: Callers, *records: dict[str, Any]) -> list[str]:
    response = await client.post(
        "/v1/learning-records:batch", json={"records": list(records)}, headers=callers.institution()
    )
    results = response.json()["results"]
    assert all(r["status"] == "created" for r in results), results
    return [str(r["record_id"]) for r in results]


async def certify(
    client: httpx.AsyncClient, callers: Callers, person: FakePerson, record_id: str, public: bool
) -> None:
    """The employer's first review where there is one (000 art. 14), then HR (public) or the industry certifies."""
    path = f"/v1/learning-records/{record_id}/reviews"
    if person.employer_id is not None:
        first = await client.post(path, json={"decision": "approve"}, headers=callers.employer(person.employer_id))
        assert first.json()["status"] == "first_reviewed", first.text
    headers = callers.hr("130000") if public else callers.industry()
    response = await client.post(path, json={"decision": "approve"}, headers=headers)
    assert response.json()["status"] == "certified", response.text


async def hebei_year(
    client: httpx.AsyncClient, callers: Callers, person: FakePerson, year: int, professional: int = 60
) -> None:
    """30 public and ``professional`` hours of ``year``, certified (Hebei requires 30 + 60, 000 art. 5)."""
    start, end = date(year, 3, 1), date(year, 5, 1)
    public_id, professional_id = await push(
        client,
        callers,
        record(person, "online", category="public", hours=30, result="passed", start=start, end=end),
        record(person, "online", hours=professional, start=start, end=end),
    )
    await certify(client, callers, person, public_id, public=True)
    await certify(client, callers, person, professional_id, public=False)


async def eligibility(
    client: httpx.AsyncClient, person: FakePerson, headers: dict[str, str], window: str = "from_year=2024&to_year=2026"
) -> httpx.Response:
    return await client.get(f"/v1/eligibility/{person.person_id}?{window}", headers=headers)


async def test_a_window_with_one_short_year_is_not_eligible_and_names_it(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    employer = uuid.uuid4()
    person = registry.add_person("130102", employer_id=employer)
    await hebei_year(client, callers, person, 2024)
    await hebei_year(client, callers, person, 2025, professional=50)
    await hebei_year(client, callers, person, 2026)

    response = await eligibility(client, person, callers.person(person))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["eligible"], body["unmet_years"]) == (False, [2025])
    assert [(y["year"], y["compliant"]) for y in body["years"]] == [(2024, True), (2025, False), (2026, True)]
    short = body["years"][1]
    assert short["credited"] == {"total": 80.0, "public": 30.0, "professional": 50.0, "public_required": 0.0}
    assert short["shortfall"] == {"total": 10.0, "public": 0.0, "professional": 10.0, "public_required": None}
    assert short["required"]["total"] == 90.0
    assert body["rule"]["source"] == "000 art. 15"
    assert all(y["assessment"] is None for y in body["years"])

    # The employer's current opinion of a year shows beside it; it does not change the hours' answer.
    signed = await client.post(
        "/v1/assessments",
        json={"person_id": str(person.person_id), "year": 2026, "opinion": "verified"},
        headers=callers.employer(employer),
    )
    assert signed.status_code == 201
    body = (await eligibility(client, person, callers.employer(employer))).json()
    assert [y["assessment"] and y["assessment"]["opinion"] for y in body["years"]] == [None, None, "verified"]

    # The two windows that leave 2025 out are met.
    assert (await eligibility(client, person, callers.admin(), "from_year=2026&to_year=2026")).json()["eligible"]
    await hebei_year(client, callers, person, 2025, professional=10)
    assert (await eligibility(client, person, callers.admin())).json()["eligible"] is True


async def test_the_rule_cited_follows_the_jurisdiction(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    expected = {"410221": "004 §3", "510104": "001 §4", "130102": "000 art. 15", "410102": "RULES.md §6"}
    for region, source in expected.items():
        person = registry.add_person(region)
        # Nothing recorded: the registry's facts give the jurisdiction, and no year is met.
        body = (await eligibility(client, person, callers.person(person))).json()
        assert body["rule"]["source"].startswith(source), (region, body["rule"])
        assert (body["eligible"], body["unmet_years"]) == (False, [2024, 2025, 2026])
    kaifeng = (await eligibility(client, registry.add_person("410221"), callers.hr("130000"))).status_code
    assert kaifeng == 404  # a Hebei official does not see a Kaifeng person
    person = registry.add_person("410221", title_level="junior")
    body = (await eligibility(client, person, callers.person(person))).json()
    assert body["years"][0]["required"]["public"] == 22.0  # 004 §3, junior title
    assert "city level" in body["rule"]["note"]


async def test_the_window_is_validated(client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers) -> None:
    person = registry.add_person("130102")
    headers = callers.person(person)
    for window, code in (
        ("from_year=2026&to_year=2024", "invalid_window"),
        ("from_year=2016&to_year=2026", "invalid_window"),  # eleven years
        ("from_year=2025&to_year=2027", "year_not_open"),
        ("from_year=1999&to_year=2001", "validation_failed"),
        ("from_year=2025", "validation_failed"),
        ("from_year=x&to_year=2026", "validation_failed"),
    ):
        response = await eligibility(client, person, headers, window)
        assert response.status_code == 422, window
        assert response.json()["code"] == code, window
    ten = await eligibility(client, person, headers, "from_year=2017&to_year=2026")
    assert ten.status_code == 200
    assert len(ten.json()["years"]) == 10


async def test_who_may_read_eligibility(client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers) -> None:
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
        assert (await eligibility(client, person, headers)).status_code == 200
    for headers in (
        callers.person(registry.add_person("130102")),
        callers.employer(uuid.uuid4()),
        callers.hr("510000"),
        callers.industry("engineering"),
        callers.institution(),
    ):
        response = await eligibility(client, person, headers)
        assert response.status_code == 404
        assert response.json()["code"] == "person_not_found"
    assert (await client.get(f"/v1/eligibility/{person.person_id}?from_year=2025&to_year=2026")).status_code == 401
