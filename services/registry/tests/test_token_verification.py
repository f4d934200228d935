"""The registry verifies its own tokens like every service: forged, foreign and stale tokens get a 401
problem on a protected route; a rotated-out key keeps verifying while its tokens can still be valid."""

import base64
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cekit.testing import running_app
from registry.app import create_app
from registry.auth.keys import KeyStore, SigningKey
from registry.cli import main as cli
from registry.roles import Role


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _active_key(keys_dir: Path) -> SigningKey:
    key = KeyStore(keys_dir, publish_retired_for=timedelta(seconds=930)).active()
    assert key is not None
    return key


def _forge(key: SigningKey, claims: dict[str, Any], **header: Any) -> str:
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": key.kid, **header})


def _tamper_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["admin"]
    return f"{header}.{_b64(claims)}.{signature}"


def _tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{flipped}{signature[1:]}"


FORGERIES = {
    "alg-none": lambda key, claims, good: f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': key.kid})}.{_b64(claims)}.",
    "hs256-with-public-key": lambda key, claims, good: jwt.encode(
        claims,
        key.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        algorithm="HS256",
        headers={"typ": "at+jwt", "kid": key.kid},
    ),
    "wrong-typ": lambda key, claims, good: _forge(key, claims, typ="JWT"),
    "wrong-aud": lambda key, claims, good: _forge(key, {**claims, "aud": "urn:ce:110000"}),
    "wrong-iss": lambda key, claims, good: _forge(key, {**claims, "iss": "urn:ce:110000:registry"}),
    "expired": lambda key, claims, good: _forge(
        key, {**claims, "iat": claims["iat"] - 3600, "exp": claims["iat"] - 60}
    ),
    "unknown-kid": lambda key, claims, good: jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"typ": "at+jwt", "kid": "nobody"}
    ),
    "known-kid-other-key": lambda key, claims, good: jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"typ": "at+jwt", "kid": key.kid}
    ),
    "tampered-payload": lambda key, claims, good: _tamper_payload(good),
    "tampered-signature": lambda key, claims, good: _tamper_signature(good),
    "not-a-jwt": lambda key, claims, good: "not-a-jwt",
}


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_bad_tokens_get_a_401_problem(api: Any, keys_dir: Path, forgery: str) -> None:
    good = await api.token_for(Role.PERSON)
    assert (await api.me(good)).status_code == 200  # the same claims, honestly signed, are accepted
    claims = jwt.decode(good, options={"verify_signature": False})

    response = await api.me(FORGERIES[forgery](_active_key(keys_dir), claims, good))

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "token_invalid"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_request_without_a_token_gets_a_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/accounts/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


# ---- rotation ---------------------------------------------------------------------------------
@pytest.fixture
def rotating_settings(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings with a key directory of its own, which the CLI (same environment) also uses."""
    keys_dir = tmp_path / "keys"
    monkeypatch.setenv("REGISTRY_SIGNING_KEYS_DIR", str(keys_dir))
    return settings.model_copy(update={"signing_keys_dir": keys_dir})


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def test_tokens_of_the_old_key_verify_after_rotation(
    rotating_settings: Any, api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_dir: Path = rotating_settings.signing_keys_dir
    assert cli(["ensure-signing-key"]) == 0
    first_kid = capsys.readouterr().out.strip()
    assert cli(["ensure-signing-key"]) == 0  # idempotent: the same key
    assert capsys.readouterr().out.strip() == first_kid
    assert oct((keys_dir / f"{first_kid}.pem").stat().st_mode & 0o777) == "0o600"

    username = await api.make_account(Role.PERSON)
    async with running_app(create_app(rotating_settings)) as client:
        login = {"grant_type": "password", "username": username, "password": api.PASSWORD}
        old_token = (await client.post("/v1/auth/token", data=login)).json()["access_token"]
        assert _kid(old_token) == first_kid
        assert (await client.get("/v1/accounts/me", headers=api.bearer(old_token))).status_code == 200

        assert cli(["rotate-signing-key"]) == 0  # another process in real life: the app re-reads the directory
        second_kid = capsys.readouterr().out.strip()
        assert second_kid != first_kid

        jwks = (await client.get("/.well-known/jwks.json")).json()
        assert {k["kid"] for k in jwks["keys"]} == {first_kid, second_kid}
        assert (await client.get("/v1/accounts/me", headers=api.bearer(old_token))).status_code == 200

        new_token = (await client.post("/v1/auth/token", data=login)).json()["access_token"]
        assert _kid(new_token) == second_kid
        # At once, not after a refetch delay: the registry reads its own keys.
        assert (await client.get("/v1/accounts/me", headers=api.bearer(new_token))).status_code == 200

    assert cli(["ensure-signing-key"]) == 0  # now prints the new active key, creates nothing
    assert capsys.readouterr().out.strip() == second_kid
    pem_files = {p.name for p in os.scandir(keys_dir) if p.name.endswith(".pem")}
    assert pem_files == {f"{first_kid}.pem", f"{second_kid}.pem"}


def test_a_retired_key_leaves_the_jwks_after_lifetime_plus_leeway(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, publish_retired_for=timedelta(seconds=930))
    now = datetime.now(UTC)
    # A key retires when the next one is created.
    gone = store.create(now - timedelta(hours=2))  # retired 931 s ago: its last tokens expired
    kept = store.create(now - timedelta(seconds=931))  # retired 929 s ago: its last token may still be valid
    previous = store.create(now - timedelta(seconds=929))
    active = store.create(now)

    assert [k.kid for k in store.published(now)] == [kept.kid, previous.kid, active.kid]
    assert store.active() == active
    assert [k["kid"] for k in store.jwks()["keys"]] == [kept.kid, previous.kid, active.kid]
    assert store.published(now + timedelta(seconds=2))[0] == previous

    assert store.prune(now) == [gone.kid]
    assert sorted(p.stem for p in tmp_path.glob("*.pem")) == sorted([kept.kid, previous.kid, active.kid])


def test_the_creation_time_comes_from_the_sidecar_not_the_file_time(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, publish_retired_for=timedelta(seconds=930))
    older = store.create(datetime.now(UTC) - timedelta(days=1))
    newer = store.create(datetime.now(UTC) - timedelta(hours=1))
    # A restore from backup touches the older key's file last; it must not become the active key again.
    pem = tmp_path / f"{older.kid}.pem"
    pem.write_bytes(pem.read_bytes())
    fresh = KeyStore(tmp_path, publish_retired_for=timedelta(seconds=930))
    assert fresh.active() is not None
    assert fresh.active().kid == newer.kid  # type: ignore[union-attr]


def test_a_broken_key_file_does_not_hide_the_good_ones(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, publish_retired_for=timedelta(seconds=930))
    good = store.create(datetime.now(UTC) - timedelta(minutes=1))
    (tmp_path / "broken.pem").write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    assert [k.kid for k in store.signing_keys()] == [good.kid]


async def test_without_any_key_the_token_endpoint_says_so(settings: Any, api: Any, tmp_path: Path) -> None:
    username = await api.make_account(Role.PERSON)
    empty = settings.model_copy(update={"signing_keys_dir": tmp_path / "none"})
    async with running_app(create_app(empty)) as client:
        login = {"grant_type": "password", "username": username, "password": api.PASSWORD}
        response = await client.post("/v1/auth/token", data=login)
        assert response.status_code == 503
        assert response.json()["code"] == "signing_key_unavailable"
        assert str(tmp_path) not in response.text
        assert (await client.get("/.well-known/jwks.json")).json() == {"keys": []}


def test_key_ids_are_unique_even_within_one_second(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, publish_retired_for=timedelta(seconds=930))
    now = datetime.now(UTC)
    kids = {store.create(now).kid for _ in range(5)}
    assert len(kids) == 5
    assert all(kid.startswith(now.strftime("%Y%m%dT")) for kid in kids)
