"""The e-certificate as its readers see it: one per person with an opaque code (一人一证, 000 art. 14), the number
(the ID number) masked, and the person's certified activities year by year with kind, content, dates, hours,
result and institution (000 art. 15); the person, their employer, officials in scope and admin may read it."""

import uuid
from typing import Any

import asyncpg
import httpx

from cekit.pii import mask_id_number
from cekit.testing import asyncpg_url
from certificates.testing import Callers, FakePeers


def path(person_id: uuid.UUID) -> str:
    return f"/v1/certificates/{person_id}"


async def sql(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


async def test_the_certificate_records_every_certified_activity_year_by_year(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, database_url: str
) -> None:
    person = peers.add_person(name="孙八")
    institution = peers.add_institution("石家庄继续教育基地")
    person.certify(year=2024, category="public", hours="30", activity="online")
    person.certify(year=2025, category="professional", hours="8", institution_id=institution, result="优秀")
    person.certify(year=2025, category="professional", hours="36", activity="exam", recognised_from="110000")

    response = await client.get(path(person.person_id), headers=callers.person(person))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "孙八"
    assert body["certificate_number_masked"] == mask_id_number(person.id_number)
    assert person.id_number not in response.text
    code = body["certificate_code"]
    assert len(code) == 16
    assert code.isalnum()
    assert [y["year"] for y in body["years"]] == [2024, 2025]
    assert body["years"][0]["totals"] == {"total": 30, "public": 30, "professional": 0}
    assert body["years"][1]["totals"]["total"] == 44
    training = next(e for e in body["years"][1]["entries"] if e["kind"] == "training")
    assert training["institution"] == {"id": str(institution), "name": "石家庄继续教育基地"}
    assert training["result"] == "优秀"
    assert (training["start_date"], training["end_date"]) == ("2025-03-02", "2025-03-04")
    recognised = next(e for e in body["years"][1]["entries"] if e["kind"] == "exam")
    assert (recognised["source"], recognised["recognised_from"]) == ("recognised", "110000")
    assert body["statements"] == []

    # One certificate per person: the same code every time, whoever reads it.
    again = await client.get(path(person.person_id), headers=callers.admin())
    assert again.json()["certificate_code"] == code
    assert (await sql(database_url, "SELECT count(*) AS n FROM certificate WHERE person_id = $1", person.person_id))[0][
        "n"
    ] == 1

    issued = await client.post(
        "/v1/statements", json={"person_id": str(person.person_id), "year": 2025}, headers=callers.person(person)
    )
    assert issued.status_code == 201
    assert f"/verify/{code}?statement=" in issued.json()["verification_url"]
    listed = (await client.get(path(person.person_id), headers=callers.person(person))).json()["statements"]
    assert [(s["statement_id"], s["year"], s["status"]) for s in listed] == [
        (issued.json()["statement_id"], 2025, "active")
    ]


async def test_who_may_read_a_certificate(client: httpx.AsyncClient, peers: FakePeers, callers: Callers) -> None:
    employer = uuid.uuid4()
    person = peers.add_person(employer_id=employer, region_code="130102", industry="health")
    person.certify(year=2025)
    stranger = peers.add_person()

    for headers in (callers.admin(), callers.employer(employer), callers.hr("130100"), callers.industry("health")):
        assert (await client.get(path(person.person_id), headers=headers)).status_code == 200
    for headers in (
        callers.person(stranger),
        callers.employer(uuid.uuid4()),
        callers.hr("110000"),
        callers.industry("engineering"),
    ):
        refused = await client.get(path(person.person_id), headers=headers)
        assert refused.status_code == 404
        assert refused.json()["code"] == "person_not_found"
    assert (await client.get(path(person.person_id), headers=callers.institution())).status_code == 403
    assert (await client.get(path(person.person_id))).status_code == 401
    assert (await client.get(path(uuid.uuid4()), headers=callers.admin())).status_code == 404


async def test_a_person_with_no_certified_hours_yet_has_an_empty_certificate(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person()
    response = await client.get(path(person.person_id), headers=callers.person(person))
    assert response.status_code == 200
    assert response.json()["years"] == []
