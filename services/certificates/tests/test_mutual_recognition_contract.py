"""The certificates service against the hand-written contract every Jing-Jin-Ji province implements
(``contracts/mutual-recognition.openapi.yaml``, 000 art. 22): our ``/jjj/`` answers, our JWKS, a real issued
statement (JWS header and VC payload) and our status list all validate against its schemas, which describe every
field (no undocumented member passes), and its paths are the ones the service serves."""

import base64
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator

from certificates.jjj.auth import partner_token
from certificates.jjj.testing import BEIJING_ISSUER, Provinces

CONTRACT = Path(__file__).parents[3] / "contracts" / "mutual-recognition.openapi.yaml"
SERVICE_DIR = Path(__file__).parents[1]
HEBEI_ISSUER = "urn:ce:130000:certificates"


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return document


def validate(contract: dict[str, Any], schema: str, instance: object) -> None:
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": contract["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(instance)


def jws_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(text: str) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return decoded

    header, payload, _ = token.split(".")
    return part(header), part(payload)


def test_the_contract_is_openapi_3_1_with_valid_schemas_and_resolvable_refs(contract: dict[str, Any]) -> None:
    assert contract["openapi"].startswith("3.1")
    assert contract["info"]["version"] == "1.0"
    for schema in contract["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises, naming the error, if one is not valid JSON Schema
    text = CONTRACT.read_text(encoding="utf-8")
    for ref in {line.split("#/components/schemas/")[1].split('"')[0] for line in text.splitlines() if "#/comp" in line}:
        assert ref in contract["components"]["schemas"], ref
    assert contract["paths"]["/jjj/v1/verifications"]["post"]["security"] == [{"PartnerJWT": []}]
    assert contract["components"]["securitySchemes"]["PartnerJWT"]["bearerFormat"] == "JWT"


def test_a_statement_with_an_undocumented_member_does_not_pass(contract: dict[str, Any]) -> None:
    """The schemas are closed: the contract test below would notice a field vc.py adds without describing it."""
    entry = {"entryId": "e1", "category": "professional", "kind": "training", "title": "t", "startDate": "2025-03-02",
             "endDate": "2025-03-04", "hours": 24, "required": False}  # fmt: skip
    validate(contract, "StatementEntry", entry)
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        validate(contract, "StatementEntry", {**entry, "note": "not in the profile"})
    with pytest.raises(jsonschema.ValidationError):
        validate(contract, "StatementEntry", {**entry, "category": "elective"})


async def test_our_jjj_answers_keys_statements_and_status_lists_follow_the_contract(
    contract: dict[str, Any], provinces: Provinces
) -> None:
    p = provinces
    # The paths of the contract are served here, with the same methods.
    served = (await p.hebei.get("/openapi.json")).json()["paths"]
    for path, item in contract["paths"].items():
        assert path in served, path
        assert set(item) <= set(served[path]), path

    info = (await p.hebei.get("/jjj/v1/partner-info")).json()
    validate(contract, "PartnerInfo", info)
    jwks = await p.hebei.get(urlsplit(info["jwks_url"]).path)
    validate(contract, "JWKS", jwks.json())
    assert "max-age" in jwks.headers["cache-control"]

    # A real statement: a certified entry with an institution and a result, and one recognised from a partner.
    institution = p.hebei_peers.add_institution()
    person = p.hebei_peers.add_person(name="张三")
    person.certify(year=2025, hours="30", institution_id=institution, result="合格")
    person.certify(year=2025, category="public", hours="12", required=True, result=None)
    person.certify(year=2025, hours="8", recognised_from="110000")
    issued = await p.hebei.post(
        "/v1/statements", json={"person_id": str(person.person_id), "year": 2025}, headers=p.callers.admin()
    )
    assert issued.status_code == 201, issued.text
    header, payload = jws_parts(issued.json()["credential"])
    validate(contract, "StatementJwsHeader", header)
    validate(contract, "StatementCredential", payload)
    entries = payload["credentialSubject"]["entries"]
    # Every optional member was there to be checked.
    assert any({"institution", "result"} <= set(entry) for entry in entries)
    assert any("recognisedFrom" in entry for entry in entries)
    assert any("result" not in entry for entry in entries)

    # Its status lists, where the credential says.
    for entry in payload["credentialStatus"]:
        assert entry["statusListCredential"].startswith(info["status_list_base_url"])
        listing = await p.hebei.get(urlsplit(entry["statusListCredential"]).path)
        assert listing.headers["content-type"].startswith("application/vc+jwt")
        assert listing.headers["etag"]
        assert "max-age" in listing.headers["cache-control"]
        list_header, list_payload = jws_parts(listing.text)
        validate(contract, "StatusListJwsHeader", list_header)
        validate(contract, "StatusListCredential", list_payload)
        assert list_payload["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]

    # A partner's verification, with the token the contract describes; and a refusal, as a problem.
    await p.register_beijing()
    beijing_key = p.beijing_keys.active()
    assert beijing_key is not None
    token = partner_token(beijing_key, issuer=BEIJING_ISSUER, audience=info["issuer"])
    token_header, token_claims = jws_parts(token)
    validate(contract, "PartnerTokenHeader", token_header)
    validate(contract, "PartnerTokenClaims", token_claims)
    assert token_claims["exp"] - token_claims["iat"] <= 300
    request = {"credential": issued.json()["credential"], "id_number": person.id_number}
    validate(contract, "VerificationRequest", request)
    report = await p.hebei.post(
        urlsplit(info["verification_url"]).path, json=request, headers={"Authorization": f"Bearer {token}"}
    )
    assert report.status_code == 200, report.text
    validate(contract, "VerificationReport", report.json())
    assert report.json()["valid"] is True

    replayed = await p.hebei.post("/jjj/v1/verifications", json=request, headers={"Authorization": f"Bearer {token}"})
    assert replayed.status_code == 401
    assert replayed.headers["content-type"].startswith("application/problem+json")
    validate(contract, "Problem", replayed.json())
    expired = partner_token(beijing_key, issuer=BEIJING_ISSUER, audience=HEBEI_ISSUER, now=time.time() - 900)
    refused = await p.hebei.post("/jjj/v1/verifications", json=request, headers={"Authorization": f"Bearer {expired}"})
    validate(contract, "Problem", refused.json())
