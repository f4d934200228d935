"""Records in: institutions' batches (each item answered on its own, in input order; the same external_id
never counts twice) and declarations by people and employers."""

import dataclasses
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from cekit.testing import asyncpg_url
from hours.records.schemas import BatchResult
from hours.testing import Callers, FakePerson, FakeRegistry, new_id_number, record

BATCH = "/v1/learning-records:batch"


async def push(client: httpx.AsyncClient, headers: dict[str, str], *records: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.post(BATCH, json={"records": list(records)}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    # The answer is built without the model (for speed); it must be exactly what the model would have written.
    assert BatchResult.model_validate(body).model_dump(mode="json", exclude_none=True) == body
    results: list[dict[str, Any]] = body["results"]
    assert len(results) == len(records)
    return results


async def pending_total(client: httpx.AsyncClient, callers: Callers, person: FakePerson, year: int = 2026) -> float:
    response = await client.get(f"/v1/compliance/{person.person_id}?year={year}", headers=callers.admin())
    assert response.status_code == 200, response.text
    return float(response.json()["pending"]["total"])


async def test_a_batch_is_answered_item_by_item_in_input_order(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    hebei, sichuan = registry.add_person("130102"), registry.add_person("510104")
    records = [
        record(hebei, "training", days=3),
        record(hebei, "exam", result="passed"),
        {"external_id": "broken-1", "activity": "training"},
        record(sichuan, "online", minutes=100),
        record(hebei, "training", days=5, start=date(2026, 3, 2), end=date(2026, 3, 3)),
    ]
    results = await push(client, callers.institution(), *records)
    assert [r["external_id"] for r in results] == [r["external_id"] for r in records]
    assert [r["status"] for r in results] == ["created", "created", "rejected", "created", "rejected"]
    assert [r.get("credited_hours") for r in results] == [24.0, 36.0, None, 2.2, None]
    assert results[2]["error"]["code"] == "invalid_record"
    assert "id_number" in results[2]["error"]["detail"]
    assert results[4]["error"]["code"] == "measure_inconsistent"
    assert await pending_total(client, callers, hebei) == 60.0
    assert registry.lookup_calls == 1  # one registry call for the whole batch


async def test_the_record_carries_its_explanation(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    [result] = await push(client, callers.institution(), record(person, "training", days=2, hours=20))
    response = await client.get(f"/v1/learning-records/{result['record_id']}", headers=callers.person(person))
    body = response.json()
    assert body["status"] == "pending"
    assert body["credited_hours"] == 16.0
    assert body["rule"] == "130000.training"
    assert body["source"] == "000 art. 7(3)"
    assert body["explanation"]["arithmetic"].startswith("min(20 h taught, 8 h/day × 2 days = 16 h) = 16 h")
    assert body["measure"]["days"] == 2
    assert body["measure"]["hours"] == 20.0


REFUSALS = [
    pytest.param({"start_date": "2026-03-05", "end_date": "2026-03-04"}, "invalid_dates", id="start after end"),
    pytest.param({"end_date": (date.today() + timedelta(days=3)).isoformat()}, "future_date", id="in the future"),
    pytest.param({"days": None}, "measure_missing", id="training without days"),
    pytest.param({"months": 2}, "measure_unexpected", id="months on a training"),
    pytest.param({"days": 4}, "measure_inconsistent", id="4 days in a 3-day range"),
    pytest.param({"hours": 80}, "measure_inconsistent", id="80 hours in 3 days"),
    pytest.param({"category": "hobby"}, "invalid_record", id="unknown category"),
    pytest.param({"activity": "sailing"}, "invalid_record", id="unknown activity"),
    pytest.param({"hours": 8.25}, "invalid_record", id="two decimal places"),
    pytest.param({"surprise": 1}, "invalid_record", id="an unknown field"),
    pytest.param({"required": True}, "required_not_public", id="required on a professional course"),
    pytest.param({"category": "public"}, "no_rule", id="000 art. 6: Hebei public training"),
]


@pytest.mark.parametrize(("change", "code"), REFUSALS)
async def test_a_bad_item_is_refused_with_a_code_and_the_others_go_in(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, change: dict[str, Any], code: str
) -> None:
    person = registry.add_person("130102")
    bad = record(person, "training", days=3)
    bad.update(change)
    bad = {k: v for k, v in bad.items() if v is not None}
    results = await push(client, callers.institution(), bad, record(person, "training", days=1))
    assert results[0]["status"] == "rejected", results[0]
    assert results[0]["error"]["code"] == code, results[0]
    assert results[1]["status"] == "created"
    assert await pending_total(client, callers, person) == 8.0


async def test_people_the_registry_does_not_know_are_refused(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    stranger = FakePerson(uuid.uuid4(), new_id_number("130102"), "无名", "130102", None, "none", "x")
    wrong_name = {**record(person, days=1), "name": "别人"}
    wrong_check = "0" if person.id_number[-1] != "0" else "1"
    bad_number = {**record(person, days=1), "id_number": person.id_number[:17] + wrong_check}
    results = await push(client, callers.institution(), record(stranger, days=1), wrong_name, bad_number)
    assert [r["error"]["code"] for r in results] == ["unknown_person", "name_mismatch", "invalid_id_number"]


async def test_the_same_external_id_never_counts_twice(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    institution = callers.institution()
    person = registry.add_person("130102")
    first = record(person, "training", days=3)
    [created] = await push(client, institution, first)
    [again] = await push(client, institution, first)
    assert again["status"] == "duplicate"
    assert again["record_id"] == created["record_id"]
    assert again["credited_hours"] == 24.0
    changed = {**first, "days": 2}
    [conflict] = await push(client, institution, changed)
    assert conflict["status"] == "rejected"
    assert conflict["error"]["code"] == "conflict"
    assert conflict["record_id"] == created["record_id"]
    assert await pending_total(client, callers, person) == 24.0
    # Another institution's identical external_id is its own record.
    [other] = await push(client, callers.institution(), first)
    assert other["status"] == "created"
    assert other["record_id"] != created["record_id"]


async def test_an_external_id_twice_in_one_batch_refuses_both(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    a = record(person, days=1, external_id="twice")
    b = record(person, days=2, external_id="twice")
    results = await push(client, callers.institution(), a, b, record(person, days=1))
    assert [r["status"] for r in results] == ["rejected", "rejected", "created"]
    assert {r["error"]["code"] for r in results[:2]} == {"duplicate_in_batch"}


async def test_a_whole_batch_that_is_not_one_is_a_problem(client: httpx.AsyncClient, callers: Callers) -> None:
    too_many = await client.post(BATCH, json={"records": [{}] * 1001}, headers=callers.institution())
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "validation_failed"
    empty = await client.post(BATCH, json={"records": []}, headers=callers.institution())
    assert empty.status_code == 422
    # The batch router parses bodies with orjson (cekit.routing): broken JSON, and JSON's forbidden NaN, are still
    # a 422 problem that says where, never a 500.
    for body in (b'{"records": [{"external_id": "r-1",', b'{"records": [NaN]}'):
        broken = await client.post(
            BATCH, content=body, headers={**callers.institution(), "Content-Type": "application/json"}
        )
        assert broken.status_code == 422
        assert broken.headers["content-type"] == "application/problem+json"
        assert broken.json()["code"] == "validation_failed"
        assert broken.json()["errors"][0]["code"] == "json_invalid"


async def test_only_institutions_push(client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers) -> None:
    person = registry.add_person("130102")
    body = {"records": [record(person, days=1)]}
    assert (await client.post(BATCH, json=body)).status_code == 401
    for headers in (callers.person(person), callers.hr(), callers.employer(uuid.uuid4())):
        response = await client.post(BATCH, json=body, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "role_required"
    no_organisation = {"Authorization": "Bearer " + callers.minter.mint("acct-x", roles=("institution",))}
    response = await client.post(BATCH, json=body, headers=no_organisation)
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"


async def test_a_registry_outage_is_503_and_writes_nothing(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, database_url: str
) -> None:
    person = registry.add_person("130102")
    registry.down = True
    response = await client.post(BATCH, json={"records": [record(person, days=1)]}, headers=callers.institution())
    assert response.status_code == 503
    assert response.json()["code"] == "registry_unavailable"
    assert response.headers["content-type"] == "application/problem+json"
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM learning_record WHERE person_id = $1", person.person_id) == 0
    finally:
        await conn.close()


# ---- declarations ----------------------------------------------------------------------------------------------
def declaration(person: FakePerson, activity: str, **fields: Any) -> dict[str, Any]:
    body = record(person, activity, **fields)
    body.pop("external_id")
    return body


async def test_a_person_declares_their_own_self_study(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("510104")
    body = {**declaration(person, "self_study", characters=3200), "external_id": "notes-1"}
    response = await client.post("/v1/learning-records", json=body, headers=callers.person(person))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["credited_hours"] == 3.2
    assert created["status"] == "pending"
    assert created["submitter_type"] == "person"
    assert created["source"].startswith("001 §2.2")
    again = await client.post("/v1/learning-records", json=body, headers=callers.person(person))
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]


async def test_a_person_declares_only_for_themself(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    me, other = registry.add_person("510104"), registry.add_person("510104")
    response = await client.post(
        "/v1/learning-records", json=declaration(other, "publication", characters=1000), headers=callers.person(me)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_self"
    online = await client.post(
        "/v1/learning-records", json=declaration(me, "online", hours=2), headers=callers.person(me)
    )
    assert online.status_code == 422
    assert online.json()["code"] == "not_declarable"


async def test_an_employer_declares_in_unit_training_of_its_staff(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    employer = uuid.uuid4()
    staff, outsider = registry.add_person("130102", employer_id=employer), registry.add_person("130102")
    headers = callers.employer(employer)
    response = await client.post("/v1/learning-records", json=declaration(staff, "in_unit", days=2), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["credited_hours"] == 8.0
    assert response.json()["status"] == "first_reviewed"  # its declaration is its first review (000 art. 14)
    refused = await client.post("/v1/learning-records", json=declaration(outsider, "in_unit", days=2), headers=headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_your_staff"
    not_in_unit = await client.post("/v1/learning-records", json=declaration(staff, "exam"), headers=headers)
    assert not_in_unit.status_code == 422
    assert not_in_unit.json()["code"] == "not_declarable"


# ---- reading ---------------------------------------------------------------------------------------------------
async def test_who_may_read_a_record(client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers) -> None:
    employer, institution = uuid.uuid4(), uuid.uuid4()
    person = registry.add_person("130102", employer_id=employer, industry="health")
    [result] = await push(client, callers.institution(institution), record(person, days=1))
    path = f"/v1/learning-records/{result['record_id']}"
    allowed = [
        callers.person(person),
        callers.employer(employer),
        callers.hr("130000"),
        callers.hr("130100"),
        callers.hr("130102"),
        callers.industry("health", "130000"),
        callers.institution(institution),
        callers.admin(),
    ]
    for headers in allowed:
        assert (await client.get(path, headers=headers)).status_code == 200
    refused = [
        callers.person(registry.add_person("130102")),
        callers.employer(uuid.uuid4()),
        callers.hr("130200"),
        callers.hr("510000"),
        callers.industry("engineering", "130000"),
        callers.industry("health", "510000"),
        callers.institution(),
        callers.expert(),
    ]
    for headers in refused:
        response = await client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "record_not_found"


async def test_lists_page_with_a_cursor_and_show_only_what_the_caller_may_see(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person, other = registry.add_person("130102"), registry.add_person("130102")
    institution = callers.institution()
    records = [record(person, days=1) for _ in range(5)] + [record(other, days=1)]
    await push(client, institution, *records)
    seen: list[str] = []
    cursor = None
    while True:
        query = f"/v1/learning-records?year=2026&limit=2{'&cursor=' + cursor if cursor else ''}"
        page = (await client.get(query, headers=callers.person(person))).json()
        seen += [item["external_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["external_id"] for r in records[:5]]
    filtered = await client.get(f"/v1/learning-records?person_id={other.person_id}", headers=callers.person(person))
    assert filtered.json()["items"] == []
    assert (await client.get("/v1/learning-records?cursor=garbage", headers=callers.admin())).status_code == 400


async def test_xiongan_officials_see_their_counties_and_baoding_officials_do_not(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    rongcheng, baoding = registry.add_person("130629"), registry.add_person("130602")
    await push(client, callers.institution(), record(rongcheng, days=1), record(baoding, days=1))

    async def people_seen(headers: dict[str, str]) -> set[str]:
        found = set()
        for person in (rongcheng, baoding):
            page = await client.get(f"/v1/learning-records?person_id={person.person_id}", headers=headers)
            found |= {item["person_id"] for item in page.json()["items"]}
        return found

    assert await people_seen(callers.hr("133100")) == {str(rongcheng.person_id)}
    assert await people_seen(callers.hr("130600")) == {str(baoding.person_id)}
    assert await people_seen(callers.hr("130000")) == {str(rongcheng.person_id), str(baoding.person_id)}


# ---- caps across records ---------------------------------------------------------------------------------------
async def test_caps_count_the_years_live_hours_across_batches(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # 001 §2.2: self-study and publications together ≤ 50 h a year; the year is the end date's.
    person = registry.add_person("510104")
    institution = callers.institution()
    first = await push(
        client,
        institution,
        record(person, "publication", characters=20000),
        record(person, "self_study", characters=8000),
    )
    assert [r["credited_hours"] for r in first] == [40.0, 8.0]
    second = await push(
        client,
        institution,
        record(person, "self_study", characters=5000),
        record(person, "publication", characters=5000, start=date(2025, 6, 1), end=date(2025, 6, 30)),
    )
    assert [r["credited_hours"] for r in second] == [2.0, 10.0]  # 2 h left in 2026; 2025 is another year
    detail = await client.get(f"/v1/learning-records/{second[0]['record_id']}", headers=callers.admin())
    cap = detail.json()["explanation"]["cap"]
    assert (cap["limit"], cap["used_before"], cap["cut"], cap["source"].startswith("001 §2.2")) == (50, 48, 3, True)

    # A rejected record no longer holds its share of the cap: the next one may use it.
    rejected = await client.post(
        f"/v1/learning-records/{first[1]['record_id']}/reviews",
        json={"decision": "reject", "comment": "not assessed by the employer"},
        headers=callers.industry(person.industry, "510000"),
    )
    assert rejected.json()["status"] == "rejected"
    [third] = await push(client, institution, record(person, "self_study", characters=9000))
    assert third["credited_hours"] == 8.0


async def test_a_repeated_record_in_a_batch_takes_no_share_of_a_cap(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # 001 §2.2: self-study and publications together ≤ 50 h a year. The repeat is answered as a duplicate and the
    # new record gets what the year has left, as if the repeat had not been sent.
    person = registry.add_person("510104")
    institution = callers.institution()
    publication = record(person, "publication", characters=20000)
    [first] = await push(client, institution, publication)
    assert first["credited_hours"] == 40.0
    repeat, new = await push(client, institution, publication, record(person, "self_study", characters=8000))
    assert (repeat["status"], repeat["record_id"], repeat["credited_hours"]) == ("duplicate", first["record_id"], 40.0)
    assert (new["status"], new["credited_hours"]) == ("created", 8.0)
    [last] = await push(client, institution, record(person, "self_study", characters=5000))
    assert last["credited_hours"] == 2.0  # 48 of 50 h held: the repeat counted once


async def test_an_item_that_is_not_even_an_object_is_refused_alone(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    results = await push(client, callers.institution(), "not a record", [1, 2], record(person, days=1))
    assert [r["status"] for r in results] == ["rejected", "rejected", "created"]
    assert results[0]["error"]["code"] == "invalid_record"


async def test_a_new_record_brings_the_registrys_latest_facts_and_a_duplicate_changes_nothing(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # Who may read a person's year follows the employer the registry gave with their latest record.
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    institution = callers.institution(uuid.uuid4())
    person = registry.add_person("130102", employer_id=first)
    path = f"/v1/compliance/{person.person_id}?year=2026"
    taken = record(person, "training", days=1)
    await push(client, institution, taken)
    assert (await client.get(path, headers=callers.employer(first))).status_code == 200

    moved = dataclasses.replace(person, employer_id=second)
    registry.people[person.id_number] = moved
    [result] = await push(client, institution, taken)  # the same record again: nothing new goes in
    assert result["status"] == "duplicate"
    assert (await client.get(path, headers=callers.employer(first))).status_code == 200
    assert (await client.get(path, headers=callers.employer(second))).status_code == 404

    [result] = await push(client, institution, record(moved, "training", days=1))
    assert result["status"] == "created"
    assert (await client.get(path, headers=callers.employer(second))).status_code == 200
    assert (await client.get(path, headers=callers.employer(first))).status_code == 404

    # Facts unchanged since: the profile stays as it is.
    [result] = await push(client, institution, record(moved, "training", days=1))
    assert result["status"] == "created"
    assert (await client.get(path, headers=callers.employer(second))).status_code == 200
    assert (await client.get(path, headers=callers.employer(third))).status_code == 404
