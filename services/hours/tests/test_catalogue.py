"""The subject catalogue: HR authorities publish public subjects for their region, industry authorities the
professional guides of their industry (000 art. 3(1); 001 §2.1); Kaifeng marks required (必修) public courses
(004 §3). A record citing a course code takes its category and required flag from the catalogue."""

import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from cekit.testing import asyncpg_url
from hours.testing import Callers, FakePerson, FakeRegistry, record

COURSES = "/v1/catalogue/courses"
BATCH = "/v1/learning-records:batch"


def course(category: str = "public", *, year: int = 2026, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": f"C-{uuid.uuid4().hex[:10]}",
        "year": year,
        "category": category,
        "title": f"{category} subject",
        "source": "000 art. 3(1): 公需科目指南",
    }
    body.update(fields)
    return body


async def publish(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(COURSES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    published: dict[str, Any] = response.json()
    return published


async def push(client: httpx.AsyncClient, callers: Callers, *records: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.post(BATCH, json={"records": list(records)}, headers=callers.institution())
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


async def audit_rows(database_url: str, action: str, object_id: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(
            await conn.fetch(
                "SELECT actor_roles, reason, details FROM audit_event WHERE action = $1 AND object_id = $2",
                action,
                object_id,
            )
        )
    finally:
        await conn.close()


# ---- publishing ------------------------------------------------------------------------------------------------
async def test_authorities_publish_in_their_own_scope_only(
    client: httpx.AsyncClient, callers: Callers, database_url: str
) -> None:
    hebei_hr = callers.hr("130000")
    public = await publish(client, hebei_hr, course("public", hours=6))
    assert public["region_code"] == "130000"  # the authority's region by default
    assert (public["category"], public["required"], public["hours"], public["industry"]) == ("public", False, 6.0, None)
    city = await publish(client, hebei_hr, course("public", region_code="130100"))  # a city within the province
    assert city["region_code"] == "130100"

    industry = f"ind-{uuid.uuid4().hex[:6]}"
    guide = await publish(client, callers.industry(industry, None), course("professional", industry=industry))
    assert guide["region_code"] == "000000"  # an industry authority without a region publishes nationwide
    nationwide = await publish(client, callers.admin(), course("public", required=True))
    assert nationwide["region_code"] == "000000"

    refusals = [
        (callers.institution(), course("public"), "not_permitted"),
        (callers.person(FakeRegistry().add_person()), course("public"), "not_permitted"),
        (callers.hr("410000"), course("public", region_code="130000"), "outside_scope"),
        (callers.hr("130100"), course("public", region_code="130000"), "outside_scope"),  # a city for its province
        (hebei_hr, course("professional", industry="engineering"), "not_permitted"),
        (callers.industry("medicine"), course("professional", industry="engineering"), "not_permitted"),
        (callers.industry("engineering"), course("public"), "not_permitted"),
        (
            callers.industry("engineering", "130000"),
            course("professional", industry="engineering", region_code="410000"),
            "outside_scope",
        ),
    ]
    for headers, body, code in refusals:
        response = await client.post(COURSES, json=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (403, code), (body, response.text)
        assert (await client.get(f"{COURSES}/{body['code']}?year=2026", headers=hebei_hr)).status_code == 404

    [row] = await audit_rows(database_url, "course.published", f"2026:{public['code']}")
    assert row["actor_roles"] == "hr_official"
    assert row["reason"] == "000 art. 3(1): 公需科目指南"
    assert '"region_code": "130000"' in row["details"]


async def test_a_course_that_contradicts_itself_is_refused(client: httpx.AsyncClient, callers: Callers) -> None:
    for body in (
        course("public", industry="engineering"),
        course("professional"),  # no industry
        course("professional", industry="engineering", required=True),  # 必修 is a public-subject mark (004 §3)
        course("public", code="bad code/with slash"),
        course("public", year=1999),
    ):
        response = await client.post(COURSES, json=body, headers=callers.admin())
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_published_course_is_never_overwritten(client: httpx.AsyncClient, callers: Callers) -> None:
    hr = callers.hr("130000")
    body = course("public", hours=4)
    first = await publish(client, hr, body)
    again = await client.post(COURSES, json=body, headers=callers.hr("130000"))
    assert again.status_code == 200  # an identical repeat (a retry) answers the course published
    assert again.json() == first
    changed = await client.post(COURSES, json={**body, "required": True}, headers=hr)
    assert changed.status_code == 409
    assert changed.json()["code"] == "course_exists"
    current = await client.get(f"{COURSES}/{body['code']}?year=2026", headers=callers.institution())
    assert current.json()["required"] is False
    other_year = await client.post(COURSES, json={**body, "year": 2027, "required": True}, headers=hr)
    assert other_year.status_code == 201  # codes are unique per year


# ---- reading ---------------------------------------------------------------------------------------------------
async def test_the_catalogue_is_listed_by_filters_and_pages(client: httpx.AsyncClient, callers: Callers) -> None:
    year = 2031  # this test's own year
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    codes = {
        "hebei": (await publish(client, callers.hr("130000"), course(year=year)))["code"],
        "kaifeng_required": (
            await publish(client, callers.hr("410200"), course(year=year, required=True, source="004 §3"))
        )["code"],
        "henan": (await publish(client, callers.hr("410000"), course(year=year)))["code"],
        "guide_nationwide": (
            await publish(
                client, callers.industry(industry, None), course("professional", year=year, industry=industry)
            )
        )["code"],
        "guide_hebei": (
            await publish(
                client, callers.industry(industry, "130000"), course("professional", year=year, industry=industry)
            )
        )["code"],
    }
    reader = callers.institution()  # any authenticated caller reads the catalogue

    async def listed(query: str) -> list[str]:
        response = await client.get(f"{COURSES}?year={year}&{query}", headers=reader)
        assert response.status_code == 200, response.text
        return [c["code"] for c in response.json()["items"]]

    seen: list[str] = []
    cursor = None
    while True:
        query = f"year={year}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"{COURSES}?{query}", headers=reader)).json()
        assert len(page["items"]) <= 2
        seen += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(codes.values())

    # Kaifeng county 410221: Kaifeng's and Henan's public subjects apply, Hebei's do not.
    assert set(await listed("category=public&region_code=410221")) == {codes["kaifeng_required"], codes["henan"]}
    assert await listed("required=true") == [codes["kaifeng_required"]]
    assert set(await listed(f"industry={industry}")) == {codes["guide_nationwide"], codes["guide_hebei"]}
    assert set(await listed(f"industry={industry}&region_code=510104")) == {codes["guide_nationwide"]}
    assert set(await listed("region_code=130102")) == {codes["hebei"], codes["guide_nationwide"], codes["guide_hebei"]}

    bad_cursor = await client.get(f"{COURSES}?cursor=not-a-cursor", headers=reader)
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (400, "invalid_cursor")
    assert (await client.get(f"{COURSES}?year={year}")).status_code == 401
    one = await client.get(f"{COURSES}/{codes['kaifeng_required']}?year={year}", headers=reader)
    assert (one.json()["required"], one.json()["region_code"], one.json()["source"]) == (True, "410200", "004 §3")
    missing = await client.get(f"{COURSES}/{codes['kaifeng_required']}?year=2030", headers=reader)
    assert (missing.status_code, missing.json()["code"]) == (404, "course_not_found")


# ---- withdrawing -----------------------------------------------------------------------------------------------
async def test_a_course_is_withdrawn_by_its_authority_only_while_no_record_cites_it(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers, database_url: str
) -> None:
    hr = callers.hr("130000")
    unused = await publish(client, hr, course("public"))
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    cited = await publish(
        client, callers.industry(industry, "130000"), course("professional", industry=industry, hours=36)
    )
    person = registry.add_person("130102", industry=industry)
    [result] = await push(client, callers, record(person, "exam", result="passed", course_code=cited["code"]))
    assert result["status"] == "created", result

    for headers, code in (
        (callers.hr("410000"), "outside_scope"),  # another province's HR
        (callers.institution(), "not_permitted"),
    ):
        refused = await client.delete(f"{COURSES}/{unused['code']}?year=2026", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, code)
    hr_on_guide = await client.delete(f"{COURSES}/{cited['code']}?year=2026", headers=hr)
    assert (hr_on_guide.status_code, hr_on_guide.json()["code"]) == (403, "not_permitted")

    in_use = await client.delete(f"{COURSES}/{cited['code']}?year=2026", headers=callers.industry(industry, "130000"))
    assert (in_use.status_code, in_use.json()["code"]) == (409, "course_cited")
    assert (await client.get(f"{COURSES}/{cited['code']}?year=2026", headers=hr)).status_code == 200

    gone = await client.delete(f"{COURSES}/{unused['code']}?year=2026", headers=hr)
    assert gone.status_code == 204
    assert (await client.get(f"{COURSES}/{unused['code']}?year=2026", headers=hr)).status_code == 404
    again = await client.delete(f"{COURSES}/{unused['code']}?year=2026", headers=hr)
    assert (again.status_code, again.json()["code"]) == (404, "course_not_found")
    [row] = await audit_rows(database_url, "course.withdrawn", f"2026:{unused['code']}")
    assert row["actor_roles"] == "hr_official"
    republished = await client.post(COURSES, json={**course("public"), "code": unused["code"]}, headers=hr)
    assert republished.status_code == 201  # withdrawn while uncited: the code is free again


# ---- intake ----------------------------------------------------------------------------------------------------
async def compliance(client: httpx.AsyncClient, callers: Callers, person: FakePerson) -> dict[str, Any]:
    response = await client.get(f"/v1/compliance/{person.person_id}?year=2026", headers=callers.admin())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_required_kaifeng_course_counts_as_required_hours(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # 004 §3: a junior title needs 22 public hours, of which required (必修) courses ≥ 18.
    required = await publish(client, callers.hr("410200"), course("public", required=True, hours=12, source="004 §3"))
    person = registry.add_person("410221", title_level="junior")
    results = await push(
        client,
        callers,
        # The institution does not say "required": the cited course does.
        record(person, "training", category="public", days=2, hours=12, result="passed", course_code=required["code"]),
        record(person, "online", category="public", hours=10),
    )
    assert [r["status"] for r in results] == ["created", "created"], results
    taken = await client.get(f"/v1/learning-records/{results[0]['record_id']}", headers=callers.person(person))
    assert (taken.json()["required"], taken.json()["course_code"]) == (True, required["code"])

    before = await compliance(client, callers, person)
    assert before["pending"]["public_required"] == 12.0
    assert before["pending"]["public"] == 22.0
    for result in results:
        response = await client.post(
            f"/v1/learning-records/{result['record_id']}/reviews",
            json={"decision": "approve"},
            headers=callers.hr("410200"),
        )
        assert response.json()["status"] == "certified", response.text
    after = await compliance(client, callers, person)
    assert after["required"]["public_required"] == 18.0
    assert after["credited"]["public_required"] == 12.0
    assert after["credited"]["public"] == 22.0
    assert after["shortfall"]["public_required"] == 6.0


async def test_a_record_whose_course_does_not_fit_is_refused_with_its_code(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    kaifeng = await publish(client, callers.hr("410200"), course("public", required=True))
    elective = await publish(client, callers.hr("410200"), course("public"))
    hebei = await publish(client, callers.hr("130000"), course("public"))
    last_year = await publish(client, callers.hr("410200"), course("public", year=2025))
    guide = await publish(client, callers.industry("medicine", None), course("professional", industry="medicine"))
    person = registry.add_person("410221", title_level="junior", industry="engineering")

    def public(code: str, **fields: Any) -> dict[str, Any]:
        return record(
            person, "training", category="public", days=1, hours=6, result="passed", course_code=code, **fields
        )

    cases = [
        (public(f"NO-SUCH-{uuid.uuid4().hex[:6]}"), "unknown_course"),
        (public(last_year["code"]), "unknown_course"),  # the 2025 catalogue; the record's year is 2026
        (
            record(person, "online", category="professional", hours=6, course_code=kaifeng["code"]),
            "course_category_mismatch",
        ),
        (public(elective["code"], required=True), "course_required_mismatch"),
        (public(hebei["code"]), "course_not_applicable"),  # another province's public subject
        (
            record(person, "online", category="professional", hours=6, course_code=guide["code"]),
            "course_not_applicable",
        ),
        (public(kaifeng["code"]), None),
    ]
    results = await push(client, callers, *(body for body, _ in cases))
    for (body, code), result in zip(cases, results, strict=True):
        if code is None:
            assert result["status"] == "created", result
        else:
            assert (result["status"], result["error"]["code"]) == ("rejected", code), (body, result)
    assert (await compliance(client, callers, person))["pending"]["public_required"] == 6.0


async def test_a_declared_record_cites_its_industry_guide(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    industry = f"ind-{uuid.uuid4().hex[:6]}"
    guide = await publish(client, callers.industry(industry, "130000"), course("professional", industry=industry))
    person = registry.add_person("130102", industry=industry)
    body = {k: v for k, v in record(person, "exam", result="passed").items() if k != "external_id"}
    declared = await client.post(
        "/v1/learning-records", json={**body, "course_code": guide["code"]}, headers=callers.person(person)
    )
    assert declared.status_code == 201, declared.text
    assert (declared.json()["course_code"], declared.json()["required"]) == (guide["code"], False)
    unknown = await client.post(
        "/v1/learning-records",
        json={**body, "course_code": "NOT-PUBLISHED", "end_date": date(2026, 3, 5).isoformat()},
        headers=callers.person(person),
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_course")
