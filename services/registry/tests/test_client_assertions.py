"""Clients that registered public keys authenticate with signed assertions (RFC 7523 §2.2, private_key_jwt):
no secret exists for them; an assertion is accepted once, only for this registry, only while fresh."""

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.roles import Role

TOKEN = "/v1/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class PartnerSystem:
    """A partner province's system: it keeps its private key and registers only the public half."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.kid = "partner-" + uuid.uuid4().hex[:6]

    @property
    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def assertion(
        self, client_id: str, audience: str, *, lifetime: int = 60, jti: str | None = None, **extra: Any
    ) -> str:
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + lifetime,
                  "jti": uuid.uuid4().hex, **extra}  # fmt: skip
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid})


@pytest.fixture
async def partner(client: httpx.AsyncClient, api: Any) -> tuple[PartnerSystem, str]:
    system = PartnerSystem()
    admin = await api.token_for(Role.ADMIN)
    response = await client.post(
        "/v1/clients", json={"name": "Beijing CE platform", "role": "partner", "jwks": system.jwks},
        headers=api.bearer(admin),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["client_secret"] is None
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    return system, body["client_id"]


def form(assertion: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}


async def test_a_signed_assertion_gets_a_token(client: httpx.AsyncClient, api: Any, partner: Any) -> None:
    system, client_id = partner
    response = await client.post(TOKEN, data=form(system.assertion(client_id, api.ISSUER)))
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == claims["sub"] == client_id
    assert claims["roles"] == ["partner"]


async def test_the_token_endpoint_url_is_an_accepted_audience(client: httpx.AsyncClient, partner: Any) -> None:
    system, client_id = partner
    response = await client.post(TOKEN, data=form(system.assertion(client_id, "http://127.0.0.1:8000/v1/auth/token")))
    assert response.status_code == 200, response.text


async def test_an_assertion_is_accepted_once(client: httpx.AsyncClient, api: Any, partner: Any) -> None:
    system, client_id = partner
    assertion = system.assertion(client_id, api.ISSUER)
    assert (await client.post(TOKEN, data=form(assertion))).status_code == 200
    replay = await client.post(TOKEN, data=form(assertion))
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda s, c, a: s.assertion(c, "urn:ce:110000:registry"), "aud", id="another-registry"),
        pytest.param(lambda s, c, a: s.assertion(c, a, lifetime=-120), "expired", id="expired"),
        pytest.param(lambda s, c, a: s.assertion(c, a, lifetime=3600), "at most", id="too-long-lived"),
        pytest.param(lambda s, c, a: PartnerSystem().assertion(c, a), "not registered", id="unregistered-key"),
        pytest.param(lambda s, c, a: s.assertion(c, a, iss="someone-else"), "iss", id="wrong-issuer"),
    ],
)
async def test_bad_assertions_are_refused_with_their_reason(
    client: httpx.AsyncClient, api: Any, partner: Any, make: Any, reason: str
) -> None:
    system, client_id = partner
    response = await client.post(TOKEN, data=form(make(system, client_id, api.ISSUER)))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"
    assert reason in response.json()["detail"]


async def test_an_assertion_with_a_forged_signature_is_refused(
    client: httpx.AsyncClient, api: Any, partner: Any
) -> None:
    system, client_id = partner
    header, payload, _ = system.assertion(client_id, api.ISSUER).split(".")
    forged = f"{header}.{payload}.{jwt.utils.base64url_encode(b'x' * 64).decode()}"
    response = await client.post(TOKEN, data=form(forged))
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


async def test_a_key_based_client_has_no_secret_to_guess(client: httpx.AsyncClient, api: Any, partner: Any) -> None:
    _, client_id = partner
    response = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": client_id,
                                              "client_secret": "cs_guess"})  # fmt: skip
    assert response.status_code == 401


async def test_private_keys_are_refused_at_registration(client: httpx.AsyncClient, api: Any) -> None:
    system = PartnerSystem()
    private = jwt.algorithms.OKPAlgorithm.to_jwk(system.key, as_dict=True)
    admin = await api.token_for(Role.ADMIN)
    response = await client.post(
        "/v1/clients", json={"name": "careless", "role": "partner", "jwks": {"keys": [private]}},
        headers=api.bearer(admin),
    )  # fmt: skip
    assert response.status_code == 422
    assert "public keys only" in response.text
