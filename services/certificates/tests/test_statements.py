"""Signed annual statements as their holders, officials and verifiers meet them: issue → verify valid, a changed
character breaks the signature, revocation and suspension show in verification, the ID number never appears
in a credential (000 art. 14: it is the certificate number; the credential commits to it), and nobody gets a
statement of a person they may not see."""

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from cekit.pii import mask_id_number
from cekit.testing import asyncpg_url
from certificates.testing import Callers, FakePeers, FakePerson

STATEMENTS = "/v1/statements"
VERIFY = "/v1/verifications"
YEAR = 2025


def decode_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    document: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return document


def checks(report: dict[str, Any]) -> dict[str, bool | None]:
    return {c["check"]: c["passed"] for c in report["checks"]}


async def sql(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


def compliant_person(peers: FakePeers) -> tuple[FakePerson, uuid.UUID]:
    person = peers.add_person(name="王小明")
    institution = peers.add_institution("河北工业大学继续教育学院")
    person.certify(year=YEAR, category="public", hours="30", activity="online", required=True)
    person.certify(year=YEAR, category="professional", hours="36", activity="exam", result="通过")
    person.certify(year=YEAR, category="professional", hours="24.5", institution_id=institution)
    person.certify(year=YEAR - 1, category="professional", hours="90")  # another year: not in this statement
    return person, institution


async def issue(client: httpx.AsyncClient, headers: dict[str, str], person: FakePerson, year: int = YEAR) -> Any:
    response = await client.post(STATEMENTS, json={"person_id": str(person.person_id), "year": year}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def verify(client: httpx.AsyncClient, credential: str, **extra: str) -> dict[str, Any]:
    response = await client.post(VERIFY, json={"credential": credential, **extra})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_an_issued_statement_is_a_signed_vc_that_verifies(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person, institution = compliant_person(peers)
    issued = await issue(client, callers.person(person), person)

    header = decode_part(issued["credential"], 0)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "vc+jwt"
    assert header["kid"].startswith("st-")
    vc = decode_part(issued["credential"], 1)
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "ContinuingEducationStatement"]
    assert vc["id"] == f"urn:uuid:{issued['statement_id']}"
    assert vc["issuer"] == "urn:ce:130000:certificates"
    # Valid to the end of year + 3, China time (config: statement_validity_years).
    assert vc["validUntil"] == f"{YEAR + 3}-12-31T15:59:59Z"
    subject = vc["credentialSubject"]
    assert subject["name"] == "王小明"
    assert subject["maskedIdNumber"] == mask_id_number(person.id_number)
    assert subject["year"] == YEAR
    assert subject["compliant"] is True
    assert subject["totals"]["total"] == {"credited": 90.5, "required": 90}
    assert subject["totals"]["public"] == {"credited": 30, "required": 30}
    assert subject["totals"]["publicRequired"] == {"credited": 30}  # not constrained in Hebei: no "required"
    entries = {e["kind"]: e for e in subject["entries"]}
    assert set(entries) == {"online", "exam", "training"}  # 000 art. 15: kind, content, dates, hours, result, …
    assert entries["exam"]["result"] == "通过"
    assert entries["training"]["hours"] == 24.5
    assert entries["training"]["institution"] == {"id": f"urn:uuid:{institution}", "name": "河北工业大学继续教育学院"}
    assert {s["statusPurpose"] for s in vc["credentialStatus"]} == {"revocation", "suspension"}
    assert all(s["statusListCredential"].startswith("https://ce.test/v1/status-lists/") for s in vc["credentialStatus"])
    assert issued["verification_url"].startswith("https://ce.test/verify/")

    report = await verify(client, issued["credential"])
    assert report["valid"] is True, report
    assert report["verdict"] == "valid"
    assert report["status"] == "active"
    assert report["issuer"] == "urn:ce:130000:certificates"
    assert report["subject"]["name"] == "王小明"
    assert checks(report) == dict.fromkeys(
        ["format", "issuer_trusted", "signature", "validity", "status", "subject"], True
    )


async def test_the_id_number_is_never_in_the_credential_but_can_be_checked_against_it(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, database_url: str
) -> None:
    person, _ = compliant_person(peers)
    response = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": YEAR}, headers=callers.hr("130000")
    )
    assert response.status_code == 201
    credential = response.json()["credential"]
    payload_text = json.dumps(decode_part(credential, 1), ensure_ascii=False)
    assert person.id_number not in payload_text
    assert person.id_number[6:14] not in payload_text  # not even the birth date part
    assert person.id_number not in response.text
    stored = await sql(database_url, "SELECT details::text AS d FROM audit_event")
    assert all(person.id_number not in row["d"] and person.name not in row["d"] for row in stored)

    right = await verify(client, credential, id_number=person.id_number.lower())  # normalised: x → X
    assert checks(right)["subject"] is True
    assert right["valid"] is True
    other = peers.add_person()
    wrong = await verify(client, credential, id_number=other.id_number)
    assert checks(wrong)["subject"] is False
    assert wrong["valid"] is False
    assert wrong["verdict"] == "invalid"
    assert other.id_number not in json.dumps(wrong)


async def test_a_changed_character_breaks_the_signature(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person, _ = compliant_person(peers)
    credential = (await issue(client, callers.admin(), person))["credential"]
    header, payload, signature = credential.split(".")

    # One character of the signature (not the last, whose low bits base64url may ignore).
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    report = await verify(client, f"{header}.{payload}.{flipped}")
    assert checks(report)["signature"] is False
    assert report["valid"] is False
    assert report["verdict"] == "invalid"
    assert report["reason"].startswith("signature:")
    assert report["subject"] is None  # nothing of an unverified payload is vouched for

    # A forger who edits the hours and re-encodes the payload keeps a signature that no longer matches.
    document = decode_part(credential, 1)
    document["credentialSubject"]["totals"]["total"]["credited"] = 200
    forged = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    report = await verify(client, f"{header}.{forged}.{signature}")
    assert checks(report)["format"] is True
    assert checks(report)["signature"] is False

    garbage = await verify(client, "not-a-credential")
    assert checks(garbage)["format"] is False
    assert garbage["verdict"] == "invalid"


async def test_revocation_shows_in_verification_and_is_final(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, database_url: str
) -> None:
    person, _ = compliant_person(peers)
    issued = await issue(client, callers.person(person), person)
    statement_id = issued["statement_id"]
    path = f"{STATEMENTS}/{statement_id}/revocation"

    # The person themself cannot revoke; an official of another province's region does not see the person.
    assert (await client.post(path, json={"reason": "x"}, headers=callers.person(person))).status_code == 403
    assert (await client.post(path, json={"reason": "x"}, headers=callers.hr("110000"))).status_code == 404
    assert (await client.post(path, json={"reason": ""}, headers=callers.hr())).status_code == 422

    revoked = await client.post(path, json={"reason": "抽查发现学时造假"}, headers=callers.hr("130000"))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revocation_reason"] == "抽查发现学时造假"

    report = await verify(client, issued["credential"])
    assert report["valid"] is False
    assert report["status"] == "revoked"
    assert checks(report)["status"] is False
    assert checks(report)["signature"] is True

    again = await client.post(path, json={"reason": "again"}, headers=callers.admin())
    assert again.status_code == 409
    assert again.json()["code"] == "already_revoked"
    suspend = await client.post(
        f"{STATEMENTS}/{statement_id}/suspension", json={"reason": "x"}, headers=callers.admin()
    )
    assert suspend.status_code == 409

    audit = await sql(
        database_url, "SELECT action, reason FROM audit_event WHERE object_id = $1 ORDER BY occurred_at", statement_id
    )
    assert [(r["action"], r["reason"]) for r in audit] == [
        ("statement.issued", None),
        ("statement.revoked", "抽查发现学时造假"),
    ]


async def test_suspension_and_reinstatement(client: httpx.AsyncClient, peers: FakePeers, callers: Callers) -> None:
    person, _ = compliant_person(peers)
    issued = await issue(client, callers.admin(), person)
    base = f"{STATEMENTS}/{issued['statement_id']}"
    official = callers.industry("engineering")

    suspended = await client.post(f"{base}/suspension", json={"reason": "抽查审验中"}, headers=official)
    assert suspended.status_code == 200, suspended.text
    report = await verify(client, issued["credential"])
    assert (report["status"], report["valid"]) == ("suspended", False)
    assert (await client.post(f"{base}/suspension", json={"reason": "x"}, headers=official)).status_code == 409

    reinstated = await client.post(f"{base}/reinstatement", json={"reason": "审验通过"}, headers=official)
    assert reinstated.status_code == 200
    assert reinstated.json()["status"] == "active"
    report = await verify(client, issued["credential"])
    assert (report["status"], report["valid"]) == ("active", True)
    again = await client.post(f"{base}/reinstatement", json={"reason": "x"}, headers=official)
    assert again.status_code == 409
    assert again.json()["code"] == "not_suspended"


async def test_who_may_have_a_statement_issued(client: httpx.AsyncClient, peers: FakePeers, callers: Callers) -> None:
    employer = uuid.uuid4()
    person, _ = compliant_person(peers)
    person.employer_id = employer
    me = peers.add_person()
    body = {"person_id": str(person.person_id), "year": YEAR}

    # Another person cannot get a statement about me: the same 404 as for nobody at all.
    other = await client.post(STATEMENTS, json=body, headers=callers.person(me))
    assert other.status_code == 404
    assert other.json()["code"] == "person_not_found"
    # The employer reads the certificate but the HR authorities keep it (000 art. 14): no statements.
    assert (await client.post(STATEMENTS, json=body, headers=callers.employer(employer))).status_code == 403
    assert (await client.post(STATEMENTS, json=body, headers=callers.institution())).status_code == 403
    assert (await client.post(STATEMENTS, json=body)).status_code == 401
    # Officials see people of their region (Beijing's HR does not see a Hebei person) or industry.
    assert (await client.post(STATEMENTS, json=body, headers=callers.hr("110000"))).status_code == 404
    assert (await client.post(STATEMENTS, json=body, headers=callers.industry("health"))).status_code == 404
    assert (await client.post(STATEMENTS, json=body, headers=callers.hr("130100"))).status_code == 201
    assert (await client.post(STATEMENTS, json=body, headers=callers.industry("engineering"))).status_code == 201

    # Reading a statement follows the same rule.
    issued = await issue(client, callers.person(person), person)
    path = f"{STATEMENTS}/{issued['statement_id']}"
    assert (await client.get(path, headers=callers.person(me))).status_code == 404
    mine = await client.get(path, headers=callers.employer(employer))
    assert mine.status_code == 200
    assert mine.json()["credential"] == issued["credential"]
    assert mine.json()["status"] == "active"
    assert (await client.get(f"{STATEMENTS}/{uuid.uuid4()}", headers=callers.admin())).status_code == 404


async def test_bad_requests_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, database_url: str
) -> None:
    person, _ = compliant_person(peers)
    before = await sql(database_url, "SELECT count(*) AS n FROM statement")
    future = await client.post(
        STATEMENTS,
        json={"person_id": str(person.person_id), "year": datetime.now(UTC).year + 1},
        headers=callers.admin(),
    )
    assert future.status_code == 422
    assert future.json()["code"] == "year_in_future"
    extra = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": YEAR, "x": 1}, headers=callers.admin()
    )
    assert extra.status_code == 422
    unknown = await client.post(
        STATEMENTS, json={"person_id": str(uuid.uuid4()), "year": YEAR}, headers=callers.admin()
    )
    assert unknown.status_code == 404

    peers.registry_down = True
    down = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": YEAR}, headers=callers.admin()
    )
    assert down.status_code == 503
    assert down.json()["code"] == "registry_unavailable"
    assert down.headers["retry-after"] == "5"
    peers.registry_down, peers.hours_down = False, True
    down = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": YEAR}, headers=callers.admin()
    )
    assert down.status_code == 503
    assert down.json()["code"] == "hours_unavailable"
    assert await sql(database_url, "SELECT count(*) AS n FROM statement") == before


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_statement(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, database_url: str
) -> None:
    person, _ = compliant_person(peers)
    headers = {**callers.admin(), "Idempotency-Key": f"stmt-{uuid.uuid4()}"}
    body = {"person_id": str(person.person_id), "year": YEAR}
    first = await client.post(STATEMENTS, json=body, headers=headers)
    second = await client.post(STATEMENTS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    rows = await sql(database_url, "SELECT count(*) AS n FROM statement WHERE person_id = $1", person.person_id)
    assert rows[0]["n"] == 1


@pytest.mark.parametrize("year", [YEAR, YEAR - 1])
async def test_a_statement_covers_its_year_only(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, year: int
) -> None:
    person, _ = compliant_person(peers)
    vc = decode_part((await issue(client, callers.admin(), person, year))["credential"], 1)
    entries = vc["credentialSubject"]["entries"]
    assert {e["endDate"][:4] for e in entries} == {str(year)}
    assert len(entries) == (3 if year == YEAR else 1)
    # The entry ids are the hours records' ids, stable from one statement to the next.
    again = decode_part((await issue(client, callers.admin(), person, year))["credential"], 1)
    assert [e["entryId"] for e in again["credentialSubject"]["entries"]] == [e["entryId"] for e in entries]
    assert again["id"] != vc["id"]
