"""Employers, institutions and authorities as admins and HR officials register and change them, and the
accounts and machine clients bound to them."""

import json
import uuid
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from cekit.testing import asyncpg_url
from registry.roles import Role


async def _sql(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def admin(mint: Any) -> str:
    return str(mint("admin"))


def _employer(seed: Any, **changes: Any) -> dict[str, Any]:
    body = {"credit_code": seed.new_credit_code("130100"), "name": "河北某建设集团有限公司", "kind": "enterprise",
            "region_code": "130100", "industry": "construction"}  # fmt: skip
    return {**body, **changes}


# ---- registering ------------------------------------------------------------------------------------------
async def test_an_admin_registers_an_employer_an_institution_and_an_authority(
    client: httpx.AsyncClient, seed: Any, admin: str, database_url: str
) -> None:
    code = seed.new_credit_code("130100")
    employer = await client.post(
        "/v1/employers", json=_employer(seed, credit_code=code.lower(), contact={"name": "王芳", "phone": "0311-1234"}),
        headers=_bearer(admin),
    )  # fmt: skip
    assert employer.status_code == 201, employer.text
    assert uuid.UUID(employer.json()["id"])
    assert employer.json()["credit_code"] == code  # stored upper-cased
    assert employer.json()["contact"] == {"name": "王芳", "phone": "0311-1234", "email": None, "address": None}

    institution = await client.post(
        "/v1/institutions",
        json={"credit_code": code, "name": "河北某大学", "kind": "university", "region_code": "130100"},
        headers=_bearer(admin),
    )
    # A university is an employer of its staff and an institution for its trainees: one code, two registers.
    assert institution.status_code == 201, institution.text
    assert institution.json()["kind"] == "university"

    authority = await client.post(
        "/v1/authorities",
        json={"kind": "industry", "level": "county", "region_code": "130104", "industry": "health",
              "name": "桥西区卫生健康局"},
        headers=_bearer(admin),
    )  # fmt: skip
    assert authority.status_code == 201, authority.text
    assert (authority.json()["level"], authority.json()["industry"]) == ("county", "health")

    for created, kind in ((employer, "employer"), (institution, "institution"), (authority, "authority")):
        [row] = await _sql(database_url, "SELECT actor_roles FROM audit_event WHERE action = $1 AND object_id = $2",
                           f"{kind}.registered", created.json()["id"])  # fmt: skip
        assert row["actor_roles"] == "admin"


def _credit_cases(seed: Any) -> list[tuple[str, str, int, str | None]]:
    valid = seed.new_credit_code("130100")
    return [
        ("valid", valid, 201, None),
        ("lower case", seed.new_credit_code("130100").lower(), 201, None),
        ("wrong check character", valid[:17] + ("0" if valid[17] != "0" else "1"), 422, "credit_code_bad_check"),
        ("wrong organisation check", valid[:16] + ("0" if valid[16] != "0" else "1") + valid[17], 422,
         "credit_code_bad_org_check"),
        ("letter O", "O" + valid[1:], 422, "credit_code_bad_format"),
        ("17 characters", valid[:17], 422, "credit_code_bad_length"),
    ]  # fmt: skip


async def test_credit_codes_through_the_api(
    client: httpx.AsyncClient, seed: Any, admin: str, database_url: str
) -> None:
    failures = []
    for label, code, status, expected in _credit_cases(seed):
        [before] = await _sql(database_url, "SELECT count(*) AS n FROM organisation")
        response = await client.post("/v1/employers", json=_employer(seed, credit_code=code), headers=_bearer(admin))
        if response.status_code != status:
            failures.append(f"{label}: {response.status_code} {response.json().get('code')}")
        elif status == 422:
            if (response.json()["code"], response.json()["errors"][0]["field"]) != (expected, "credit_code"):
                failures.append(f"{label}: {response.json()['code']}")
            [after] = await _sql(database_url, "SELECT count(*) AS n FROM organisation")
            if after["n"] != before["n"]:
                failures.append(f"{label}: something was written")
    assert failures == []


async def test_a_credit_code_is_registered_once_per_register(client: httpx.AsyncClient, seed: Any, admin: str) -> None:
    body = _employer(seed)
    assert (await client.post("/v1/employers", json=body, headers=_bearer(admin))).status_code == 201
    again = await client.post("/v1/employers", json={**body, "name": "另一个名字"}, headers=_bearer(admin))
    assert again.status_code == 409
    assert again.json()["code"] == "credit_code_taken"


AUTHORITY_CASES = [
    # (body, status, code): Xiong'an New Area is a city-level HR authority of Hebei (seeds 000 art. 3).
    ({"kind": "hr", "level": "city", "region_code": "133100"}, 201, None),
    ({"kind": "hr", "level": "province", "region_code": "133100"}, 422, "level_mismatch"),
    ({"kind": "hr", "level": "county", "region_code": "130629"}, 201, None),  # 容城县, administered by Xiong'an
    ({"kind": "hr", "level": "city", "region_code": "130000"}, 422, "level_mismatch"),
    ({"kind": "industry", "level": "province", "region_code": "130000"}, 422, "industry_required"),
    ({"kind": "hr", "level": "province", "region_code": "130000", "industry": "health"}, 422, "industry_not_allowed"),
    ({"kind": "hr", "level": "city", "region_code": "139900"}, 422, "unknown_region"),
    ({"kind": "hr", "level": "town", "region_code": "130100"}, 422, "validation_failed"),
]


async def test_an_authority_acts_at_its_regions_level(client: httpx.AsyncClient, admin: str) -> None:
    answers = []
    for body, _, _ in AUTHORITY_CASES:
        response = await client.post("/v1/authorities", json={**body, "name": "某局"}, headers=_bearer(admin))
        answers.append((response.status_code, response.json().get("code") if response.status_code != 201 else None))
    assert answers == [(status, code) for _, status, code in AUTHORITY_CASES]


async def test_one_hr_authority_per_region_and_one_industry_authority_per_industry(
    client: httpx.AsyncClient, admin: str
) -> None:
    hr = {"kind": "hr", "level": "county", "region_code": "130105", "name": "新华区人社局"}
    assert (await client.post("/v1/authorities", json=hr, headers=_bearer(admin))).status_code == 201
    again = await client.post("/v1/authorities", json=hr, headers=_bearer(admin))
    assert again.status_code == 409
    assert again.json()["code"] == "authority_exists"
    for industry, status in (("health", 201), ("education", 201), ("health", 409)):
        body = {"kind": "industry", "level": "county", "region_code": "130105", "industry": industry, "name": "某局"}
        assert (await client.post("/v1/authorities", json=body, headers=_bearer(admin))).status_code == status


HR_AUTHORITY_CASES = [
    # (the HR official's region, the authority it registers, status)
    ("130100", {"kind": "hr", "level": "county", "region_code": "130107"}, 201),  # below, within
    ("130100", {"kind": "industry", "level": "city", "region_code": "130100", "industry": "water"}, 403),  # same
    ("130000", {"kind": "industry", "level": "city", "region_code": "130100", "industry": "transport"}, 201),
    ("130000", {"kind": "hr", "level": "province", "region_code": "130000"}, 403),  # its own level
    ("133100", {"kind": "hr", "level": "county", "region_code": "130632"}, 201),  # 安新县, Xiong'an's
    ("130600", {"kind": "hr", "level": "county", "region_code": "130638"}, 403),  # 雄县: not Baoding's any more
    ("130200", {"kind": "hr", "level": "county", "region_code": "130108"}, 403),  # another city's county
]


async def test_hr_registers_authorities_below_its_level_within_its_region(client: httpx.AsyncClient, mint: Any) -> None:
    answers = []
    for own_region, body, _ in HR_AUTHORITY_CASES:
        token = mint("hr_official", region_code=own_region, org_id=uuid.uuid4())
        response = await client.post("/v1/authorities", json={**body, "name": "某局"}, headers=_bearer(token))
        answers.append((response.status_code, response.json().get("code") if response.status_code == 403 else None))
    assert answers == [(status, "outside_scope" if status == 403 else None) for _, _, status in HR_AUTHORITY_CASES]


async def test_hr_registers_employers_and_institutions_of_its_region(
    client: httpx.AsyncClient, seed: Any, mint: Any
) -> None:
    token = mint("hr_official", region_code="130100", org_id=uuid.uuid4())
    county = await client.post("/v1/employers", json=_employer(seed, region_code="130104"), headers=_bearer(token))
    assert county.status_code == 201
    elsewhere = await client.post("/v1/employers", json=_employer(seed, region_code="130200"), headers=_bearer(token))
    assert elsewhere.status_code == 403
    assert elsewhere.json()["code"] == "outside_scope"
    institution = {"credit_code": seed.new_credit_code(), "name": "培训中心", "kind": "training_org",
                   "region_code": "130200"}  # fmt: skip
    assert (await client.post("/v1/institutions", json=institution, headers=_bearer(token))).status_code == 403


# ---- changing ---------------------------------------------------------------------------------------------
async def test_an_update_is_audited_with_the_values_before_and_after(
    client: httpx.AsyncClient, seed: Any, mint: Any, database_url: str
) -> None:
    employer_id = await seed.employer("130104", "health")
    hr = mint("hr_official", region_code="130100", org_id=uuid.uuid4())
    url = f"/v1/employers/{employer_id}"
    patch = {"name": "石家庄市第一医院", "kind": "organ", "contact": {"email": "office@example.cn"}}

    response = await client.patch(url, json=patch, headers=_bearer(hr))
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["kind"]) == ("石家庄市第一医院", "organ")
    assert response.json()["industry"] == "health"  # left out: unchanged
    [audit] = await _sql(
        database_url, "SELECT actor_roles, details FROM audit_event WHERE action = 'employer.updated' "
        "AND object_id = $1", str(employer_id),
    )  # fmt: skip
    assert audit["actor_roles"] == "hr_official"
    details = json.loads(audit["details"])
    assert details["before"] == {"name": "某医院", "kind": "institution", "contact": {}}
    assert details["after"] == {"name": "石家庄市第一医院", "kind": "organ", "contact": {"email": "office@example.cn"}}

    same_again = await client.patch(url, json=patch, headers=_bearer(hr))
    assert same_again.status_code == 200
    rows = await _sql(database_url, "SELECT 1 FROM audit_event WHERE action = 'employer.updated' AND object_id = $1",
                      str(employer_id))  # fmt: skip
    assert len(rows) == 1  # nothing changed, nothing recorded


async def test_what_an_update_may_not_do(client: httpx.AsyncClient, seed: Any, admin: str) -> None:
    employer_id = await seed.employer()
    refused = [
        ({"credit_code": "91130100MA0CXXXX1X"}, "credit_code"),  # the credit code never changes
        ({"region_code": "130200"}, "region_code"),
        ({"name": None}, "name"),
        ({"kind": "university"}, "kind"),
        ({"industry": "Health Care"}, "industry"),
    ]
    for patch, field in refused:
        response = await client.patch(f"/v1/employers/{employer_id}", json=patch, headers=_bearer(admin))
        assert (response.status_code, field in [e["field"] for e in response.json()["errors"]]) == (422, True), patch
    unchanged = await client.get(f"/v1/employers/{employer_id}", headers=_bearer(admin))
    assert (unchanged.json()["name"], unchanged.json()["industry"]) == ("某医院", "health")


async def test_hr_may_see_its_own_authority_but_not_change_it(client: httpx.AsyncClient, seed: Any, mint: Any) -> None:
    own = await seed.authority("hr", "130900")
    token = mint("hr_official", region_code="130900", org_id=own)
    assert (await client.get(f"/v1/authorities/{own}", headers=_bearer(token))).status_code == 200
    response = await client.patch(f"/v1/authorities/{own}", json={"name": "改名"}, headers=_bearer(token))
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"


async def test_organisation_lists_page_within_the_callers_region(
    client: httpx.AsyncClient, seed: Any, mint: Any
) -> None:
    made = {str(await seed.employer("130400", "mining")) for _ in range(3)}  # Handan
    token = mint("hr_official", region_code="130400", org_id=uuid.uuid4())
    collected, cursor = [], None
    while True:
        params = {"limit": 2, "industry": "mining", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/employers", params=params, headers=_bearer(token))).json()
        collected += [e["id"] for e in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert sorted(collected) == sorted(made)
    elsewhere = mint("hr_official", region_code="130100", org_id=uuid.uuid4())
    page = (await client.get("/v1/employers", params={"industry": "mining"}, headers=_bearer(elsewhere))).json()
    assert page["items"] == []


# ---- accounts and clients bound to organisations ----------------------------------------------------------
async def test_an_account_takes_region_and_industry_from_its_organisation(
    client: httpx.AsyncClient, seed: Any, admin: str, api: Any
) -> None:
    authority = await seed.authority("industry", "130102", "health")
    username = f"health-{uuid.uuid4().hex[:8]}"
    body = {"username": username, "password": api.PASSWORD, "role": "industry_official", "org_id": str(authority)}
    created = await client.post("/v1/accounts", json=body, headers=_bearer(admin))
    assert created.status_code == 201, created.text
    assert (created.json()["region_code"], created.json()["industry"]) == ("130102", "health")

    claims = jwt.decode(await api.token(username), options={"verify_signature": False})
    assert (claims["org_id"], claims["region_code"], claims["industry"]) == (str(authority), "130102", "health")

    # Who may trust the input? Nobody: the region is not even accepted.
    forged = {**body, "username": f"x-{uuid.uuid4().hex[:8]}", "region_code": "130000"}
    refused = await client.post("/v1/accounts", json=forged, headers=_bearer(admin))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "region_code"


async def test_a_person_account_is_bound_to_a_registered_person(
    client: httpx.AsyncClient, seed: Any, admin: str, api: Any
) -> None:
    person_id = await seed.person(region="130104", industry="education")
    body = {"username": f"p-{uuid.uuid4().hex[:8]}", "password": api.PASSWORD, "role": "person",
            "person_id": str(person_id)}  # fmt: skip
    created = await client.post("/v1/accounts", json=body, headers=_bearer(admin))
    assert created.status_code == 201, created.text
    assert (created.json()["person_id"], created.json()["region_code"]) == (str(person_id), "130104")
    me = await client.get("/v1/persons/me", headers=_bearer(await api.token(body["username"])))
    assert me.status_code == 200
    assert me.json()["id"] == str(person_id)


async def test_an_account_of_the_wrong_organisation_type_is_refused(
    client: httpx.AsyncClient, seed: Any, admin: str, api: Any
) -> None:
    industry_authority = await seed.authority("industry", "130100", "health")
    hr_authority = await seed.authority("hr", "130100")
    institution, employer = await seed.institution(), await seed.employer()
    cases = [
        ("hr_official", industry_authority, "wrong_organisation_type"),
        ("industry_official", hr_authority, "wrong_organisation_type"),
        ("employer_admin", institution, "wrong_organisation_type"),
        ("institution", employer, "wrong_organisation_type"),
        ("hr_official", uuid.uuid4(), "unknown_organisation"),
    ]
    for role, org_id, code in cases:
        body = {"username": f"w-{uuid.uuid4().hex[:8]}", "password": api.PASSWORD, "role": role, "org_id": str(org_id)}
        response = await client.post("/v1/accounts", json=body, headers=_bearer(admin))
        answer = (response.status_code, response.json()["code"], response.json()["errors"][0]["field"])
        assert answer == (422, code, "org_id"), (role, answer)
        assert (await api.login(body["username"])).status_code == 400  # not created


async def test_an_institution_client_needs_an_existing_institution(
    client: httpx.AsyncClient, seed: Any, admin: str
) -> None:
    employer, institution = await seed.employer(), await seed.institution()
    cases = [
        ({"role": "institution", "org_id": str(employer)}, "wrong_organisation_type"),
        ({"role": "institution", "org_id": str(uuid.uuid4())}, "unknown_organisation"),
        ({"role": "service", "org_id": str(institution)}, "role_attributes_not_allowed"),
    ]
    for body, code in cases:
        response = await client.post("/v1/clients", json={"name": "LMS", **body}, headers=_bearer(admin))
        assert (response.status_code, response.json()["code"]) == (422, code)
    created = await client.post(
        "/v1/clients", json={"name": "LMS", "role": "institution", "org_id": str(institution)}, headers=_bearer(admin)
    )
    assert created.status_code == 201


async def test_accounts_follow_a_change_of_their_employers_industry(
    client: httpx.AsyncClient, seed: Any, admin: str, api: Any
) -> None:
    employer = await seed.employer("130100", "health")
    username = await api.make_account(Role.EMPLOYER_ADMIN, org_id=employer)
    patched = await client.patch(f"/v1/employers/{employer}", json={"industry": "education"}, headers=_bearer(admin))
    assert patched.status_code == 200
    claims = jwt.decode(await api.token(username), options={"verify_signature": False})
    assert claims["industry"] == "education"
