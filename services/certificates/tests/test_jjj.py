"""The partner registry and the ``/jjj/`` interface (000 art. 22): what a partner province learns about us, how
an admin registers and revokes partners, and how a partner's system verifies our statements with a short-lived
JWT it signs with a key of its own published JWKS — refused when the partner, its key, its signature, the token's
age or its single use do not hold."""

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from certificates.jjj.auth import partner_token
from certificates.jjj.testing import BEIJING, BEIJING_ISSUER, Provinces
from certificates.keys import KeyStore, SigningKey
from certificates.testing import PUBLIC_BASE_URL

SERVICE_DIR = Path(__file__).parents[1]
HEBEI_ISSUER = "urn:ce:130000:certificates"
VERIFY = "/jjj/v1/verifications"


async def test_partner_info_tells_a_partner_where_everything_is(provinces: Provinces) -> None:
    response = await provinces.hebei.get("/jjj/v1/partner-info")  # no token: public
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    assert response.json() == {
        "region_code": "130000",
        "name": "河北省专业技术人员继续教育证书",
        "issuer": HEBEI_ISSUER,
        "jwks_url": PUBLIC_BASE_URL + "/v1/issuer/jwks",
        "status_list_base_url": PUBLIC_BASE_URL + "/v1/status-lists/",
        "verification_url": PUBLIC_BASE_URL + "/jjj/v1/verifications",
        "recognition_url": PUBLIC_BASE_URL + "/v1/recognitions",
        "contract_version": "1.0",
    }


async def test_the_partner_registry_is_the_admin_s_and_audited(provinces: Provinces, hebei_database_url: str) -> None:
    p, admin = provinces, provinces.callers.admin()
    body = {
        "region_code": "110000",
        "name": "北京市",
        "issuer": BEIJING_ISSUER,
        "jwks_url": BEIJING + "/v1/issuer/jwks",
        "base_url": BEIJING + "/",
    }
    assert (await p.hebei.post("/v1/partners", json=body, headers=p.callers.hr())).status_code == 403
    for wrong, code in (
        ({**body, "jwks": {"keys": []}}, "validation_failed"),  # both key sources
        ({**body, "jwks_url": "ftp://bj.test/jwks"}, "validation_failed"),
        ({**body, "issuer": HEBEI_ISSUER, "region_code": "130000"}, "partner_refused"),
        ({**body, "jwks_url": None, "jwks": {"keys": [{"kty": "RSA", "kid": "r"}]}}, "jwks_invalid"),
    ):
        refused = await p.hebei.post("/v1/partners", json=wrong, headers=admin)
        assert (refused.status_code, refused.json()["code"]) == (422, code), refused.text

    created = await p.hebei.post("/v1/partners", json=body, headers=admin)
    assert created.status_code == 201, created.text
    partner = created.json()
    assert partner["status"] == "active"
    assert partner["base_url"] == BEIJING  # without the trailing slash
    assert created.headers["location"] == f"/v1/partners/{partner['id']}"
    same_issuer = await p.hebei.post("/v1/partners", json={**body, "region_code": "120000"}, headers=admin)
    same_region = await p.hebei.post("/v1/partners", json={**body, "issuer": "urn:other"}, headers=admin)
    assert (same_issuer.status_code, same_region.status_code) == (409, 409)
    assert same_issuer.json()["code"] == "partner_exists"

    listed = await p.hebei.get("/v1/partners", headers=p.callers.industry())
    assert [item["id"] for item in listed.json()["items"]] == [partner["id"]]
    assert (await p.hebei.get(f"/v1/partners/{partner['id']}", headers=p.callers.hr())).json() == partner
    assert (await p.hebei.get(f"/v1/partners/{uuid.uuid4()}", headers=admin)).status_code == 404
    assert (await p.hebei.get("/v1/partners", headers=p.callers.employer(uuid.uuid4()))).status_code == 403
    assert (await p.hebei.get("/v1/partners?cursor=nonsense", headers=admin)).json()["code"] == "invalid_cursor"

    path = f"/v1/partners/{partner['id']}/revocation"
    revoked = await p.hebei.post(path, json={"reason": "协议终止"}, headers=admin)
    assert (revoked.json()["status"], revoked.json()["revocation_reason"]) == ("revoked", "协议终止")
    assert (await p.hebei.post(path, json={"reason": "again"}, headers=admin)).json()["code"] == (
        "partner_already_revoked"
    )
    again = await p.hebei.post("/v1/partners", json=body, headers=admin)  # a new partnership, new entry
    assert again.status_code == 201

    engine = create_async_engine(hebei_database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT action, object_id, reason FROM audit_event WHERE object_type = 'partner' "
                    "ORDER BY occurred_at"
                )
            )
            actions = [(row.action, row.object_id, row.reason) for row in rows]
    finally:
        await engine.dispose()
    assert actions == [
        ("partner.registered", partner["id"], None),
        ("partner.revoked", partner["id"], "协议终止"),
        ("partner.registered", again.json()["id"], None),
    ]


async def hebei_statement(p: Provinces) -> str:
    person = p.hebei_peers.add_person(name="张三")
    person.certify(year=2025, hours="30")
    issued = await p.hebei.post(
        "/v1/statements", json={"person_id": str(person.person_id), "year": 2025}, headers=p.callers.admin()
    )
    assert issued.status_code == 201, issued.text
    credential: str = issued.json()["credential"]
    return credential


async def partner_verifies(p: Provinces, credential: str, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await p.hebei.post(VERIFY, json={"credential": credential}, headers=headers)
    if response.status_code != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


async def test_a_partner_verifies_our_statements_with_its_own_signed_token(
    provinces: Provinces, tmp_path: Path
) -> None:
    p = provinces
    partner = await p.register_beijing()
    credential = await hebei_statement(p)
    beijing_key = p.beijing_keys.active()
    assert beijing_key is not None

    def token(key: SigningKey = beijing_key, **kw: Any) -> str:
        return partner_token(
            key, issuer=kw.pop("issuer", BEIJING_ISSUER), audience=kw.pop("audience", HEBEI_ISSUER), **kw
        )

    good = token()
    status, report = await partner_verifies(p, credential, good)
    assert status == 200, report
    assert (report["valid"], report["issuer"], report["status"]) == (True, HEBEI_ISSUER, "active")
    public = (await p.hebei.post("/v1/verifications", json={"credential": credential})).json()
    assert report == public  # the same answer as the public verification

    refusals = {
        "replayed": (good, 401, "partner_token_replayed"),
        "no token": (None, 401, "partner_token_missing"),
        "not a JWT": ("abc.def", 401, "partner_token_invalid"),
        "expired": (token(now=time.time() - 1000), 401, "partner_token_expired"),
        "too long-lived": (token(lifetime=600), 401, "partner_token_too_long"),
        "for someone else": (token(audience="urn:ce:120000:certificates"), 401, "partner_token_invalid"),
    }
    stranger = KeyStore(tmp_path / "stranger").create()
    impostor = SigningKey(beijing_key.kid, stranger.private_key, stranger.created_at, stranger.verifier)
    refusals |= {
        "unknown issuer": (token(stranger, issuer="urn:ce:120000:certificates"), 403, "partner_unknown"),
        "a key Beijing does not publish": (token(stranger), 403, "partner_key_unknown"),
        "Beijing's kid, another key": (token(impostor), 403, "partner_signature_invalid"),
    }
    for label, (bad, expected_status, code) in refusals.items():
        status, problem = await partner_verifies(p, credential, bad)
        assert (status, problem["code"]) == (expected_status, code), label

    revoked = await p.hebei.post(
        f"/v1/partners/{partner['id']}/revocation", json={"reason": "停止合作"}, headers=p.callers.admin()
    )
    assert revoked.status_code == 200
    status, problem = await partner_verifies(p, credential, token())
    assert (status, problem["code"]) == (403, "partner_revoked")


async def test_a_partner_with_inline_p256_keys_signs_es256(provinces: Provinces) -> None:
    p = provinces
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = {**ECAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "tj-2026", "use": "sig", "alg": "ES256"}
    registered = await p.hebei.post(
        "/v1/partners",
        json={"region_code": "120000", "name": "天津市", "issuer": "urn:ce:120000:certificates",
              "jwks": {"keys": [jwk]}, "base_url": "https://tj.test"},
        headers=p.callers.admin(),
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    credential = await hebei_statement(p)
    now = int(time.time())
    claims = {"iss": "urn:ce:120000:certificates", "aud": HEBEI_ISSUER, "iat": now, "exp": now + 60, "jti": "tj-1"}
    signed = jwt.encode(claims, private, algorithm="ES256", headers={"kid": "tj-2026"})
    status, report = await partner_verifies(p, credential, signed)
    assert (status, report["valid"]) == (200, True)
    assert p.network.requests == []  # inline keys: Tianjin was never called
