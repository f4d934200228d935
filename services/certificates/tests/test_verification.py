"""Verification as a partner province or an employer meets it: our statements verify with an independent JOSE
library (jwcrypto, not the PyJWT the service uses) against our published keys; rotated keys stay published so old
statements keep verifying; a credential from an untrusted issuer, signed by an unknown key or expired is invalid
with its own reason; a partner whose keys or status list are out of reach gives *indeterminate*, never *invalid*."""

import asyncio
import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jwcrypto import jwk, jws
from jwt import PyJWK

from cekit.db import Reader
from cekit.identifiers import id_check_character
from cekit.pii import mask_id_number
from cekit.testing import TokenMinter, running_app
from certificates import jose, vc
from certificates.app import create_app
from certificates.cli import main as cli
from certificates.keys import KeyStore, SigningKey
from certificates.testing import PUBLIC_BASE_URL, Callers, FakePeers, FakePerson, settings_for
from certificates.verification.issuers import ChainResolver, KeysUnavailable, OwnIssuer, StatusRef, StatusUnavailable
from certificates.verification.verifier import Verifier

STATEMENTS = "/v1/statements"
VERIFY = "/v1/verifications"
PARTNER = "urn:ce:110000:certificates"
HOLDER = "11010519900101001" + id_check_character("11010519900101001")


def decode_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    document: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return document


def checks(report: dict[str, Any]) -> dict[str, bool | None]:
    return {c["check"]: c["passed"] for c in report["checks"]}


def person_with_hours(peers: FakePeers) -> FakePerson:
    person = peers.add_person(name="赵六")
    person.certify(year=2025, hours="40")
    return person


async def issue(client: httpx.AsyncClient, callers: Callers, person: FakePerson) -> dict[str, Any]:
    response = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": 2025}, headers=callers.admin()
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def verify(client: httpx.AsyncClient, credential: str, **extra: str) -> dict[str, Any]:
    response = await client.post(VERIFY, json={"credential": credential, **extra})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def verify_with_jwcrypto(credential: str, jwks_document: str) -> dict[str, Any]:
    """As a partner would, with another library: the key by kid from our JWKS, EdDSA, then the payload."""
    keys = jwk.JWKSet.from_json(jwks_document)
    token = jws.JWS()
    token.deserialize(credential)
    header = token.jose_header
    assert header["typ"] == "vc+jwt"
    key = keys.get_key(header["kid"])
    assert key is not None, "the kid is not in the published JWKS"
    token.verify(key, alg="EdDSA")  # raises InvalidJWSSignature when it does not verify
    payload: dict[str, Any] = json.loads(token.payload)
    return payload


def credential_from(
    key: SigningKey,
    *,
    issuer: str,
    valid_from: datetime,
    valid_until: datetime,
    status: Sequence[vc.StatusPosition] = (),
) -> str:
    content = vc.StatementContent(
        statement_id=str(uuid.uuid4()),
        issuer=issuer,
        subject_id="urn:ce:110000:certificate:TESTCODE",
        name="钱七",
        masked_id_number=mask_id_number(HOLDER),
        id_commitment=vc.id_commitment(HOLDER),
        year=2025,
        jurisdiction="110000",
        totals={"total": {"credited": 12}},
        compliant=False,
        entries=[],
        valid_from=valid_from,
        valid_until=valid_until,
        status=list(status),
    )
    return jose.sign(vc.statement_credential(content), key)


async def test_our_statements_verify_with_an_independent_library_and_after_key_rotation(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, keys_dir: Path
) -> None:
    before = await issue(client, callers, person_with_hours(peers))
    KeyStore(keys_dir).create()  # the operator rotates: python -m certificates.cli rotate-signing-key
    await asyncio.sleep(1.1)  # the service looks at its key directory at most once a second
    after = await issue(client, callers, person_with_hours(peers))
    old_kid, new_kid = decode_part(before["credential"], 0)["kid"], decode_part(after["credential"], 0)["kid"]
    assert old_kid != new_kid

    published = await client.get("/v1/issuer/jwks")
    assert published.status_code == 200
    assert "public" in published.headers["cache-control"]
    kids = [k["kid"] for k in published.json()["keys"]]
    assert kids == [old_kid, new_kid]  # the retired key stays published
    assert all(set(k) == {"kty", "crv", "x", "kid", "alg", "use"} for k in published.json()["keys"])  # no "d"

    for issued in (before, after):
        payload = verify_with_jwcrypto(issued["credential"], published.text)
        assert payload["id"] == f"urn:uuid:{issued['statement_id']}"
        report = await verify(client, issued["credential"])
        assert report["valid"] is True, report

    # The status list verifies the same way.
    status_url = payload["credentialStatus"][0]["statusListCredential"].removeprefix("https://ce.test")
    status_list = (await client.get(status_url)).text
    assert decode_part(status_list, 0)["kid"] == new_kid
    assert verify_with_jwcrypto(status_list, published.text)["type"][1] == "BitstringStatusListCredential"

    tampered = (
        before["credential"][:-10] + ("A" if before["credential"][-10] != "A" else "B") + before["credential"][-9:]
    )
    with pytest.raises(jws.InvalidJWSSignature):
        verify_with_jwcrypto(tampered, published.text)


async def test_issuer_metadata_names_the_issuer_and_its_keys(client: httpx.AsyncClient) -> None:
    for path in ("/.well-known/jwt-vc-issuer", "/.well-known/jwt-vc-issuer/certificates"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.json()["issuer"] == "urn:ce:130000:certificates"
        assert response.json()["jwks_uri"] == "https://ce.test/v1/issuer/jwks"
        assert response.json()["region_code"] == "130000"


async def test_untrusted_issuer_unknown_key_and_expiry_each_have_their_own_reason(
    client: httpx.AsyncClient, keys_dir: Path, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    stranger = KeyStore(tmp_path / "stranger").create()
    ours = KeyStore(keys_dir).active()
    assert ours is not None

    untrusted = await verify(
        client,
        credential_from(
            stranger, issuer="urn:ce:990000:certificates", valid_from=now, valid_until=now + timedelta(days=9)
        ),
    )
    assert checks(untrusted)["issuer_trusted"] is False
    assert untrusted["verdict"] == "invalid"
    assert untrusted["reason"].startswith("issuer_trusted:")

    forged = await verify(
        client,
        credential_from(
            stranger, issuer="urn:ce:130000:certificates", valid_from=now, valid_until=now + timedelta(days=9)
        ),
    )
    assert checks(forged)["issuer_trusted"] is True
    assert checks(forged)["signature"] is False
    assert "does not publish" in forged["reason"]

    expired = await verify(
        client,
        credential_from(
            ours,
            issuer="urn:ce:130000:certificates",
            valid_from=now - timedelta(days=900),
            valid_until=now - timedelta(days=1),
        ),
    )
    assert checks(expired)["signature"] is True
    assert checks(expired)["validity"] is False
    assert expired["verdict"] == "invalid"
    assert expired["reason"].startswith("validity: expired on")

    not_yet = await verify(
        client,
        credential_from(
            ours,
            issuer="urn:ce:130000:certificates",
            valid_from=now + timedelta(days=2),
            valid_until=now + timedelta(days=9),
        ),
    )
    assert checks(not_yet)["validity"] is False

    # A status entry pointing at a list that is not ours is refused, not ignored.
    elsewhere = await verify(
        client,
        credential_from(
            ours,
            issuer="urn:ce:130000:certificates",
            valid_from=now,
            valid_until=now + timedelta(days=9),
            status=[vc.StatusPosition("revocation", "https://evil.example/v1/status-lists/1", 5)],
        ),
    )
    assert checks(elsewhere)["status"] is False
    assert elsewhere["status"] == "unknown"


class Partner:
    """A partner province as the (future) partner registry will present it, with switches for its outages."""

    issuer_id = PARTNER
    name = "北京市继续教育证书"
    region_code = "110000"

    def __init__(self, key: SigningKey) -> None:
        self.signing_key = key
        self.keys_down = False
        self.status_down = False
        self.revoked: set[int] = set()

    async def resolve(self, issuer_id: str) -> "Partner | None":
        return self if issuer_id == self.issuer_id else None

    async def key(self, kid: str) -> PyJWK | None:
        if self.keys_down:
            raise KeysUnavailable("https://bj.example/v1/issuer/jwks timed out")
        return self.signing_key.verifier if kid == self.signing_key.kid else None

    async def status_bits(self, refs: Sequence[StatusRef]) -> list[int]:
        if self.status_down:
            raise StatusUnavailable("https://bj.example/v1/status-lists/1 answered 503")
        return [1 if ref.index in self.revoked else 0 for ref in refs]


async def test_a_partner_out_of_reach_is_indeterminate_never_invalid(
    database_url: str, keys_dir: Path, tmp_path: Path, peers: FakePeers, minter: TokenMinter
) -> None:
    partner = Partner(KeyStore(tmp_path / "beijing").create())
    app = create_app(
        settings_for(database_url, keys_dir),
        key_fetcher=minter.fetcher(),
        registry_transport=httpx.ASGITransport(app=peers.registry_app()),
        hours_transport=httpx.ASGITransport(app=peers.hours_app()),
        partner_resolvers=(partner,),
    )
    now = datetime.now(UTC)
    credential = credential_from(
        partner.signing_key,
        issuer=PARTNER,
        valid_from=now,
        valid_until=now + timedelta(days=365),
        status=[vc.StatusPosition("revocation", "https://bj.example/v1/status-lists/1", 77)],
    )
    async with running_app(app) as client:
        fine = await verify(client, credential, id_number=HOLDER)
        assert fine["valid"] is True, fine
        assert fine["issuer_name"] == "北京市继续教育证书"

        partner.keys_down = True
        no_keys = await verify(client, credential)
        assert (no_keys["valid"], no_keys["verdict"], no_keys["status"]) == (False, "indeterminate", "unknown")
        assert checks(no_keys)["signature"] is None
        assert "timed out" in no_keys["reason"]

        partner.keys_down, partner.status_down = False, True
        no_status = await verify(client, credential)
        assert (no_status["verdict"], checks(no_status)["signature"], checks(no_status)["status"]) == (
            "indeterminate",
            True,
            None,
        )

        partner.status_down = False
        partner.revoked.add(77)
        revoked = await verify(client, credential)
        assert (revoked["verdict"], revoked["status"]) == ("invalid", "revoked")


async def test_a_revocation_is_seen_at_once_by_every_process_that_verifies(
    client: httpx.AsyncClient, database_url: str, keys_dir: Path, peers: FakePeers, callers: Callers
) -> None:
    """Two processes of the service on one database: the one that did not revoke still sees the revocation on its
    very next verification, so no process answers from status bits it read earlier."""
    issued = await issue(client, callers, person_with_hours(peers))
    other = create_app(settings_for(database_url, keys_dir))
    async with running_app(other) as elsewhere:
        for _ in range(3):  # its read connections and their prepared statement are warm
            assert (await verify(elsewhere, issued["credential"]))["status"] == "active"
        path = f"{STATEMENTS}/{issued['statement_id']}"
        suspended = await client.post(f"{path}/suspension", json={"reason": "抽查审验中"}, headers=callers.admin())
        assert suspended.status_code == 200, suspended.text
        assert (await verify(elsewhere, issued["credential"]))["status"] == "suspended"
        reinstated = await client.post(f"{path}/reinstatement", json={"reason": "审验通过"}, headers=callers.admin())
        assert reinstated.status_code == 200, reinstated.text
        assert (await verify(elsewhere, issued["credential"]))["status"] == "active"
        revoked = await client.post(f"{path}/revocation", json={"reason": "抽查发现学时造假"}, headers=callers.admin())
        assert revoked.status_code == 200, revoked.text
        report = await verify(elsewhere, issued["credential"])
        assert (report["valid"], report["verdict"], report["status"]) == (False, "invalid", "revoked")


async def test_our_status_lists_out_of_reach_is_indeterminate_never_valid(
    client: httpx.AsyncClient, keys_dir: Path, peers: FakePeers, callers: Callers
) -> None:
    """If our own database cannot be read, a genuine statement is neither valid (it might be revoked) nor invalid
    (its signature holds): it is indeterminate, and says why."""
    issued = await issue(client, callers, person_with_hours(peers))
    down = Reader("postgresql://postgres@127.0.0.1:9/ce_certificates", size=1, application_name="test")
    own = OwnIssuer(
        issuer_id="urn:ce:130000:certificates",
        name="Continuing-education certificates",
        region_code="130000",
        keys=KeyStore(keys_dir),
        reader=down,
        base_url=PUBLIC_BASE_URL,
    )
    try:
        report = await Verifier(ChainResolver(own)).verify(issued["credential"])
    finally:
        await down.close()
    assert (report.verdict, report.status) == ("indeterminate", "unknown")
    assert {c.check: c.passed for c in report.checks}["signature"] is True
    assert report.reason == "status: the status list cannot be fetched: our status lists cannot be read right now"


@pytest.mark.parametrize(
    ("content", "content_type", "field", "code"),
    [
        (b"{}", "application/json", "credential", "missing"),
        (b'{"credential": "   "}', "application/json", "credential", "string_too_short"),
        (b'{"credential": 5}', "application/json", "credential", "string_type"),
        (b'{"credential": "x", "id_number": "' + b"1" * 65 + b'"}', "application/json", "id_number", "string_too_long"),
        (b'{"credential": "x", "holder": "y"}', "application/json", "holder", "extra_forbidden"),
        (b"[1]", "application/json", "body", "model_attributes_type"),
        (b'{"credential": "x"', "application/json", "[18]", "json_invalid"),
        (b"", "application/json", "body", "missing"),
        (b'{"credential": "x"}', "text/plain", "body", "model_attributes_type"),
    ],
)
async def test_a_malformed_verification_request_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, content: bytes, content_type: str, field: str, code: str
) -> None:
    response = await client.post(VERIFY, content=content, headers={"Content-Type": content_type})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
async def test_a_well_formed_request_is_verified_whatever_the_json_content_type_s_spelling(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers, content_type: str
) -> None:
    person = person_with_hours(peers)
    issued = await issue(client, callers, person)
    body = json.dumps({"credential": f"  {issued['credential']} ", "id_number": person.id_number})
    response = await client.post(VERIFY, content=body.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["valid"] is True, response.text
    assert checks(response.json())["subject"] is True


def test_the_cli_makes_a_key_once_and_rotation_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CERTIFICATES_SIGNING_KEYS_DIR", str(tmp_path / "k"))
    assert cli(["ensure-signing-key"]) == 0
    first = capsys.readouterr().out.strip()
    assert cli(["ensure-signing-key"]) == 0
    assert capsys.readouterr().out.strip() == first
    assert cli(["rotate-signing-key"]) == 0
    second = capsys.readouterr().out.strip()
    assert second != first
    assert cli(["list-signing-keys"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == [first, second]
    assert (tmp_path / "k" / f"{first}.pem").stat().st_mode & 0o077 == 0  # private: 0600
