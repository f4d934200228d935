"""What other systems ask about people: our services' batch lookup (one query per batch, answers in input
order) and the institutions' pre-check before enrolment (three answers, nothing more)."""

import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from cekit.db import Reader
from cekit.identifiers import id_check_character
from cekit.testing import asyncpg_url, running_app
from registry.app import create_app
from registry.config import Settings

LOOKUPS = "/v1/internal/registry/person-lookups"
CHECKS = "/v1/persons/checks"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def service_token(mint: Any) -> str:
    return str(mint("service", client_id="cl_hours"))


async def test_a_batch_is_answered_item_by_item_in_input_order(
    client: httpx.AsyncClient, seed: Any, service_token: str
) -> None:
    employer = await seed.employer("130100", "health")
    known, renamed = seed.new_id_number("130102"), seed.new_id_number("130102")
    known_id = await seed.person(id_number=known, name="阿依古丽·买买提", employer_id=employer, title_level="senior")
    await seed.person(id_number=renamed, name="王五")
    unregistered = seed.new_id_number("130102")
    items = [
        {"id_number": unregistered, "name": "赵六"},
        {"id_number": known.lower(), "name": "阿依古丽 • 买买提"},  # other dot, a space: the same name
        {"id_number": renamed, "name": "王武"},
        {"id_number": known[:17] + ("1" if known[17] != "1" else "2"), "name": "阿依古丽·买买提"},
        {"id_number": known, "name": "阿依古丽·买买提"},  # the same person twice is fine
    ]
    response = await client.post(LOOKUPS, json={"items": items}, headers=_bearer(service_token))

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "unknown_person", "found", "name_mismatch", "invalid_id_number", "found"
    ]  # fmt: skip
    assert (
        results[1]
        == results[4]
        == {
            "status": "found",
            "person_id": str(known_id),
            "region_code": "130102",
            "province_code": "130000",
            "employer_id": str(employer),
            "title_level": "senior",
            "industry": "health",
        }
    )
    assert results[3]["reason"].startswith("id_number_bad_check")
    assert set(results[2]) == {"status", "reason"}  # a mismatch does not tell the registered name
    assert "王五" not in response.text
    for item in items:
        assert item["id_number"] not in response.text


class _CountingReader(Reader):
    """A read-only reader like the app's own, noting each statement it runs."""

    def __init__(self, url: str) -> None:
        super().__init__(url, size=2, application_name="registry-test")
        self.statements: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.statements.append(sql)
        return await super().fetch(sql, *args)


async def test_a_batch_takes_one_query_however_long(settings: Settings, seed: Any, service_token: str) -> None:
    people = [(seed.new_id_number(), "张三") for _ in range(20)]
    for number, name in people[:10]:
        await seed.person(id_number=number, name=name)
    app = create_app(settings)
    async with running_app(app) as client:
        await app.state.reader.close()
        reader = app.state.reader = _CountingReader(settings.database_url)
        in_transactions: list[str] = []
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", lambda *a: in_transactions.append(a[2]))
        for size in (2, 20):
            reader.statements.clear()
            items = [{"id_number": n, "name": name} for n, name in people[:size]]
            response = await client.post(LOOKUPS, json={"items": items}, headers=_bearer(service_token))
            assert response.status_code == 200
            assert len([r for r in response.json()["results"] if r["status"] == "found"]) == min(size, 10)
            assert len([s for s in reader.statements if "FROM person" in s]) == 1, reader.statements
        # Read-only, outside any transaction: a lookup writes nothing, not even an audit row.
        assert in_transactions == []


async def test_a_number_is_found_in_any_of_its_written_forms(
    client: httpx.AsyncClient, seed: Any, service_token: str
) -> None:
    number = seed.new_id_number(born=date(1965, 3, 15))
    person_id = await seed.person(id_number=number, name="李四")
    legacy = number[:6] + number[8:17]  # the 15 digits of before 1999: a two-digit year, no check character
    items = [{"id_number": legacy, "name": "李四"}, {"id_number": f" {number.lower()} ", "name": "李四"}]
    response = await client.post(LOOKUPS, json={"items": items}, headers=_bearer(service_token))

    assert response.status_code == 200, response.text
    assert [(r["status"], r.get("person_id")) for r in response.json()["results"]] == [("found", str(person_id))] * 2


async def test_every_unreadable_number_is_answered_with_its_reason(
    client: httpx.AsyncClient, seed: Any, service_token: str
) -> None:
    number = seed.new_id_number()
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    no_such_day = number[:6] + "19991332" + number[14:17]
    cases = {
        number[:16]: "id_number_bad_length",
        no_such_day + id_check_character(no_such_day): "id_number_bad_date",
        full_width: "id_number_bad_format",  # other scripts' digits are not digits of an ID number
        "²" * 18: "id_number_bad_format",
        number[:17] + ("1" if number[17] != "1" else "2"): "id_number_bad_check",
    }
    items = [{"id_number": raw, "name": "张三"} for raw in cases]
    response = await client.post(LOOKUPS, json={"items": items}, headers=_bearer(service_token))

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["invalid_id_number"] * len(cases)
    assert [r["reason"].split(":")[0] for r in results] == list(cases.values())
    for raw in cases:
        assert raw not in response.text


async def test_an_item_with_an_unknown_field_is_refused(
    client: httpx.AsyncClient, seed: Any, service_token: str
) -> None:
    number = seed.new_id_number()
    items = [{"id_number": number, "name": "张三"}, {"id_number": number, "name": "张三", "birth_date": "1990-01-01"}]
    response = await client.post(LOOKUPS, json={"items": items}, headers=_bearer(service_token))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("items[1].birth_date", "extra_forbidden")]
    assert number not in response.text


async def test_a_batch_has_at_most_1000_items(client: httpx.AsyncClient, seed: Any, service_token: str) -> None:
    item = {"id_number": seed.new_id_number(), "name": "张三"}
    too_many = await client.post(LOOKUPS, json={"items": [item] * 1001}, headers=_bearer(service_token))
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "validation_failed"
    assert too_many.json()["errors"][0]["field"] == "items"
    assert item["id_number"] not in too_many.text
    just_enough = await client.post(LOOKUPS, json={"items": [item] * 1000}, headers=_bearer(service_token))
    assert just_enough.status_code == 200
    assert len(just_enough.json()["results"]) == 1000


async def test_only_our_services_look_up_in_batches(client: httpx.AsyncClient, mint: Any, seed: Any) -> None:
    body = {"items": [{"id_number": seed.new_id_number(), "name": "张三"}]}
    for role in ("admin", "hr_official", "institution", "partner", "person"):
        response = await client.post(LOOKUPS, json=body, headers=_bearer(mint(role, region_code="130000")))
        assert (response.status_code, response.json()["code"]) == (403, "role_required"), role


async def test_an_institution_pre_checks_a_trainee(
    client: httpx.AsyncClient, seed: Any, mint: Any, database_url: str
) -> None:
    institution = await seed.institution()
    token = mint("institution", org_id=institution, client_id="cl_lms", subject="cl_lms")  # its machine client
    number = seed.new_id_number()
    person_id = await seed.person(id_number=number, name="Anna Müller")
    unregistered = seed.new_id_number()

    found, registered_only = (True, True, True), (True, True, False)
    cases = [
        ({"id_number": number, "name": "ANNA  MÜLLER"}, found),  # case and spaces do not matter
        ({"id_number": number, "name": "Anna Miller"}, registered_only),
        ({"id_number": unregistered, "name": "张三"}, (True, False, None)),
        ({"id_number": number[:17] + "Y", "name": "张三"}, (False, False, None)),
        ({"id_number": "²" * 18, "name": "张三"}, (False, False, None)),  # digits, but not an ID number's
    ]
    for body, expected in cases:
        response = await client.post(CHECKS, json=body, headers=_bearer(token))
        assert response.status_code == 200, response.text
        valid, registered, name_matches = expected
        # These three answers and nothing else about the person.
        assert response.json() == {"id_number_valid": valid, "registered": registered, "name_matches": name_matches}

    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT actor, actor_roles FROM audit_event WHERE action = 'person.checked' AND object_id = $1",
            str(person_id),
        )
    finally:
        await conn.close()
    assert [(r["actor"], r["actor_roles"]) for r in rows] == [("cl_lms", "institution")] * 2


async def test_only_institutions_pre_check(client: httpx.AsyncClient, mint: Any, seed: Any) -> None:
    body = {"id_number": seed.new_id_number(), "name": "张三"}
    for role in ("admin", "hr_official", "employer_admin", "person", "service"):
        response = await client.post(CHECKS, json=body, headers=_bearer(mint(role, org_id=uuid.uuid4())))
        assert (response.status_code, response.json()["code"]) == (403, "role_required"), role
