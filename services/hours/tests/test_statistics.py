"""Statistics (统计查询, 000 art. 17; 001 §7.3): persons, hours and compliance by region, industry, employer and
year, within the caller's scope; cursor pages; the CSV export.

Each test gives its people an industry of its own and filters on it, so the module's shared database does not
leak other tests' people into the figures."""

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from hours.testing import Callers, FakePerson, FakeRegistry, record


def new_industry() -> str:
    return f"stat-{uuid.uuid4().hex[:8]}"


async def push(client: httpx.AsyncClient, callers: Callers, *records: dict[str, Any]) -> list[str]:
    response = await client.post(
        "/v1/learning-records:batch", json={"records": list(records)}, headers=callers.institution()
    )
    results = response.json()["results"]
    assert all(r["status"] == "created" for r in results), results
    return [str(r["record_id"]) for r in results]


async def certify(
    client: httpx.AsyncClient, callers: Callers, person: FakePerson, record_id: str, category: str
) -> None:
    """The review chain (000 art. 14): the employer's first review, then HR (public) or the industry."""
    reviewers = [callers.hr("130000") if category == "public" else callers.industry(person.industry)]
    if person.employer_id is not None:
        reviewers.insert(0, callers.employer(person.employer_id))
    for headers in reviewers:
        response = await client.post(
            f"/v1/learning-records/{record_id}/reviews", json={"decision": "approve"}, headers=headers
        )
        assert response.status_code == 200, response.text
    assert response.json()["status"] == "certified"


async def earn(
    client: httpx.AsyncClient,
    callers: Callers,
    person: FakePerson,
    *,
    public: int = 0,
    professional: int = 0,
    certified: bool = True,
    year: int = 2026,
) -> None:
    """Hebei hours: public subjects passed on the provincial platform (000 art. 6), professional online (art. 7(5))."""
    dates = {"start": date(year, 3, 2), "end": date(year, 5, 1)}
    bodies = []
    if public:
        bodies.append(("public", record(person, "online", category="public", hours=public, result="passed", **dates)))
    if professional:
        bodies.append(("professional", record(person, "online", hours=professional, **dates)))
    ids = await push(client, callers, *(body for _, body in bodies))
    if certified:
        for (category, _), record_id in zip(bodies, ids, strict=True):
            await certify(client, callers, person, record_id, category)


async def statistics(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await client.get("/v1/statistics", params=params, headers=headers)


async def ok(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await statistics(client, headers, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["persons"],
        row["hours_credited"],
        row["hours_pending"],
        row["compliant_persons"],
        row["compliance_rate"],
    )


def by_key(body: dict[str, Any]) -> dict[Any, tuple[Any, ...]]:
    return {row["key"]: figures(row) for row in body["items"]}


@dataclass
class Fixture:
    industry: str
    employer_a: uuid.UUID
    employer_b: uuid.UUID
    people: list[FakePerson]


@pytest.fixture
async def fixture(client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers) -> Fixture:
    """Two Hebei cities, two employers. Hebei requires 90 h a year: 30 public, 60 professional (000 art. 5)."""
    industry = new_industry()
    a, b = sorted([uuid.uuid4(), uuid.uuid4()])
    # Shijiazhuang (130100), employer A: one compliant, one short (20 credited, 30 public still pending).
    p1 = registry.add_person("130102", employer_id=a, industry=industry)
    p2 = registry.add_person("130102", employer_id=a, industry=industry)
    # Tangshan (130200), employer B: one compliant, one whose only hours are of 2025 (a profile, nothing in 2026);
    # and one without an employer whose 10 h are still pending.
    p3 = registry.add_person("130203", employer_id=b, industry=industry)
    p4 = registry.add_person("130203", employer_id=b, industry=industry)
    p5 = registry.add_person("130203", industry=industry)
    await earn(client, callers, p1, public=30, professional=60)
    await earn(client, callers, p2, professional=20)
    await earn(client, callers, p2, public=30, certified=False)
    await earn(client, callers, p3, public=30, professional=60)
    await earn(client, callers, p4, public=30, professional=60, year=2025)
    await earn(client, callers, p5, professional=10, certified=False)
    return Fixture(industry, a, b, [p1, p2, p3, p4, p5])


# ---- the figures ------------------------------------------------------------------------------------------------
async def test_figures_by_region_employer_and_industry(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    admin = callers.admin()
    regions = await ok(client, admin, year=2026, group_by="region", industry=fixture.industry)
    assert (regions["group_by"], regions["from_year"], regions["to_year"]) == ("region", 2026, 2026)
    assert by_key(regions) == {
        "130102": (2, 110.0, 30.0, 1, 0.5),
        "130203": (3, 90.0, 10.0, 1, 0.3333),  # the person without 2026 hours counts, as not compliant
    }
    assert [row["key"] for row in regions["items"]] == ["130102", "130203"]
    assert figures(regions["total"]) == (5, 200.0, 40.0, 2, 0.4)
    assert regions["next_cursor"] is None

    employers = await ok(client, admin, year=2026, group_by="employer", industry=fixture.industry)
    assert [row["key"] for row in employers["items"]] == [str(fixture.employer_a), str(fixture.employer_b), None]
    assert by_key(employers) == {
        str(fixture.employer_a): (2, 110.0, 30.0, 1, 0.5),
        str(fixture.employer_b): (2, 90.0, 0.0, 1, 0.5),
        None: (1, 0.0, 10.0, 0, 0.0),
    }

    industries = await ok(client, admin, year=2026, group_by="industry", industry=fixture.industry)
    assert by_key(industries) == {fixture.industry: (5, 200.0, 40.0, 2, 0.4)}


async def test_compliance_is_the_same_as_each_persons_compliance(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    compliant = 0
    for person in fixture.people:
        response = await client.get(f"/v1/compliance/{person.person_id}?year=2026", headers=callers.admin())
        compliant += response.json()["compliant"]
    body = await ok(client, callers.admin(), year=2026, group_by="industry", industry=fixture.industry)
    assert body["total"]["compliant_persons"] == compliant == 2


async def test_an_industry_requirement_raises_the_bar_in_the_statistics_too(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    # 001 §2.2: an industry may require more than the jurisdiction; the higher applies.
    put = await client.put(
        f"/v1/requirements/industries/{fixture.industry}?year=2026&region_code=130100",
        json={"total": 100, "source": "行业通知 2026 第1号"},
        headers=callers.industry(fixture.industry, "130000"),
    )
    assert put.status_code == 200, put.text
    body = await ok(client, callers.admin(), year=2026, group_by="region", industry=fixture.industry)
    # Shijiazhuang's compliant person had 90 h: short of 100 now; Tangshan is outside the requirement's region.
    assert by_key(body)["130102"][3] == 0
    assert by_key(body)["130203"][3] == 1
    person = fixture.people[0]
    response = await client.get(f"/v1/compliance/{person.person_id}?year=2026", headers=callers.admin())
    assert response.json()["compliant"] is False


async def test_by_year_every_person_counts_in_every_year(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    body = await ok(client, callers.admin(), group_by="year", from_year=2024, to_year=2026, industry=fixture.industry)
    assert [row["key"] for row in body["items"]] == [2024, 2025, 2026]
    assert by_key(body) == {
        2024: (5, 0.0, 0.0, 0, 0.0),
        2025: (5, 90.0, 0.0, 1, 0.2),
        2026: (5, 200.0, 40.0, 2, 0.4),
    }
    assert figures(body["total"]) == (15, 290.0, 40.0, 3, 0.2)  # person-years


# ---- who sees what --------------------------------------------------------------------------------------------
async def test_an_hr_official_sees_only_its_region(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    shijiazhuang = callers.hr("130100")
    mine = await ok(client, shijiazhuang, year=2026, industry=fixture.industry)
    assert by_key(mine) == {"130102": (2, 110.0, 30.0, 1, 0.5)}
    unfiltered = await ok(client, shijiazhuang, year=2026, limit=1000)
    assert unfiltered["items"]
    assert all(row["key"].startswith("1301") for row in unfiltered["items"])

    province = await ok(client, callers.hr("130000"), year=2026, industry=fixture.industry)
    assert set(by_key(province)) == {"130102", "130203"}

    for region in ("130200", "130000", "510000"):  # another city, the wider province, another province
        refused = await statistics(client, shijiazhuang, year=2026, region_code=region)
        assert refused.status_code == 403
        assert refused.json()["code"] == "outside_scope"
        assert "130100" in refused.json()["detail"]
    narrowed = await ok(client, shijiazhuang, year=2026, region_code="130102", industry=fixture.industry)
    assert by_key(narrowed) == {"130102": (2, 110.0, 30.0, 1, 0.5)}


async def test_xiongan_counts_its_three_counties(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    # 000 art. 3, 16: Rongcheng (130629) keeps a Baoding code but lies in Xiong'an (133100).
    industry = new_industry()
    person = registry.add_person("130629", industry=industry)
    await earn(client, callers, person, public=30, professional=60)
    xiongan = await ok(client, callers.hr("133100"), year=2026, industry=industry)
    assert by_key(xiongan) == {"130629": (1, 90.0, 0.0, 1, 1.0)}
    baoding = await ok(client, callers.hr("130600"), year=2026, industry=industry)
    assert baoding["items"] == []
    assert baoding["total"]["persons"] == 0


async def test_an_employer_sees_only_its_staff(client: httpx.AsyncClient, callers: Callers, fixture: Fixture) -> None:
    employer = callers.employer(fixture.employer_a)
    body = await ok(client, employer, year=2026, group_by="employer")
    assert by_key(body) == {str(fixture.employer_a): (2, 110.0, 30.0, 1, 0.5)}
    by_region = await ok(client, employer, year=2026, group_by="region")
    assert by_key(by_region) == {"130102": (2, 110.0, 30.0, 1, 0.5)}
    other = await statistics(client, employer, year=2026, employer_id=str(fixture.employer_b))
    assert other.status_code == 403
    assert other.json()["code"] == "outside_scope"


async def test_an_industry_official_sees_only_its_industry(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    mine = await ok(client, callers.industry(fixture.industry, "130000"), year=2026, group_by="industry")
    assert by_key(mine) == {fixture.industry: (5, 200.0, 40.0, 2, 0.4)}
    in_tangshan = await ok(client, callers.industry(fixture.industry, "130200"), year=2026)
    assert set(by_key(in_tangshan)) == {"130203"}
    other = callers.industry(new_industry(), "130000")
    assert (await ok(client, other, year=2026))["items"] == []
    refused = await statistics(client, other, year=2026, industry=fixture.industry)
    assert refused.status_code == 403
    assert refused.json()["code"] == "outside_scope"


async def test_people_institutions_and_machines_get_no_statistics(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    for headers in (
        callers.person(fixture.people[0]),
        callers.institution(),
        callers.service(),
        callers.expert(),
        {"Authorization": f"Bearer {callers.minter.mint(roles=('hr_official',))}"},  # a token naming no region
    ):
        response = await statistics(client, headers, year=2026)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await statistics(client, {}, year=2026)).status_code == 401


# ---- pages and the export ----------------------------------------------------------------------------------------
async def test_pages_cover_every_row_once(client: httpx.AsyncClient, callers: Callers, fixture: Fixture) -> None:
    admin = callers.admin()
    whole = await ok(client, admin, year=2026, group_by="employer", industry=fixture.industry)
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"year": 2026, "group_by": "employer", "industry": fixture.industry, "limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        page = await ok(client, admin, **params)
        pages += 1
        assert len(page["items"]) == 1
        assert (page["total"] is not None) == (cursor is None)  # the total comes with the first page
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == whole["items"]

    years = await ok(client, admin, group_by="year", from_year=2024, to_year=2026, industry=fixture.industry, limit=2)
    assert [row["key"] for row in years["items"]] == [2024, 2025]
    rest = await ok(
        client,
        admin,
        group_by="year",
        from_year=2024,
        to_year=2026,
        industry=fixture.industry,
        cursor=years["next_cursor"],
    )
    assert [row["key"] for row in rest["items"]] == [2026]
    assert rest["next_cursor"] is None


def parse_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_the_csv_export_matches_the_json(client: httpx.AsyncClient, callers: Callers, fixture: Fixture) -> None:
    admin = callers.admin()
    params = {"year": 2026, "group_by": "employer", "industry": fixture.industry}
    body = await ok(client, admin, **params)
    # limit does not apply to the export: every row
    exported = await statistics(client, admin, format="csv", limit=1, **params)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="statistics-2026-employer.csv"'
    rows = parse_csv(exported)
    assert list(rows[0]) == [
        "employer_id",
        "persons",
        "hours_credited",
        "hours_pending",
        "compliant_persons",
        "compliance_rate",
    ]
    assert [
        (
            row["employer_id"] or None,
            int(row["persons"]),
            float(row["hours_credited"]),
            float(row["hours_pending"]),
            int(row["compliant_persons"]),
            float(row["compliance_rate"]),
        )
        for row in rows
    ] == [(item["key"], *figures(item)) for item in body["items"]]

    negotiated = await client.get(
        "/v1/statistics", params={**params, "group_by": "region"}, headers={**admin, "Accept": "text/csv"}
    )
    assert negotiated.headers["content-type"] == "text/csv; charset=utf-8"
    assert [(r["region_code"], r["persons"]) for r in parse_csv(negotiated)] == [("130102", "2"), ("130203", "3")]

    by_year = await statistics(
        client, admin, group_by="year", from_year=2025, to_year=2026, industry=fixture.industry, format="csv"
    )
    assert by_year.headers["content-disposition"] == 'attachment; filename="statistics-2025-2026-year.csv"'
    assert [r["year"] for r in parse_csv(by_year)] == ["2025", "2026"]


async def test_chinese_keys_survive_the_export(
    client: httpx.AsyncClient, registry: FakeRegistry, callers: Callers
) -> None:
    industry = f"卫生健康-{uuid.uuid4().hex[:6]}"
    person = registry.add_person("130102", industry=industry)
    await earn(client, callers, person, professional=10, certified=False)
    response = await statistics(
        client, callers.admin(), year=2026, group_by="industry", industry=industry, format="csv"
    )
    assert parse_csv(response) == [
        {
            "industry": industry,
            "persons": "1",
            "hours_credited": "0.0",
            "hours_pending": "10.0",
            "compliant_persons": "0",
            "compliance_rate": "0.0000",
        }
    ]


# ---- bad requests -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": 2026, "group_by": "province"}, "group_by"),
        ({"year": 1999}, "year"),
        ({"group_by": "region"}, "year"),
        ({"group_by": "year", "from_year": 2026}, "to_year"),
        ({"group_by": "year", "from_year": 2026, "to_year": 2025}, "to_year"),
        ({"year": 2026, "from_year": 2025}, "from_year"),
        ({"year": 2026, "region_code": "13"}, "region_code"),
        ({"year": 2026, "format": "xlsx"}, "format"),
        ({"year": 2026, "cursor": "not-a-cursor"}, "cursor"),
    ],
)
async def test_bad_queries_are_explained(
    client: httpx.AsyncClient, callers: Callers, params: dict[str, Any], field: str
) -> None:
    response = await statistics(client, callers.admin(), **params)
    assert response.status_code == (400 if field == "cursor" else 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"query.{field}" in [error["field"] for error in response.json()["errors"]]


async def test_a_cursor_of_another_grouping_is_refused(
    client: httpx.AsyncClient, callers: Callers, fixture: Fixture
) -> None:
    page = await ok(client, callers.admin(), year=2026, group_by="employer", industry=fixture.industry, limit=1)
    response = await statistics(
        client, callers.admin(), year=2026, group_by="region", industry=fixture.industry, cursor=page["next_cursor"]
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
