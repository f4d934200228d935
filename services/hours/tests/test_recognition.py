"""Hours a partner province certified, recognised here once per credential entry (000 art. 22), reversed when
the partner revokes the credential; and the certified records behind a certificate (000 art. 14–15)."""

import asyncio
import uuid
from typing import Any

import httpx

from hours.testing import Callers, FakePerson, FakeRegistry, record

CREDIT = "/v1/internal/hours/recognised-credits"
WITHDRAW = "/v1/internal/hours/recognised-credits:withdraw"
BEIJING = "urn:ce:110000:certificates"
RUN = uuid.uuid4().hex[:8]


def statement(person: FakePerson, credential_id: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "issuer": BEIJING,
        "partner_region_code": "110000",
        "credential_id": credential_id,
        "entries": list(entries),
    }


def entry(entry_id: str, hours: str, category: str = "professional", **fields: Any) -> dict[str, Any]:
    """A certified entry of the partner; its id is made unique per test run (the partner's record ids are)."""
    return {
        "entry_id": f"{entry_id}-{RUN}",
        "category": category,
        "activity": "training",
        "title": "京津冀互认 培训",
        "start_date": "2026-03-02",
        "end_date": "2026-03-06",
        "hours": hours,
        "institution": "北京市某培训机构",
        **fields,
    }


async def compliance(client: httpx.AsyncClient, callers: Callers, person: FakePerson) -> dict[str, Any]:
    response = await client.get(f"/v1/compliance/{person.person_id}?year=2026", headers=callers.service())
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_recognised_hours_count_once_and_fall_when_the_partner_revokes(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    credential = f"urn:uuid:{uuid.uuid4()}"
    body = statement(person, credential, entry("e1", "40"), entry("e2", "12", category="public"))
    first = await client.post(CREDIT, json=body, headers=callers.service())
    assert first.status_code == 200, first.text
    assert [(r["entry_id"], r["status"], r["credited_hours"]) for r in first.json()["results"]] == [
        (f"e1-{RUN}", "created", 40.0),
        (f"e2-{RUN}", "created", 12.0),
    ]
    status = await compliance(client, callers, person)
    assert (status["credited"]["professional"], status["credited"]["public"]) == (40.0, 12.0)
    rules = {e["rule"] for e in status["entries"]}
    assert rules == {"partner_recognition"}

    again = await client.post(CREDIT, json=body, headers=callers.service())
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert [r["record_id"] for r in again.json()["results"]] == [r["record_id"] for r in first.json()["results"]]
    assert (await compliance(client, callers, person))["credited"]["professional"] == 40.0

    withdrawal = {"issuer": BEIJING, "credential_id": credential, "reason": "revoked by 110000"}
    withdrawn = await client.post(WITHDRAW, json=withdrawal, headers=callers.service())
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["hours"] == 52.0
    status = await compliance(client, callers, person)
    assert (status["credited"]["professional"], status["credited"]["public"]) == (0.0, 0.0)
    assert {e["rule"] for e in status["entries"]} == {"partner_recognition", "partner_revocation"}
    repeat = await client.post(WITHDRAW, json=withdrawal, headers=callers.service())
    assert repeat.json() == {"withdrawn": [], "hours": 0.0}


async def test_concurrent_replays_of_one_statement_credit_once(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    body = statement(person, f"urn:uuid:{uuid.uuid4()}", entry("only", "30"))
    answers = await asyncio.gather(*(client.post(CREDIT, json=body, headers=callers.service()) for _ in range(8)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    assert sorted(a.json()["results"][0]["status"] for a in answers) == ["created"] + ["duplicate"] * 7
    assert (await compliance(client, callers, person))["credited"]["professional"] == 30.0


async def test_only_machine_clients_may_credit_and_bad_statements_are_refused(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    body = statement(person, f"urn:uuid:{uuid.uuid4()}", entry("e1", "10"))
    for headers in (callers.person(person), callers.institution(), callers.hr()):
        assert (await client.post(CREDIT, json=body, headers=headers)).status_code == 403
    stranger = {**body, "name": "不是本人"}
    refused = await client.post(CREDIT, json=stranger, headers=callers.service())
    assert refused.status_code == 422
    assert refused.json()["code"] == "name_mismatch"
    twice = statement(person, f"urn:uuid:{uuid.uuid4()}", entry("x", "1"), entry("x", "2"))
    assert (await client.post(CREDIT, json=twice, headers=callers.service())).json()["code"] == "duplicate_in_batch"
    backwards = statement(person, "c", entry("e", "1", start_date="2026-05-01", end_date="2026-04-01"))
    response = await client.post(CREDIT, json=backwards, headers=callers.service())
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    # Nothing was written: the person's year is still empty.
    empty = await compliance(client, callers, person)
    assert (empty["credited"]["total"], empty["pending"]["total"], empty["entries"]) == (0.0, 0.0, [])


async def test_certified_records_list_local_and_recognised_hours_with_their_origin(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    institution = uuid.uuid4()
    pushed = await client.post(
        "/v1/learning-records:batch",
        json={"records": [record(person, "exam", result="passed"), record(person, "exam", result="passed")]},
        headers=callers.institution(institution),
    )
    certified_id, pending_id = (r["record_id"] for r in pushed.json()["results"])
    review = await client.post(
        f"/v1/learning-records/{certified_id}/reviews",
        json={"decision": "approve"},
        headers=callers.industry(person.industry, "130000"),
    )
    assert review.json()["status"] == "certified", review.text
    await client.post(CREDIT, json=statement(person, "cred-1", entry("beside-local", "8")), headers=callers.service())

    path = f"/v1/internal/hours/persons/{person.person_id}/certified-records?year=2026"
    answer = await client.get(path, headers=callers.service())
    assert answer.status_code == 200, answer.text
    records = {r["record_id"]: r for r in answer.json()["records"]}
    assert pending_id not in records  # only certified hours go on a certificate
    assert records[certified_id]["source"] == "local"
    assert records[certified_id]["institution_id"] == str(institution)
    [recognised] = [r for r in records.values() if r["source"] == "recognised"]
    assert (recognised["recognised_from"], recognised["hours"], recognised["activity"]) == (
        "110000",
        8.0,
        "recognised",
    )
    assert (await client.get(path, headers=callers.person(person))).status_code == 403
    unknown = await client.get(
        f"/v1/internal/hours/persons/{uuid.uuid4()}/certified-records", headers=callers.service()
    )
    assert unknown.status_code == 404


async def test_an_entry_repeated_by_a_later_statement_counts_once(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    first = statement(person, f"urn:uuid:{uuid.uuid4()}", entry("rec-1", "20"))
    reissued = statement(person, f"urn:uuid:{uuid.uuid4()}", entry("rec-1", "20"), entry("rec-2", "6"))
    assert (await client.post(CREDIT, json=first, headers=callers.service())).status_code == 200
    answer = await client.post(CREDIT, json=reissued, headers=callers.service())
    assert [(r["entry_id"], r["status"]) for r in answer.json()["results"]] == [
        (f"rec-1-{RUN}", "duplicate"),
        (f"rec-2-{RUN}", "created"),
    ]
    assert (await compliance(client, callers, person))["credited"]["professional"] == 26.0


async def test_an_entry_recognised_for_one_person_is_refused_for_another(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    owner, other = registry.add_person("130102"), registry.add_person("130102")
    shared = entry("taken", "10")
    assert (
        await client.post(CREDIT, json=statement(owner, "c-1", shared), headers=callers.service())
    ).status_code == 200
    refused = await client.post(CREDIT, json=statement(other, "c-2", shared), headers=callers.service())
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
