"""`python -m registry.cli` as the launcher and operators run it: a separate process reading REGISTRY_* and
CE_ADMIN_PASSWORD from its environment, on an already migrated database."""

import asyncio
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import jwt
import pytest

from cekit.pii import PiiCipher, new_key
from cekit.testing import asyncpg_url, create_database, drop_database


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _env(database_url: str, keys_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CE_ADMIN_PASSWORD" and not k.startswith("REGISTRY_")}
    return {**env, "REGISTRY_DATABASE_URL": database_url, "REGISTRY_SIGNING_KEYS_DIR": str(keys_dir), **extra}


async def test_bootstrap_admin_prints_a_working_password_once(database_url: str, keys_dir: Path, api: Any) -> None:
    username = f"root-{uuid.uuid4().hex[:6]}"
    env = _env(database_url, keys_dir)

    code, out, err = await _run("bootstrap-admin", "--username", username, env=env)
    assert code == 0, err
    match = re.search(r"with the password: (\S+)", out)
    assert match, out
    password = match.group(1)
    assert len(password) >= 20

    token = await api.token(username, password)
    me = (await api.me(token)).json()
    assert (me["username"], me["role"]) == (username, "admin")

    code, out, err = await _run("bootstrap-admin", "--username", username, env=env)
    assert code == 0, err
    assert "already exists" in out
    assert password not in out
    assert "password:" not in out
    assert (await api.login(username, password)).status_code == 200  # the password was not changed

    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        actors = await conn.fetch(
            "SELECT actor FROM audit_event WHERE action = 'account.created' AND object_id = $1", me["id"]
        )
    finally:
        await conn.close()
    assert [r["actor"] for r in actors] == ["system:bootstrap-admin"]


async def test_bootstrap_admin_uses_ce_admin_password(database_url: str, keys_dir: Path, api: Any) -> None:
    username = f"root-{uuid.uuid4().hex[:6]}"
    env = _env(database_url, keys_dir, CE_ADMIN_PASSWORD="launcher-Admin-password-1")
    code, out, err = await _run("bootstrap-admin", "--username", username, env=env)
    assert code == 0, err
    assert "launcher-Admin-password-1" not in out
    assert "CE_ADMIN_PASSWORD" in out
    assert (await api.login(username, "launcher-Admin-password-1")).status_code == 200


async def test_bootstrap_admin_refuses_a_weak_ce_admin_password(database_url: str, keys_dir: Path, api: Any) -> None:
    username = f"root-{uuid.uuid4().hex[:6]}"
    code, _, err = await _run(
        "bootstrap-admin", "--username", username, env=_env(database_url, keys_dir, CE_ADMIN_PASSWORD="Tiny-pw-9")
    )
    assert code == 1
    assert "12 characters" in err
    assert "Tiny-pw-9" not in err  # the rejected password itself is not echoed
    assert (await api.login(username, "Tiny-pw-9")).status_code == 400


@pytest.fixture
def unmigrated_database(pg_server_url: str) -> Iterator[str]:
    url = create_database(pg_server_url, "registry_unmigrated")
    yield url
    drop_database(pg_server_url, url)


async def test_bootstrap_admin_on_an_unmigrated_database_says_what_to_do(
    unmigrated_database: str, keys_dir: Path
) -> None:
    code, _, err = await _run("bootstrap-admin", env=_env(unmigrated_database, keys_dir))
    assert code == 1
    assert "not migrated" in err
    assert "Traceback" not in err


async def test_key_commands_print_the_kid(tmp_path: Path, database_url: str) -> None:
    env = _env(database_url, tmp_path / "keys")
    code, first, _ = await _run("ensure-signing-key", env=env)
    assert code == 0
    assert (tmp_path / "keys" / f"{first.strip()}.pem").exists()
    code, second, _ = await _run("rotate-signing-key", env=env)
    assert code == 0
    assert second.strip() != first.strip()
    code, active, _ = await _run("ensure-signing-key", env=env)
    assert active.strip() == second.strip()


async def test_create_service_client_prints_credentials_that_get_a_service_token(
    database_url: str, keys_dir: Path, client: Any
) -> None:
    code, out, err = await _run("create-service-client", "--name", "hours", env=_env(database_url, keys_dir))
    assert code == 0, err
    credentials = json.loads(out)
    token = await client.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials", **credentials},
    )
    assert token.status_code == 200, token.text
    claims = jwt.decode(token.json()["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["service"]


def _rotated(pii_keys_file: Path, directory: Path, active: str) -> tuple[dict[str, Any], Path]:
    """The suite's keys plus a new k2 (kept across calls), with ``active`` making new ciphertexts."""
    keys = json.loads(pii_keys_file.read_text())
    rotated = directory / "rotated.json"
    k2 = json.loads(rotated.read_text())["keys"]["k2"] if rotated.exists() else new_key()
    document = {**keys, "active": active, "keys": {**keys["keys"], "k2": k2}}
    rotated.write_text(json.dumps(document))
    return document, rotated


async def test_reencrypt_id_numbers_moves_every_number_to_the_new_active_key(
    database_url: str, keys_dir: Path, pii_keys_file: Path, seed: Any, tmp_path: Path
) -> None:
    person_id = await seed.person()  # encrypted with k1, the test suite's key
    document, rotated = _rotated(pii_keys_file, tmp_path, "k2")
    env = _env(database_url, keys_dir, REGISTRY_PII_KEYS_FILE=str(rotated))

    code, out, err = await _run("reencrypt-id-numbers", env=env)
    assert code == 0, err
    assert "re-encrypted" in out

    cipher = PiiCipher(keys=document["keys"], active="k2", index_key=document["index_key"])
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        blobs = await conn.fetch("SELECT id, id_number_ciphertext FROM person")
    finally:
        await conn.close()
    assert {cipher.key_id_of(row["id_number_ciphertext"]) for row in blobs} == {"k2"}
    mine = next(row for row in blobs if row["id"] == person_id)
    assert len(cipher.decrypt(mine["id_number_ciphertext"], str(person_id))) == 18

    code, out, _ = await _run("reencrypt-id-numbers", env=env)
    assert code == 0
    assert "re-encrypted 0 ID numbers" in out

    # Back to k1, so the rest of this module's database still reads with the suite's keys.
    _, rotated = _rotated(pii_keys_file, tmp_path, "k1")
    code, _, err = await _run("reencrypt-id-numbers", env=env)
    assert code == 0, err
