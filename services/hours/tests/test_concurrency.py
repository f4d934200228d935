"""Caps and the never-twice rule hold when requests race: two batches posted at the same moment for the same
person never together exceed the Hebei university cap (000 art. 7(4)); the same batch posted 20 times at once
creates its records once, with or without an Idempotency-Key. Only records under a yearly cap wait for their
person-year's lock."""

import asyncio
from datetime import date
from typing import Any

import asyncpg
import httpx

from cekit.testing import asyncpg_url
from hours.ledger.repository import lock_key
from hours.testing import Callers, FakePerson, FakeRegistry, record

BATCH = "/v1/learning-records:batch"


async def compliance(client: httpx.AsyncClient, callers: Callers, person: FakePerson) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.get(f"/v1/compliance/{person.person_id}?year=2026", headers=callers.admin())
    ).json()
    return body


def university(person: FakePerson, months: int) -> dict[str, Any]:
    return record(person, "university_study", months=months, start=date(2026, 1, 1), end=date(2026, 6, 30))


async def test_two_batches_at_once_never_exceed_the_university_cap(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    registry.lookup_delay = 0.05  # both requests are in flight together before either writes
    for _ in range(3):
        person = registry.add_person("130102")
        batches = [[university(person, 4), university(person, 2)], [university(person, 5), university(person, 1)]]
        responses = await asyncio.gather(
            *(client.post(BATCH, json={"records": b}, headers=callers.institution()) for b in batches)
        )
        credited = [r["credited_hours"] for resp in responses for r in resp.json()["results"]]
        assert all(r["status"] == "created" for resp in responses for r in resp.json()["results"])
        assert sum(credited) == 90.0  # 180 h asked for; the year holds 90 (000 art. 7(4))
        assert (await compliance(client, callers, person))["pending"]["professional"] == 90.0


async def test_the_same_batch_twenty_times_at_once_creates_it_once(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    institution = callers.institution()
    batch = {
        "records": [record(person, "training", days=3), university(person, 4), record(person, "exam", result="passed")]
    }
    responses = await asyncio.gather(*(client.post(BATCH, json=batch, headers=institution) for _ in range(20)))
    assert {r.status_code for r in responses} == {200}
    statuses = [[item["status"] for item in r.json()["results"]] for r in responses]
    assert statuses.count(["created"] * 3) == 1
    assert statuses.count(["duplicate"] * 3) == 19
    ids = {tuple(item["record_id"] for item in r.json()["results"]) for r in responses}
    assert len(ids) == 1  # every answer names the same three records
    assert (await compliance(client, callers, person))["pending"]["professional"] == 24 + 60 + 36


async def test_the_same_batch_twenty_times_with_one_idempotency_key_acts_once(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    person = registry.add_person("130102")
    institution = callers.institution()
    registry.lookup_delay = 0.05
    batch = {"records": [record(person, "training", days=2), university(person, 3)]}
    headers = {**institution, "Idempotency-Key": "push-0001"}
    responses = await asyncio.gather(*(client.post(BATCH, json=batch, headers=headers) for _ in range(20)))
    codes = [r.status_code for r in responses]
    assert codes.count(200) >= 1
    assert set(codes) <= {200, 409}
    firsts = [r for r in responses if r.status_code == 200 and "idempotent-replayed" not in r.headers]
    assert len(firsts) == 1
    assert [i["status"] for i in firsts[0].json()["results"]] == ["created", "created"]
    in_flight = [r for r in responses if r.status_code == 409]
    assert all(r.json()["code"] == "idempotency_in_flight" for r in in_flight)
    replay = await client.post(BATCH, json=batch, headers=headers)
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json() == firsts[0].json()
    assert (await compliance(client, callers, person))["pending"]["professional"] == 16 + 45


async def test_an_external_id_taken_by_a_batch_in_flight_is_a_conflict_and_the_rest_of_the_batch_goes_in(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # Two people, so the two batches share no person-year lock: both probe for repeats, find none, and write at
    # the same moment. The record id is the institution's; the second writer must not overwrite nor fail.
    registry.lookup_delay = 0.05
    institution = callers.institution()
    for _ in range(3):
        first, second = registry.add_person("130102"), registry.add_person("130102")
        contested = record(first, "training", days=3)
        rival = record(second, "training", days=2) | {"external_id": contested["external_id"]}
        bystander = record(second, "exam", result="passed")
        one, other = await asyncio.gather(
            client.post(BATCH, json={"records": [contested]}, headers=institution),
            client.post(BATCH, json={"records": [rival, bystander]}, headers=institution),
        )
        assert (one.status_code, other.status_code) == (200, 200)
        [mine], [theirs, passer_by] = one.json()["results"], other.json()["results"]
        assert sorted([mine["status"], theirs["status"]]) == ["created", "rejected"]
        loser = mine if mine["status"] == "rejected" else theirs
        assert loser["error"]["code"] == "conflict"
        assert passer_by["status"] == "created"
        # Only what went in counts: the contested record's hours once, for its one person, and the exam.
        winner_hours = 24.0 if mine["status"] == "created" else 16.0
        pending = [(await compliance(client, callers, p))["pending"]["professional"] for p in (first, second)]
        assert pending == ([24.0, 36.0] if winner_hours == 24.0 else [0.0, 16.0 + 36.0])


async def test_only_a_record_under_a_yearly_cap_waits_for_its_person_years_lock(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, database_url: str
) -> None:
    person = registry.add_person("130102")
    holder = await asyncpg.connect(asyncpg_url(database_url))
    try:
        # Another request holds the person-year (a reviewer certifying one of the person's records, say).
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1)", lock_key(person.person_id, 2026))
        # An exam credits a flat amount under no cap (000 art. 7(1)): it reads nothing the holder may change.
        exam = await asyncio.wait_for(
            client.post(
                BATCH, json={"records": [record(person, "exam", result="passed")]}, headers=callers.institution()
            ),
            timeout=10,
        )
        assert exam.json()["results"][0]["status"] == "created"
        # University study is capped at 90 h a year (000 art. 7(4)): it waits until the holder is done.
        capped = asyncio.create_task(
            client.post(BATCH, json={"records": [university(person, 2)]}, headers=callers.institution())
        )
        await asyncio.sleep(0.5)
        assert not capped.done()
        await transaction.commit()
        answer = await asyncio.wait_for(capped, timeout=10)
        assert answer.json()["results"][0]["status"] == "created"
    finally:
        await holder.close()
