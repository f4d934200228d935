"""Beijing–Tianjin–Hebei mutual recognition (seeds 000 art. 22) between two live deployments on one machine:
Beijing (110000) and Hebei (130000), each started with the launcher on its own data and ports, each registered
as the other's partner. Everything goes over real HTTP through the two gateways.

The story: Beijing certifies a person's hours and issues a statement → Hebei recognises it and the person's
Hebei compliance rises → a replay changes nothing → Beijing revokes → after re-verification Hebei's compliance
falls back. A tampered credential, an expired one and one from an unknown issuer are each refused with their
own reason. Then a partner's view: our statement verified with an independent JOSE library (jwcrypto, not the
PyJWT the services use) against the published JWKS, and our status list decoded by hand (base64url + GZIP).
"""

import base64
import gzip
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwk, jws

from cekit.identifiers import credit_check_character, id_check_character, organisation_check_character
from certificates import jose
from certificates.keys import KeyStore, SigningKey
from launcher.testing import Deployment, NotReady, free_base_port, start, wait_ready

pytestmark = pytest.mark.e2e

YEAR = 2026
NAME = "李四"

# The seeds hold no Beijing rules, so the platform ships no Beijing pack; this test deployment mounts one
# (HOURS_EXTRA_PACKS_DIR, as a province would mount its own) so that Beijing can credit the training it
# certifies. It is a test fixture, not Beijing's law.
BEIJING_TEST_PACK = """
id = "110000"
name = "北京 Beijing (test fixture)"
extends = "national"
document = "test fixture of tests/test_two_provinces_e2e.py"

[[credit_rule]]
id = "110000.training"
activity = "training"
categories = ["professional"]
method = "per_day_max"
rate = 8
source = "test fixture"
effective_from = 2020
"""


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Deployment]]:
    root = tmp_path_factory.mktemp("jjj")
    beijing_port = free_base_port()
    hebei_port = free_base_port(beijing_port + 100)
    packs = root / "beijing-packs"
    packs.mkdir()
    (packs / "110000.toml").write_text(BEIJING_TEST_PACK, encoding="utf-8")
    beijing = start(
        root / "beijing", region="110000", base_port=beijing_port, extra_env={"HOURS_EXTRA_PACKS_DIR": str(packs)}
    )
    hebei = start(root / "hebei", region="130000", base_port=hebei_port)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(wait_ready, (beijing, hebei)))
    except NotReady as exc:
        beijing.stop()
        hebei.stop()
        pytest.fail(str(exc))
    try:
        yield beijing, hebei
    finally:
        for deployment in (beijing, hebei):
            assert deployment.stop() == 0, deployment.output.read_text()[-3000:]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), f"{response.request.url}: {response.text}"
    answer: dict[str, Any] = response.json()
    return answer


def id_number() -> str:
    first17 = "110105" + "19850614" + "031"
    return first17 + id_check_character(first17)


def register(deployment: Deployment, admin: str, region_code: str) -> str:
    person = httpx.post(
        deployment.gateway + "/v1/persons",
        json={"id_number": id_number(), "name": NAME, "region_code": region_code, "title_level": "intermediate",
              "industry": "engineering"},
        headers=bearer(admin),
    )  # fmt: skip
    person_id: str = ok(person, 201)["id"]
    return person_id


def beijing_certifies_training(beijing: Deployment, admin: str, person_id: str) -> None:
    """A Beijing institution pushes two trainings; Beijing certifies them (5 days x 8 h, 2 days x 8 h)."""
    body = "12110000MB765432"
    body += organisation_check_character(body[8:16])
    institution = httpx.post(
        beijing.gateway + "/v1/institutions",
        json={"credit_code": body + credit_check_character(body), "name": "北京继续教育学院", "kind": "university",
              "region_code": "110105"},
        headers=bearer(admin),
    )  # fmt: skip
    client = ok(
        httpx.post(
            beijing.gateway + "/v1/clients",
            json={"name": "学院学习系统", "role": "institution", "org_id": ok(institution, 201)["id"]},
            headers=bearer(admin),
        ),
        201,
    )
    token = ok(
        httpx.post(
            beijing.gateway + "/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        )
    )["access_token"]
    record = {"id_number": id_number(), "name": NAME, "category": "professional", "activity": "training"}
    batch = ok(
        httpx.post(
            beijing.gateway + "/v1/learning-records:batch",
            json={
                "records": [
                    {
                        **record,
                        "external_id": "bj-1",
                        "title": "京津冀协同发展专题研修",
                        "start_date": "2026-03-02",
                        "end_date": "2026-03-06",
                        "days": 5,
                    },
                    {
                        **record,
                        "external_id": "bj-2",
                        "title": "工程新技术培训",
                        "start_date": "2026-05-11",
                        "end_date": "2026-05-12",
                        "days": 2,
                    },
                ]
            },
            headers=bearer(token),
        )
    )
    assert [r["status"] for r in batch["results"]] == ["created", "created"], batch
    for result in batch["results"]:
        review = httpx.post(
            beijing.gateway + f"/v1/learning-records/{result['record_id']}/reviews",
            json={"decision": "approve", "comment": "证书核验无误"},
            headers=bearer(admin),
        )
        assert ok(review)["status"] == "certified"
    compliance = ok(httpx.get(beijing.gateway + f"/v1/compliance/{person_id}?year={YEAR}", headers=bearer(admin)))
    assert compliance["credited"]["professional"] == 56.0


def make_partners(beijing: Deployment, hebei: Deployment, admins: dict[str, str]) -> dict[str, dict[str, Any]]:
    info = {d.region: ok(httpx.get(d.gateway + "/jjj/v1/partner-info")) for d in (beijing, hebei)}
    for here, there in ((hebei, beijing), (beijing, hebei)):
        partner = info[there.region]
        answer = httpx.post(
            here.gateway + "/v1/partners",
            json={"region_code": partner["region_code"], "name": partner["name"], "issuer": partner["issuer"],
                  "jwks_url": partner["jwks_url"], "base_url": there.gateway},
            headers=bearer(admins[here.region]),
        )  # fmt: skip
        assert ok(answer, 201)["status"] == "active"
    return info


def hebei_credited(hebei: Deployment, admin: str, person_id: str) -> float:
    compliance = ok(httpx.get(hebei.gateway + f"/v1/compliance/{person_id}?year={YEAR}", headers=bearer(admin)))
    credited: float = compliance["credited"]["professional"]
    return credited


def payload_of(credential: str) -> dict[str, Any]:
    part = credential.split(".")[1]
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return payload


def resign(credential: str, key: SigningKey, change: dict[str, Any]) -> str:
    """The credential as its issuer might have signed it, with ``change``: made with the issuer's real key."""
    return jose.sign({**payload_of(credential), **change}, key)


def test_a_beijing_statement_is_recognised_in_hebei_until_beijing_revokes_it(
    provinces: tuple[Deployment, Deployment],
) -> None:
    beijing, hebei = provinces
    admins = {d.region: d.admin_token() for d in provinces}
    beijing_person = register(beijing, admins["110000"], "110105")
    hebei_person = register(hebei, admins["130000"], "130102")
    beijing_certifies_training(beijing, admins["110000"], beijing_person)
    info = make_partners(beijing, hebei, admins)

    issued = ok(
        httpx.post(
            beijing.gateway + "/v1/statements",
            json={"person_id": beijing_person, "year": YEAR},
            headers={**bearer(admins["110000"]), "Idempotency-Key": "jjj-statement-1"},
        ),
        201,
    )
    credential = issued["credential"]
    assert hebei_credited(hebei, admins["130000"], hebei_person) == 0.0  # no records in Hebei yet

    # Hebei recognises Beijing's statement: the certified hours count in the person's Hebei year.
    recognise = {"credential": credential, "id_number": id_number()}
    first = ok(httpx.post(hebei.gateway + "/v1/recognitions", json=recognise, headers=bearer(admins["130000"])), 201)
    assert first["issuer"] == info["110000"]["issuer"]
    assert sorted(e["status"] for e in first["entries"]) == ["created", "created"]
    assert hebei_credited(hebei, admins["130000"], hebei_person) == 56.0

    # A replay changes nothing.
    again = httpx.post(hebei.gateway + "/v1/recognitions", json=recognise, headers=bearer(admins["130000"]))
    assert again.status_code in (200, 201), again.text
    assert again.json()["recognition_id"] == first["recognition_id"]
    assert hebei_credited(hebei, admins["130000"], hebei_person) == 56.0

    # Refusals, each with its own reason.
    keys = KeyStore(beijing.data_dir / "keys" / "certificates")
    beijing_key = keys.active()
    assert beijing_key is not None
    tampered = credential[:-8] + ("A" * 8 if not credential.endswith("A" * 8) else "B" * 8)
    expired = resign(credential, beijing_key, {"validUntil": (datetime.now(UTC) - timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"), "id": "urn:uuid:00000000-0000-4000-8000-000000000001"})  # fmt: skip
    stranger = _stranger_credential(credential)
    codes = {}
    for label, token in (("tampered", tampered), ("expired", expired), ("unknown issuer", stranger)):
        refused = httpx.post(
            hebei.gateway + "/v1/recognitions",
            json={"credential": token, "id_number": id_number()},
            headers=bearer(admins["130000"]),
        )
        assert refused.status_code == 422, f"{label}: {refused.text}"
        assert refused.headers["content-type"].startswith("application/problem+json")
        codes[label] = refused.json()["code"]
    assert codes == {
        "tampered": "credential_invalid",
        "expired": "credential_expired",
        "unknown issuer": "issuer_not_partner",
    }
    assert hebei_credited(hebei, admins["130000"], hebei_person) == 56.0

    # Beijing revokes; Hebei's next re-verification withdraws the recognised hours.
    revoked = httpx.post(
        beijing.gateway + f"/v1/statements/{issued['statement_id']}/revocation",
        json={"reason": "培训机构材料不实"},
        headers=bearer(admins["110000"]),
    )
    assert ok(revoked)["status"] == "revoked"
    verified = ok(httpx.post(beijing.gateway + "/v1/verifications", json={"credential": credential}))
    assert (verified["valid"], verified["status"]) == (False, "revoked")
    job = ok(httpx.post(hebei.gateway + "/v1/recognitions:reverify", headers=bearer(admins["130000"])))
    assert job["withdrawn"] == 1, job
    assert hebei_credited(hebei, admins["130000"], hebei_person) == 0.0
    status = ok(
        httpx.get(hebei.gateway + f"/v1/recognitions/{first['recognition_id']}", headers=bearer(admins["130000"]))
    )
    assert status["status"] == "withdrawn"


def test_a_partner_verifies_our_statement_with_its_own_tools(provinces: tuple[Deployment, Deployment]) -> None:
    """What a partner province does with no code of ours: fetch the JWKS, check the JWS with its own JOSE
    library, fetch the status list named in the credential and read the bit by hand."""
    beijing, _ = provinces
    admin = beijing.admin_token()
    person_id = ok(httpx.get(beijing.gateway + "/v1/persons?limit=1", headers=bearer(admin)))["items"][0]["id"]
    issued = ok(
        httpx.post(beijing.gateway + "/v1/statements", json={"person_id": person_id, "year": YEAR},
                   headers=bearer(admin)),
        201,
    )  # fmt: skip
    credential = issued["credential"]
    info = ok(httpx.get(beijing.gateway + "/jjj/v1/partner-info"))

    keys = jwk.JWKSet.from_json(httpx.get(info["jwks_url"]).text)
    token = jws.JWS()
    token.deserialize(credential)
    header = token.jose_header
    assert (header["alg"], header["typ"]) == ("EdDSA", "vc+jwt")
    token.verify(keys.get_key(header["kid"]))
    payload = json.loads(token.payload)
    assert payload["issuer"] == info["issuer"]
    assert id_number() not in credential
    assert id_number() not in json.dumps(payload, ensure_ascii=False)

    def bit(entry: dict[str, Any]) -> int:
        listing = httpx.get(entry["statusListCredential"])
        assert listing.status_code == 200
        assert "max-age" in listing.headers["cache-control"]
        status_jws = jws.JWS()
        status_jws.deserialize(listing.text)
        status_jws.verify(keys.get_key(status_jws.jose_header["kid"]))
        encoded = json.loads(status_jws.payload)["credentialSubject"]["encodedList"]
        assert encoded.startswith("u")  # multibase base64url
        bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
        assert len(bits) * 8 >= 131_072
        index = int(entry["statusListIndex"])
        return (bits[index // 8] >> (7 - index % 8)) & 1  # the first bit is the most significant (W3C §3.1)

    [revocation] = [e for e in payload["credentialStatus"] if e["statusPurpose"] == "revocation"]
    assert bit(revocation) == 0
    httpx.post(
        beijing.gateway + f"/v1/statements/{issued['statement_id']}/revocation",
        json={"reason": "重复签发"},
        headers=bearer(admin),
    ).raise_for_status()
    assert bit(revocation) == 1


def _stranger_credential(credential: str) -> str:
    """Beijing's payload, claimed by an issuer nobody registered and signed with its own key."""
    key = Ed25519PrivateKey.generate()
    payload = payload_of(credential)
    payload["issuer"] = "urn:ce:120000:certificates"
    signing = jwk.JWK.from_pyca(key)
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(signing, None, {"alg": "EdDSA", "typ": "vc+jwt", "kid": "tianjin-1"})
    compact: str = token.serialize(compact=True)
    return compact
