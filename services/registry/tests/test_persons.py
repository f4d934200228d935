"""People under their real name, as officials register them and the people and officials read them: ID-number
validation through the API, encryption at rest, masking by caller with an audit of every full read, logs free
of ID numbers, employment and title history, lists."""

import asyncio
import logging
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from cekit.identifiers import id_check_character
from cekit.pii import PiiCipher, PiiKeyError, mask_id_number
from cekit.testing import asyncpg_url
from registry.persons.rules import today

PERSONS = "/v1/persons"


async def _sql(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


async def _count(database_url: str, table: str) -> int:
    [row] = await _sql(database_url, f"SELECT count(*) AS n FROM {table}")  # noqa: S608 - a fixed table name
    return int(row["n"])


async def _reads(database_url: str, person_id: str) -> list[asyncpg.Record]:
    return await _sql(
        database_url,
        "SELECT actor, actor_roles, details FROM audit_event WHERE action = 'id_number_read' AND object_id = $1",
        person_id,
    )


def _with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


def _ending_in_x(seed: Any) -> str:
    while not (number := seed.new_id_number()).endswith("X"):
        pass
    return str(number)


@pytest.fixture(scope="module")
def world(seed: Any) -> dict[str, Any]:
    """Two employers in Shijiazhuang (130100) and one in Tangshan (130200)."""
    import asyncio

    async def build() -> dict[str, Any]:
        return {
            "employer": await seed.employer("130100", "health"),
            "other_employer": await seed.employer("130100", "health"),
            "tangshan_employer": await seed.employer("130200", "education"),
        }

    return asyncio.run(build())


@pytest.fixture(scope="module")
def tokens(mint: Any, world: dict[str, Any]) -> dict[str, str]:
    return {
        "admin": mint("admin"),
        "hr_city": mint("hr_official", region_code="130100", org_id=uuid.uuid4()),
        "hr_province": mint("hr_official", region_code="130000", org_id=uuid.uuid4()),
        "hr_tangshan": mint("hr_official", region_code="130200", org_id=uuid.uuid4()),
        "health_official": mint("industry_official", region_code="130100", industry="health", org_id=uuid.uuid4()),
        "education_official": mint("industry_official", region_code="130100", industry="education"),
        "employer_admin": mint("employer_admin", org_id=world["employer"]),
        "other_employer_admin": mint("employer_admin", org_id=world["other_employer"]),
        "institution": mint("institution", org_id=uuid.uuid4()),
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_person(seed: Any, **changes: Any) -> dict[str, Any]:
    return {
        "id_number": seed.new_id_number("130102"),
        "name": "张三",
        "region_code": "130102",
        "title_level": "intermediate",
        "industry": "health",
        **changes,
    }


# ---- registration and ID-number validation ------------------------------------------------------------------
async def test_hr_registers_a_person_with_birth_date_and_sex_from_the_id_number(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any], database_url: str
) -> None:
    number = seed.new_id_number("130102", date(1988, 2, 29), male=False)
    body = _new_person(seed, id_number=number, employer_id=str(world["employer"]))
    response = await client.post(PERSONS, json=body, headers=_bearer(tokens["hr_city"]))

    assert response.status_code == 201, response.text
    person = response.json()
    assert uuid.UUID(person["id"])
    assert person["id_number"] == number  # HR of the person's city has rights over them
    assert person["id_number_masked"] is False
    assert (person["birth_date"], person["sex"]) == ("1988-02-29", "female")
    assert (person["region_code"], person["province_code"]) == ("130102", "130000")
    assert person["employer_id"] == str(world["employer"])
    assert person["employments"] == [{"employer_id": str(world["employer"]), "start_date": None, "end_date": None}]
    assert person["titles"] == [{"title_level": "intermediate", "effective_date": None}]
    [audit] = await _sql(
        database_url, "SELECT details::text AS details FROM audit_event WHERE action = 'person.registered' "
        "AND object_id = $1", person["id"],
    )  # fmt: skip
    assert number not in audit["details"]
    assert mask_id_number(number) not in audit["details"]


def _id_cases(seed: Any) -> list[tuple[str, str, int, str | None]]:
    future = today() + timedelta(days=366)
    valid = seed.new_id_number()
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    x_number = _ending_in_x(seed)
    legacy15 = f"130102{seed.new_id_number()[8:14]}{uuid.uuid4().int % 1000:03d}"
    return [
        # (label, raw input, status, code or the 18-character form the API answers)
        ("valid", valid, 201, valid),
        ("lower-case x", x_number.lower(), 201, x_number),
        ("15-digit legacy", legacy15, 201, _with_check(legacy15[:6] + "19" + legacy15[6:])),
        ("Hong Kong permit 81", _with_check(f"810000{seed.new_id_number()[6:17]}"), 201, None),
        ("Macao permit 82", _with_check(f"820000{seed.new_id_number()[6:17]}"), 201, None),
        ("Taiwan permit 83", _with_check(f"830000{seed.new_id_number()[6:17]}"), 201, None),
        ("permanent residence 9xx", _with_check(f"911840{seed.new_id_number()[6:17]}"), 201, None),
        ("retired region prefix", _with_check(f"132201{seed.new_id_number()[6:17]}"), 201, None),
        ("wrong check character", wrong_check, 422, "id_number_bad_check"),
        ("future birth date", _with_check(f"130102{future:%Y%m%d}123"), 422, "id_number_future_birth"),
        ("30 February", _with_check("13010219900230123"), 422, "id_number_bad_date"),
        ("17 characters", valid[:17], 422, "id_number_bad_length"),
        ("letters", "13010219900307ABCD", 422, "id_number_bad_format"),
    ]


async def test_id_numbers_through_the_api(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], database_url: str
) -> None:
    # One test over the table (one app start) rather than one per row: the suite must stay fast.
    failures = []
    for label, raw, status, expected in _id_cases(seed):
        before = await _count(database_url, "person")
        response = await client.post(PERSONS, json=_new_person(seed, id_number=raw), headers=_bearer(tokens["admin"]))
        answer = response.json()
        if response.status_code != status:
            failures.append(f"{label}: {response.status_code} {answer.get('code')}")
            continue
        if status == 201:
            if expected is not None and answer["id_number"] != expected:
                failures.append(f"{label}: answered {answer['id_number']!r}")
            continue
        if answer["code"] != expected or answer["errors"][0]["field"] != "id_number":
            failures.append(f"{label}: code {answer['code']}")
        if raw in response.text or raw[:17] in response.text:
            failures.append(f"{label}: the number was echoed")
        if await _count(database_url, "person") != before:
            failures.append(f"{label}: something was written")
    assert failures == []


async def test_a_region_must_be_known_but_the_id_prefix_need_not_be(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str]
) -> None:
    body = _new_person(seed, id_number=_with_check(f"999999{seed.new_id_number()[6:17]}"), region_code="139999")
    response = await client.post(PERSONS, json=body, headers=_bearer(tokens["admin"]))
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_region"
    assert response.json()["errors"][0]["field"] == "region_code"

    body["region_code"] = "130102"  # the same unknown prefix in the ID number is fine: only the region is checked
    assert (await client.post(PERSONS, json=body, headers=_bearer(tokens["admin"]))).status_code == 201


async def test_one_person_per_id_number_and_the_id_only_to_who_may_see_them(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str]
) -> None:
    number = _ending_in_x(seed)
    first = await client.post(PERSONS, json=_new_person(seed, id_number=number), headers=_bearer(tokens["hr_city"]))
    assert first.status_code == 201

    # The same person again, with the lower-case x and a different name: still the same ID number.
    again = await client.post(
        PERSONS, json=_new_person(seed, id_number=number.lower(), name="李四"), headers=_bearer(tokens["hr_city"])
    )
    assert again.status_code == 409
    assert again.json()["code"] == "person_exists"
    assert again.json()["person_id"] == first.json()["id"]

    # An employer who may not see that person learns only that the number is taken.
    blind = await client.post(
        PERSONS, json=_new_person(seed, id_number=number), headers=_bearer(tokens["employer_admin"])
    )
    assert blind.status_code == 409
    assert "person_id" not in blind.json()
    assert number not in blind.text


async def test_an_employer_registers_its_own_staff_only(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    own = await client.post(PERSONS, json=_new_person(seed), headers=_bearer(tokens["employer_admin"]))
    assert own.status_code == 201, own.text
    assert own.json()["employer_id"] == str(world["employer"])  # left out: its own employer
    assert own.json()["id_number_masked"] is False  # its own staff

    body = _new_person(seed, employer_id=str(world["other_employer"]))
    other = await client.post(PERSONS, json=body, headers=_bearer(tokens["employer_admin"]))
    assert other.status_code == 403
    assert other.json()["code"] == "outside_scope"

    outside = await client.post(PERSONS, json=_new_person(seed), headers=_bearer(tokens["hr_tangshan"]))
    assert outside.status_code == 403
    assert outside.json()["code"] == "outside_scope"

    nowhere = await client.post(
        PERSONS, json=_new_person(seed, employer_id=str(uuid.uuid4())), headers=_bearer(tokens["hr_city"])
    )
    assert nowhere.status_code == 422
    assert nowhere.json()["code"] == "unknown_employer"


# ---- encryption at rest -------------------------------------------------------------------------------------
async def test_the_id_number_is_stored_encrypted_and_found_by_its_blind_index(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], database_url: str, cipher: PiiCipher
) -> None:
    number = _ending_in_x(seed)
    registered = await client.post(PERSONS, json=_new_person(seed, id_number=number), headers=_bearer(tokens["admin"]))
    person_id = registered.json()["id"]

    [row] = await _sql(
        database_url, "SELECT p.*, p::text AS everything FROM person p WHERE id = $1", uuid.UUID(person_id)
    )
    stored = bytes(row["id_number_ciphertext"])
    for form in (number, number.lower(), mask_id_number(number), number[6:14] + number[14:]):
        assert form.encode() not in stored
        assert form not in row["everything"]
        assert form.encode().hex() not in row["everything"]
    assert bytes(row["id_number_index"]) == cipher.blind_index(number)
    assert cipher.decrypt(stored, person_id) == number

    # Found again by the number, whatever form it is given in.
    lookup = await client.post(
        "/v1/persons/checks", json={"id_number": number.lower(), "name": "张三"}, headers=_bearer(tokens["institution"])
    )
    assert lookup.json() == {"id_number_valid": True, "registered": True, "name_matches": True}


async def test_a_ciphertext_moved_to_another_row_does_not_decrypt(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], database_url: str, cipher: PiiCipher
) -> None:
    first = await seed.person()
    second = await seed.person()
    [row] = await _sql(database_url, "SELECT id_number_ciphertext FROM person WHERE id = $1", first)
    [original] = await _sql(database_url, "SELECT id_number_ciphertext FROM person WHERE id = $1", second)
    with pytest.raises(PiiKeyError):
        cipher.decrypt(bytes(row["id_number_ciphertext"]), str(second))

    await _sql(
        database_url, "UPDATE person SET id_number_ciphertext = $1 WHERE id = $2", row["id_number_ciphertext"], second
    )
    try:
        response = await client.get(f"{PERSONS}/{second}", headers=_bearer(tokens["admin"]))
        assert response.status_code == 500
        assert response.json()["code"] == "id_number_unreadable"
        # A damaged row does not break a list of others (shown fully masked there).
        listed = await client.get(PERSONS, params={"limit": 100}, headers=_bearer(tokens["hr_city"]))
        assert listed.status_code == 200
        assert (await client.get(f"{PERSONS}/{first}", headers=_bearer(tokens["admin"]))).status_code == 200
    finally:
        await _sql(
            database_url,
            "UPDATE person SET id_number_ciphertext = $1 WHERE id = $2",
            original["id_number_ciphertext"],
            second,
        )


# ---- who sees the number ------------------------------------------------------------------------------------
async def test_the_full_number_goes_only_to_the_person_and_officials_over_them_and_each_read_is_audited(
    client: httpx.AsyncClient, seed: Any, mint: Any, tokens: dict[str, str], world: dict[str, Any], database_url: str
) -> None:
    number = seed.new_id_number("130102")
    person_id = str(await seed.person(id_number=number, employer_id=world["employer"], industry="health"))
    themself = mint("person", person_id=person_id)
    url = f"{PERSONS}/{person_id}"

    seen = {}
    for caller, token in [*tokens.items(), ("themself", themself)]:
        response = await client.get(url, headers=_bearer(token))
        seen[caller] = response.status_code, response.json().get("id_number")
    full = (200, number)
    assert seen == {
        "admin": full,
        "hr_city": full,
        "hr_province": full,
        "health_official": full,
        "employer_admin": full,
        "themself": full,
        "hr_tangshan": (404, None),  # another region: as if the person did not exist
        "education_official": (404, None),
        "other_employer_admin": (404, None),
        "institution": (403, None),  # no business reading people at all
    }
    me = await client.get(f"{PERSONS}/me", headers=_bearer(themself))
    assert (me.json()["id"], me.json()["id_number"], me.json()["birth_date"]) == (
        person_id,
        number,
        number[6:10] + "-" + number[10:12] + "-" + number[12:14],
    )

    reads = await _reads(database_url, person_id)
    # One audit row per answer carrying the full number: the registration's answer, six reads above and /me.
    assert sorted(r["details"] for r in reads) == sorted(
        ['{"view": "registration"}'] + ['{"view": "detail"}'] * 6 + ['{"view": "self"}']
    )
    assert {r["actor_roles"] for r in reads} == {
        "admin",
        "hr_official",
        "industry_official",
        "employer_admin",
        "person",
    }
    assert all(number not in r["details"] for r in reads)


async def test_lists_mask_every_number_and_hide_the_birth_date(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any], database_url: str
) -> None:
    number = seed.new_id_number("130102")
    person_id = str(await seed.person(id_number=number, employer_id=world["employer"]))
    reads_before = len(await _reads(database_url, person_id))  # the registration's own answer
    page = await client.get(
        PERSONS, params={"employer_id": str(world["employer"]), "limit": 100}, headers=_bearer(tokens["hr_city"])
    )
    assert page.status_code == 200
    [item] = [p for p in page.json()["items"] if p["id"] == person_id]
    assert (item["id_number"], item["id_number_masked"], item["birth_date"]) == (mask_id_number(number), True, None)
    assert number not in page.text
    assert len(await _reads(database_url, person_id)) == reads_before  # masked answers are not reads


# ---- logs ---------------------------------------------------------------------------------------------------
async def test_no_id_number_reaches_a_log_line(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], mint: Any, caplog: pytest.LogCaptureFixture
) -> None:
    number = _ending_in_x(seed)
    legacy15 = f"130102{seed.new_id_number()[8:14]}{uuid.uuid4().int % 1000:03d}"
    with caplog.at_level(logging.DEBUG):  # SQL statements and their parameters included
        registered = await client.post(
            PERSONS, json=_new_person(seed, id_number=number), headers=_bearer(tokens["admin"])
        )
        await client.post(PERSONS, json=_new_person(seed, id_number=legacy15), headers=_bearer(tokens["admin"]))
        await client.post(PERSONS, json=_new_person(seed, id_number=number), headers=_bearer(tokens["admin"]))  # 409
        await client.post(
            PERSONS, json=_new_person(seed, id_number=number[:17] + "0"), headers=_bearer(tokens["admin"])
        )
        await client.get(f"{PERSONS}/{registered.json()['id']}", headers=_bearer(tokens["admin"]))
        await client.post(
            "/v1/internal/registry/person-lookups",
            json={"items": [{"id_number": number.lower(), "name": "张三"}, {"id_number": legacy15, "name": "x"}]},
            headers=_bearer(mint("service", client_id="cl_hours")),
        )
    assert len(caplog.records) > 5  # the capture did see the requests
    logged = caplog.text + "".join(str(r.args) + str(r.__dict__.get("fields")) for r in caplog.records)
    # Not the number in any form, and not even masked: the mask in the logging filter is a last resort only.
    for form in (number, number.lower(), number[:17], mask_id_number(number), legacy15):
        assert form not in logged


# ---- history ------------------------------------------------------------------------------------------------
async def test_employment_and_title_history(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any], database_url: str
) -> None:
    person_id = await seed.person(employer_id=world["employer"], title_level="junior")
    url = f"{PERSONS}/{person_id}"
    headers = _bearer(tokens["employer_admin"])
    moved_on, promoted_on = today() - timedelta(days=30), today() - timedelta(days=10)

    promoted = await client.post(
        f"{url}/titles", json={"title_level": "intermediate", "effective_date": str(promoted_on)}, headers=headers
    )
    assert promoted.status_code == 201, promoted.text
    assert promoted.json()["title_level"] == "intermediate"
    assert promoted.json()["titles"] == [
        {"title_level": "junior", "effective_date": None},
        {"title_level": "intermediate", "effective_date": str(promoted_on)},
    ]
    # The employer hands its staff member over to another employer (调动): the old employment is closed.
    moved = await client.post(
        f"{url}/employments", json={"employer_id": str(world["other_employer"]), "start_date": str(moved_on)},
        headers=headers,
    )  # fmt: skip
    assert moved.status_code == 201, moved.text
    assert moved.json()["employer_id"] == str(world["other_employer"])
    assert moved.json()["employments"] == [
        {"employer_id": str(world["employer"]), "start_date": None, "end_date": str(moved_on - timedelta(days=1))},
        {"employer_id": str(world["other_employer"]), "start_date": str(moved_on), "end_date": None},
    ]
    # The old employer no longer sees the person; the new one does, with the whole history.
    assert (await client.get(url, headers=headers)).status_code == 404
    now_theirs = await client.get(url, headers=_bearer(tokens["other_employer_admin"]))
    assert now_theirs.status_code == 200
    assert len(now_theirs.json()["employments"]) == 2
    assert len(now_theirs.json()["titles"]) == 2

    audit = await _sql(
        database_url, "SELECT action FROM audit_event WHERE object_id = $1 ORDER BY occurred_at", str(person_id)
    )
    assert [r["action"] for r in audit if r["action"] != "id_number_read"] == [
        "person.registered", "person.title_changed", "person.employment_started"
    ]  # fmt: skip


async def test_history_changes_must_be_dated_changes(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    person_id = await seed.person(employer_id=world["employer"], title_level="junior")
    future, past = str(today() + timedelta(days=1)), str(today() - timedelta(days=1))
    refused = [
        ("titles", {"title_level": "senior", "effective_date": future}, "effective_date"),
        ("titles", {"title_level": "junior", "effective_date": past}, "effective_date"),  # unchanged
        ("employments", {"employer_id": str(world["employer"]), "start_date": past}, "start_date"),  # same one
        ("employments", {"employer_id": str(world["other_employer"]), "start_date": future}, "start_date"),
    ]
    for path, body, field in refused:
        response = await client.post(f"{PERSONS}/{person_id}/{path}", json=body, headers=_bearer(tokens["hr_city"]))
        answer = (response.status_code, response.json()["code"], response.json()["errors"][0]["field"])
        assert answer == (422, "history_conflict", field), body
    unchanged = await client.get(f"{PERSONS}/{person_id}", headers=_bearer(tokens["hr_city"]))
    assert (len(unchanged.json()["titles"]), len(unchanged.json()["employments"])) == (1, 1)


async def test_a_change_cannot_go_back_before_the_current_entry(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    person_id = await seed.person(title_level="junior")
    url, headers = f"{PERSONS}/{person_id}/titles", _bearer(tokens["admin"])
    last_week = today() - timedelta(days=7)
    assert (
        await client.post(url, json={"title_level": "senior", "effective_date": str(last_week)}, headers=headers)
    ).status_code == 201
    earlier = await client.post(
        url, json={"title_level": "intermediate", "effective_date": str(last_week - timedelta(days=1))}, headers=headers
    )
    assert earlier.status_code == 422
    assert earlier.json()["code"] == "history_conflict"


async def test_two_moves_at_once_are_made_one_after_the_other(
    client: httpx.AsyncClient, seed: Any, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    person_id = await seed.person(employer_id=world["employer"])
    url, headers = f"{PERSONS}/{person_id}/employments", _bearer(tokens["hr_city"])
    moves = [
        {"employer_id": str(employer), "start_date": str(today() - timedelta(days=3))}
        for employer in (world["other_employer"], world["tangshan_employer"])
    ]
    answers = await asyncio.gather(*(client.post(url, json=move, headers=headers) for move in moves))
    # The second waits for the first, then finds an employment that began that very day: refused, not a 500.
    assert sorted(a.status_code for a in answers) == [201, 422]
    person = (await client.get(f"{PERSONS}/{person_id}", headers=headers)).json()
    assert [e["end_date"] for e in person["employments"]] == [str(today() - timedelta(days=4)), None]


# ---- lists --------------------------------------------------------------------------------------------------
async def test_lists_page_with_a_cursor_within_the_callers_scope(
    client: httpx.AsyncClient, seed: Any, mint: Any, tokens: dict[str, str]
) -> None:
    employer = await seed.employer("130100", "health")
    staff = {str(await seed.person(employer_id=employer)) for _ in range(5)}
    token = mint("employer_admin", org_id=employer)

    collected, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get(PERSONS, params=params, headers=_bearer(token))
        assert page.status_code == 200, page.text
        collected += [p["id"] for p in page.json()["items"]]
        cursor, pages = page.json()["next_cursor"], pages + 1
        if cursor is None:
            break
    assert (sorted(collected), pages) == (sorted(staff), 3)  # 2 + 2 + 1, none twice, none missed

    # Filters narrow within the scope; they never widen it.
    hr = await client.get(
        PERSONS, params={"employer_id": str(employer), "limit": 100}, headers=_bearer(tokens["hr_city"])
    )
    assert {p["id"] for p in hr.json()["items"]} == staff
    tangshan = await client.get(
        PERSONS, params={"employer_id": str(employer), "limit": 100}, headers=_bearer(tokens["hr_tangshan"])
    )
    assert tangshan.json()["items"] == []
    county = await client.get(
        PERSONS, params={"region_code": "130104", "employer_id": str(employer)}, headers=_bearer(tokens["admin"])
    )
    assert county.json()["items"] == []  # they live in 130102
    other_industry = await client.get(PERSONS, params={"industry": "education", "limit": 100}, headers=_bearer(token))
    assert other_industry.json()["items"] == []


async def test_bad_list_parameters_are_422(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    for params, code in [
        ({"limit": 101}, "validation_failed"),
        ({"limit": 0}, "validation_failed"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"region_code": "139999"}, "unknown_region"),
    ]:
        response = await client.get(PERSONS, params=params, headers=_bearer(tokens["admin"]))
        assert (response.status_code, response.json()["code"]) == (422, code), params


async def test_me_needs_a_person_account(client: httpx.AsyncClient, mint: Any, tokens: dict[str, str]) -> None:
    assert (await client.get(f"{PERSONS}/me", headers=_bearer(tokens["hr_city"]))).status_code == 403
    unbound = await client.get(f"{PERSONS}/me", headers=_bearer(mint("person", person_id=uuid.uuid4())))
    assert unbound.status_code == 404
    assert unbound.json()["code"] == "person_not_found"
