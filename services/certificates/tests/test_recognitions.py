"""Jing-Jin-Ji mutual recognition (000 art. 22; RULES.md §9) between two certificates apps in one test: Beijing
(110000) issues a statement, Hebei (130000) recognises it — the certified hours are credited in Hebei's ledger
once — and withdraws them when Beijing revokes the statement. Every refusal has its own reason, and a Beijing out
of reach makes Hebei wait (503), never refuse."""

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cekit.testing import TokenMinter
from certificates import jose
from certificates.jjj.testing import BEIJING_ISSUER, Provinces, two_provinces
from certificates.keys import KeyStore
from certificates.testing import FakePerson, new_id_number

SERVICE_DIR = Path(__file__).parents[1]
NAME = "李四"


def mover(p: Provinces, *, employer_id: uuid.UUID | None = None) -> tuple[FakePerson, FakePerson]:
    """Someone with two certified trainings in Beijing (40 + 16 h, 2025), registered in Hebei too."""
    in_beijing = p.beijing_peers.add_person(region_code="110105", name=NAME)
    in_beijing.certify(year=2025, category="professional", hours="40", title="京津冀协同发展专题研修")
    in_beijing.certify(year=2025, category="public", hours="16", title="专业技术人员职业道德")
    in_hebei = p.hebei_peers.person_with(
        id_number=in_beijing.id_number, name=NAME, region_code="130102", employer_id=employer_id or uuid.uuid4()
    )
    return in_beijing, in_hebei


def payload_of(credential: str) -> dict[str, Any]:
    part = credential.split(".")[1]
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return payload


async def recognise(
    p: Provinces, credential: str, id_number: str, headers: dict[str, str], *expected: int
) -> dict[str, Any]:
    response = await p.hebei.post(
        "/v1/recognitions", json={"credential": credential, "id_number": id_number}, headers=headers
    )
    assert response.status_code in (expected or (201,)), response.text
    answer: dict[str, Any] = response.json()
    return answer


async def hebei_certificate_hours(p: Provinces, person: FakePerson) -> dict[str, Any]:
    response = await p.hebei.get(f"/v1/certificates/{person.person_id}", headers=p.callers.person(person))
    assert response.status_code == 200, response.text
    years = {year["year"]: year for year in response.json()["years"]}
    totals: dict[str, Any] = years.get(2025, {"totals": {"total": 0}})["totals"]
    return totals


async def test_a_partner_statement_is_credited_once_and_withdrawn_when_the_partner_revokes_it(
    provinces: Provinces,
) -> None:
    p = provinces
    employer = uuid.uuid4()
    in_beijing, in_hebei = mover(p, employer_id=employer)
    await p.register_beijing()
    issued = await p.beijing_statement(in_beijing)
    assert (await hebei_certificate_hours(p, in_hebei))["total"] == 0

    # The person submits their Beijing statement in Hebei.
    first = await recognise(p, issued["credential"], in_hebei.id_number, p.callers.person(in_hebei))
    assert first["person_id"] == str(in_hebei.person_id)
    assert (first["issuer"], first["partner_region_code"], first["year"]) == (BEIJING_ISSUER, "110000", 2025)
    assert first["credential_id"] == f"urn:uuid:{issued['statement_id']}"
    assert (first["status"], first["hours_credited"]) == ("recognised", 56)
    beijing_records = {r["record_id"]: r for r in in_beijing.records}
    assert {e["entry_id"] for e in first["entries"]} == set(beijing_records)  # entryId = Beijing's record id
    assert {e["status"] for e in first["entries"]} == {"created"}

    [call] = p.hebei_peers.recognise_calls
    assert (call["name"], call["id_number"], call["issuer"]) == (NAME, in_hebei.id_number, BEIJING_ISSUER)
    assert call["credential_id"] == first["credential_id"]
    assert sorted((e["category"], e["hours"]) for e in call["entries"]) == [("professional", "40"), ("public", "16")]
    # The hours now count in Hebei, as recognised from Beijing.
    assert await hebei_certificate_hours(p, in_hebei) == {"total": 56.0, "public": 16.0, "professional": 40.0}

    # A replay (here by the employer) answers the same recognition and credits nothing again.
    again = await recognise(p, issued["credential"], in_hebei.id_number, p.callers.employer(employer), 200)
    assert again["recognition_id"] == first["recognition_id"]
    assert len(p.hebei_peers.recognise_calls) == 1
    assert (await hebei_certificate_hours(p, in_hebei))["total"] == 56.0

    # Who may read it: the person and officials in scope; someone else gets 404.
    path = f"/v1/recognitions/{first['recognition_id']}"
    assert (await p.hebei.get(path, headers=p.callers.person(in_hebei))).status_code == 200
    stranger = p.hebei_peers.add_person()
    assert (await p.hebei.get(path, headers=p.callers.person(stranger))).status_code == 404
    listed = await p.hebei.get(f"/v1/recognitions?person_id={in_hebei.person_id}", headers=p.callers.hr("130000"))
    assert [r["recognition_id"] for r in listed.json()["items"]] == [first["recognition_id"]]
    assert (await p.hebei.get("/v1/recognitions", headers=p.callers.person(in_hebei))).json()["items"][0][
        "recognition_id"
    ] == first["recognition_id"]

    # Beijing revokes; Hebei's re-verification reverses the hours. Hebei had cached Beijing's status list for its
    # max-age (300 s): the job asks again anyway.
    revoked = await p.beijing.post(
        f"/v1/statements/{issued['statement_id']}/revocation",
        json={"reason": "培训机构材料不实"},
        headers=p.callers.admin(),
    )
    assert revoked.status_code == 200
    assert (await p.hebei.post("/v1/recognitions:reverify", headers=p.callers.hr())).status_code == 403
    job = await p.hebei.post("/v1/recognitions:reverify", headers=p.callers.admin())
    assert job.status_code == 200, job.text
    assert job.json() == {"checked": 1, "still_valid": 0, "withdrawn": 1, "suspended": 0, "indeterminate": 0}
    assert p.hebei_peers.withdraw_calls == [
        {"issuer": BEIJING_ISSUER, "credential_id": first["credential_id"], "reason": "the partner 110000 revoked "
         f"the credential {first['credential_id']}"}
    ]  # fmt: skip
    shown = (await p.hebei.get(path, headers=p.callers.person(in_hebei))).json()
    assert (shown["status"], shown["check_outcome"]) == ("withdrawn", "revoked")
    assert "110000 revoked" in shown["withdrawal_reason"]
    assert (await hebei_certificate_hours(p, in_hebei))["total"] == 0

    # Nothing left to check; and the revoked statement cannot be recognised again.
    assert (await p.hebei.post("/v1/recognitions:reverify", headers=p.callers.admin())).json()["checked"] == 0
    refused = await recognise(p, issued["credential"], in_hebei.id_number, p.callers.admin(), 422)
    assert refused["code"] == "credential_revoked"


async def test_refusals_each_with_its_own_reason_and_nothing_credited(provinces: Provinces, tmp_path: Path) -> None:
    p = provinces
    in_beijing, in_hebei = mover(p)
    await p.register_beijing()
    issued = await p.beijing_statement(in_beijing)
    credential, admin = issued["credential"], p.callers.admin()
    beijing_key = p.beijing_keys.active()
    assert beijing_key is not None

    async def refused(token: str, id_number: str = in_hebei.id_number, status: int = 422, **h: str) -> dict[str, Any]:
        return await recognise(p, token, id_number, {**admin, **h}, status)

    stranger_key = KeyStore(tmp_path / "tianjin").create()
    unknown = await refused(jose.sign({**payload_of(credential), "issuer": "urn:ce:120000:certificates"}, stranger_key))
    assert unknown["code"] == "issuer_not_partner"
    assert "not a partner province" in unknown["detail"]
    assert unknown["verification"]["verdict"] == "invalid"

    tampered = await refused(credential[:-6] + ("AAAAAA" if not credential.endswith("AAAAAA") else "BBBBBB"))
    assert tampered["code"] == "credential_invalid"
    assert {c["check"]: c["passed"] for c in tampered["verification"]["checks"]}["signature"] is False

    now = datetime.now(UTC)
    expired = await refused(
        jose.sign(
            {**payload_of(credential), "id": f"urn:uuid:{uuid.uuid4()}",
             "validUntil": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
            beijing_key,
        )
    )  # fmt: skip
    assert expired["code"] == "credential_expired"
    assert "expired on" in expired["detail"]

    mismatch = await refused(credential, new_id_number("130102"))
    assert mismatch["code"] == "id_number_mismatch"
    valid = new_id_number("130102")
    broken = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # a wrong check character (GB 11643)
    assert (await refused(credential, broken))["code"] == "invalid_id_number"

    own = await p.hebei.post("/v1/statements", json={"person_id": str(in_hebei.person_id), "year": 2025}, headers=admin)
    assert own.status_code == 201, own.text
    assert (await refused(own.json()["credential"]))["code"] == "own_credential"

    # The holder must be registered here, under the statement's name.
    elsewhere = p.beijing_peers.add_person(region_code="110105", name="王五")
    elsewhere.certify(year=2025, hours="8")
    not_here = await p.beijing_statement(elsewhere)
    assert (await refused(not_here["credential"], elsewhere.id_number))["code"] == "unknown_person"
    p.hebei_peers.person_with(id_number=elsewhere.id_number, name="王六")
    assert (await refused(not_here["credential"], elsewhere.id_number))["code"] == "name_mismatch"

    # Only for oneself, one's staff, or people in one's region.
    other = p.hebei_peers.add_person()
    assert (await refused(credential, status=404, **p.callers.person(other)))["code"] == "person_not_found"
    assert (await refused(credential, status=404, **p.callers.employer(uuid.uuid4())))["code"] == "person_not_found"
    assert (await refused(credential, status=404, **p.callers.hr("130600")))["code"] == "person_not_found"
    assert (await refused(credential, status=403, **p.callers.institution()))["code"] == "role_required"
    assert p.hebei_peers.recognise_calls == []

    # Once Hebei revokes the partnership, Beijing's statements are from an untrusted issuer.
    [partner] = (await p.hebei.get("/v1/partners", headers=admin)).json()["items"]
    ended = await p.hebei.post(f"/v1/partners/{partner['id']}/revocation", json={"reason": "协议到期"}, headers=admin)
    assert ended.json()["status"] == "revoked"
    no_longer = await refused(credential)
    assert no_longer["code"] == "issuer_not_partner"
    assert "revoked" in no_longer["detail"]
    assert p.hebei_peers.recognise_calls == []


async def test_a_partner_out_of_reach_makes_recognition_wait_and_is_never_a_withdrawal(provinces: Provinces) -> None:
    p = provinces
    in_beijing, in_hebei = mover(p)
    await p.register_beijing()
    issued = await p.beijing_statement(in_beijing)

    p.network.down.add("bj.test")
    response = await p.hebei.post(
        "/v1/recognitions",
        json={"credential": issued["credential"], "id_number": in_hebei.id_number},
        headers=p.callers.person(in_hebei),
    )
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"]
    assert response.json()["code"] == "partner_unreachable"
    assert response.json()["verification"]["verdict"] == "indeterminate"
    assert p.hebei_peers.recognise_calls == []

    p.network.down.clear()
    await asyncio.sleep(5.1)  # after a failed fetch, a partner is asked again 5 s later at the earliest
    first = await recognise(p, issued["credential"], in_hebei.id_number, p.callers.person(in_hebei))
    fetched = p.network.count("/v1/")

    # Beijing goes offline again: its keys and status list are still within their cache lifetime, so Hebei keeps
    # verifying with no call at all, and a re-verification keeps the recognition (it does not withdraw hours it
    # cannot decide about).
    p.network.down.add("bj.test")
    verified = await p.hebei.post("/v1/verifications", json={"credential": issued["credential"]})
    assert verified.json()["verdict"] == "valid"
    assert p.network.count("/v1/") == fetched
    job = (await p.hebei.post("/v1/recognitions:reverify", headers=p.callers.admin())).json()
    assert (job["checked"], job["still_valid"], job["withdrawn"]) == (1, 1, 0)

    # Hebei ends the partnership: the recognition stays, counted as undecidable, for an operator to look at.
    [partner] = (await p.hebei.get("/v1/partners", headers=p.callers.admin())).json()["items"]
    await p.hebei.post(
        f"/v1/partners/{partner['id']}/revocation", json={"reason": "停止合作"}, headers=p.callers.admin()
    )
    job = (await p.hebei.post("/v1/recognitions:reverify", headers=p.callers.admin())).json()
    assert (job["checked"], job["indeterminate"], job["withdrawn"]) == (1, 1, 0)
    shown = (await p.hebei.get(f"/v1/recognitions/{first['recognition_id']}", headers=p.callers.admin())).json()
    assert (shown["status"], shown["check_outcome"]) == ("recognised", "indeterminate")
    assert p.hebei_peers.withdraw_calls == []


async def test_the_background_run_withdraws_without_anyone_asking(
    beijing_database_url: str, hebei_database_url: str, tmp_path: Path, minter: TokenMinter
) -> None:
    async with two_provinces(
        beijing_database_url=beijing_database_url,
        hebei_database_url=hebei_database_url,
        directory=tmp_path,
        minter=minter,
        reverify_every_seconds=1,
    ) as p:
        in_beijing, in_hebei = mover(p)
        await p.register_beijing()
        issued = await p.beijing_statement(in_beijing)
        first = await recognise(p, issued["credential"], in_hebei.id_number, p.callers.person(in_hebei))
        await p.beijing.post(
            f"/v1/statements/{issued['statement_id']}/revocation", json={"reason": "重复"}, headers=p.callers.admin()
        )
        path = f"/v1/recognitions/{first['recognition_id']}"
        for _ in range(50):
            await asyncio.sleep(0.1)
            if (await p.hebei.get(path, headers=p.callers.admin())).json()["status"] == "withdrawn":
                break
        assert (await p.hebei.get(path, headers=p.callers.admin())).json()["status"] == "withdrawn"
        assert len(p.hebei_peers.withdraw_calls) == 1


async def test_entries_the_partner_recognised_from_elsewhere_are_not_recognised_again(provinces: Provinces) -> None:
    p = provinces
    in_beijing, in_hebei = mover(p)
    in_beijing.certify(year=2025, hours="24", recognised_from="120000")  # Beijing had it from Tianjin
    await p.register_beijing()
    issued = await p.beijing_statement(in_beijing)
    answer = await recognise(p, issued["credential"], in_hebei.id_number, p.callers.admin())
    assert sorted(e["status"] for e in answer["entries"]) == ["created", "created", "skipped"]
    assert answer["hours_credited"] == 56
    [call] = p.hebei_peers.recognise_calls
    assert len(call["entries"]) == 2
    assert (await p.hebei.get("/v1/recognitions", headers=p.callers.hr())).json()["code"] == "person_id_required"
