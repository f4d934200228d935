"""The verification page behind the printed QR code (``GET /verify/{code}``, API.md "human check"), as anyone who
scans a certificate meets it: the verdict of the certificate's latest (or the named) signed statement, checked as
``POST /v1/verifications`` checks it, so a revocation shows at once; masked particulars only, since the
certificate number is the ID number (000 art. 14); an unknown code says nothing more than that."""

import asyncio
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from cekit.pii import mask_id_number
from cekit.testing import asyncpg_url
from certificates.render import VERIFICATION_PAGE_CSP
from certificates.testing import Callers, FakePeers, FakePerson

STATEMENTS = "/v1/statements"


def verdict(html: str) -> tuple[str, str]:
    """(data-verdict, the words in the banner) of the page's one ``#verdict`` element."""
    found = re.findall(r'<p id="verdict" role="status" data-verdict="([a-z]+)">([^<]*)</p>', html)
    assert len(found) == 1, html
    return found[0][0], found[0][1]


def check_marks(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-check="([a-z_]+)" data-passed="(true|false)"', html))


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == VERIFICATION_PAGE_CSP
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


async def issue(client: httpx.AsyncClient, callers: Callers, person: FakePerson, year: int = 2025) -> dict[str, Any]:
    response = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": year}, headers=callers.admin()
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def audit_count(database_url: str) -> int:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM audit_event"))
    finally:
        await conn.close()


def page_path(verification_url: str) -> str:
    return verification_url.removeprefix("https://ce.test")


async def test_the_page_of_an_active_statement_says_valid_with_masked_particulars_only(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person(name="王玥喆")
    person.certify(year=2025, category="public", hours="30", activity="online")
    person.certify(year=2025, category="professional", hours="64")
    issued = await issue(client, callers, person)
    code = issued["verification_url"].split("/verify/")[1].split("?")[0]

    # The QR code of a printed certificate opens /verify/<code>: the latest statement is checked.
    response = await client.get(f"/verify/{code}")

    assert response.status_code == 200
    assert_page_headers(response)
    html = response.text
    assert verdict(html) == ("valid", "有效 VALID")
    assert check_marks(html) == {
        "format": "true",
        "issuer_trusted": "true",
        "signature": "true",
        "validity": "true",
        "status": "true",
        "subject": "true",
    }
    assert "王*喆" in html
    assert mask_id_number(person.id_number) in html
    assert code in html
    assert issued["statement_id"] in html
    assert "2025 年度学时" in html
    assert "达标 Compliant" in html  # 30 public + 64 professional against Hebei's 30 / 60 / 90 (000 art. 5)
    assert "94" in html
    # 000 art. 14: the certificate number is the ID number; neither it nor the full name is on a public page.
    assert person.id_number not in html
    assert "王玥喆" not in html

    # The statement's own verification URL (with ?statement=) says the same.
    named = await client.get(page_path(issued["verification_url"]))
    assert named.status_code == 200
    assert verdict(named.text)[0] == "valid"
    # A lower-case code typed from a printout is the same code.
    assert verdict((await client.get(f"/verify/{code.lower()}")).text)[0] == "valid"


async def test_revocation_and_suspension_show_on_the_page_at_once(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person()
    person.certify(year=2025, hours="40")
    issued = await issue(client, callers, person)
    path = page_path(issued["verification_url"])
    statement = f"{STATEMENTS}/{issued['statement_id']}"
    assert verdict((await client.get(path)).text)[0] == "valid"

    suspended = await client.post(f"{statement}/suspension", json={"reason": "抽查中"}, headers=callers.hr())
    assert suspended.status_code == 200, suspended.text
    page = (await client.get(path)).text
    assert verdict(page) == ("invalid", "无效 INVALID")
    assert "暂停" in page
    assert check_marks(page)["status"] == "false"

    reinstated = await client.post(f"{statement}/reinstatement", json={"reason": "抽查通过"}, headers=callers.hr())
    assert reinstated.status_code == 200
    assert verdict((await client.get(path)).text)[0] == "valid"

    revoked = await client.post(f"{statement}/revocation", json={"reason": "学时造假"}, headers=callers.hr())
    assert revoked.status_code == 200
    response = await client.get(path)
    assert response.status_code == 200
    assert_page_headers(response)  # no-store: nobody keeps the "valid" page once it is revoked
    assert verdict(response.text) == ("revoked", "已撤销 REVOKED")
    assert "撤销" in response.text
    assert "已撤销 Revoked" in response.text  # the status row
    assert check_marks(response.text)["signature"] == "true"  # genuine, but revoked


async def test_the_latest_statement_decides_unless_one_is_named(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person()
    person.certify(year=2024, hours="12")
    person.certify(year=2025, hours="40")
    older = await issue(client, callers, person, 2024)
    newer = await issue(client, callers, person, 2025)
    revoked = await client.post(
        f"{STATEMENTS}/{newer['statement_id']}/revocation", json={"reason": "重新签发"}, headers=callers.admin()
    )
    assert revoked.status_code == 200
    code = newer["verification_url"].split("/verify/")[1].split("?")[0]

    latest = (await client.get(f"/verify/{code}")).text
    assert verdict(latest)[0] == "revoked"
    assert newer["statement_id"] in latest

    named = (await client.get(f"/verify/{code}", params={"statement": older["statement_id"]})).text
    assert verdict(named)[0] == "valid"
    assert "2024 年度学时" in named
    assert "未达标 Not compliant" in named  # 12 of 90 hours


async def test_unknown_codes_and_foreign_statements_get_a_404_page_that_says_nothing_more(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person(name="李四")
    person.certify(year=2025)
    issued = await issue(client, callers, person)
    code = issued["verification_url"].split("/verify/")[1].split("?")[0]
    other = peers.add_person()
    other.certify(year=2025)
    others = await issue(client, callers, other)

    asked = [
        "/verify/AAAAAAAAAAAAAAAA",  # the shape of a code, but nobody's
        f"/verify/{person.id_number}",  # someone trying the ID number (the certificate number, 000 art. 14)
        "/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        f"/verify/{code}/extra",
        "/verify/",
        f"/verify/{code}?statement={others['statement_id']}",  # another certificate's statement
        f"/verify/{code}?statement={uuid.uuid4()}",
        f"/verify/{code}?statement=not-a-uuid",
    ]
    for path in asked:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert_page_headers(response)
        html = response.text
        assert verdict(html) == ("invalid", "无效 INVALID")
        assert "未找到该证书" in html
        for secret in (
            person.id_number,
            mask_id_number(person.id_number),
            "李*",
            code,
            others["statement_id"],
            "<script>",
            "data-check",
        ):
            assert secret not in html, (path, secret)


async def test_a_certificate_without_a_statement_says_there_is_nothing_to_verify(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person()
    person.certify(year=2025)
    certificate = await client.get(f"/v1/certificates/{person.person_id}", headers=callers.person(person))
    code = certificate.json()["certificate_code"]

    response = await client.get(f"/verify/{code}")

    assert response.status_code == 200
    assert_page_headers(response)
    assert verdict(response.text) == ("indeterminate", "无法确定 INDETERMINATE")
    assert "尚未签发年度学时证明" in response.text
    assert code in response.text
    assert mask_id_number(person.id_number) not in response.text  # nothing signed says who it is: nothing shown


async def test_the_page_needs_no_login_and_writes_nothing(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, database_url: str
) -> None:
    person = peers.add_person()
    person.certify(year=2025)
    issued = await issue(client, callers, person)
    before = await audit_count(database_url)

    # Whatever the caller sends along (a stale token from another site, say), the page is public.
    response = await client.get(page_path(issued["verification_url"]), headers={"Authorization": "Bearer junk"})

    assert response.status_code == 200
    assert verdict(response.text)[0] == "valid"
    assert await audit_count(database_url) == before


async def test_a_statement_whose_key_was_withdrawn_is_invalid_and_shows_nothing_of_its_content(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, keys_dir: Path
) -> None:
    person = peers.add_person(name="钱七")
    person.certify(year=2025)
    issued = await issue(client, callers, person)
    # A compromised key is withdrawn by removing its files: what it signed no longer verifies (README, Keys).
    shutil.rmtree(keys_dir)
    await asyncio.sleep(1.1)  # the service looks at its key directory at most once a second

    response = await client.get(page_path(issued["verification_url"]))

    assert response.status_code == 200
    assert verdict(response.text)[0] == "invalid"
    assert check_marks(response.text)["signature"] == "false"
    assert "does not publish" in response.text
    # An unverified payload says nothing: neither the (masked) name nor the ID number nor the year's totals.
    assert "钱*" not in response.text
    assert mask_id_number(person.id_number) not in response.text
    assert 'id="statement"' not in response.text
