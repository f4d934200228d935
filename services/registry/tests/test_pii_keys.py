"""The keys of the ID numbers' encryption: the service does not start without them, and a new key is rolled
out by re-encrypting what the old one made."""

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from cekit.db import build_engine, build_sessionmaker
from cekit.pii import PiiCipher, new_key
from cekit.testing import asyncpg_url, running_app
from registry.app import create_app
from registry.config import Settings
from registry.persons.service import reencrypt_id_numbers
from registry.pii_keys import PiiKeysUnavailable, load_pii_cipher


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "REGISTRY_PII_KEYS_FILE is not set"),
        ("missing", "does not exist"),
        ("{not json", "cannot be read as JSON"),
        ('{"active": "k1", "keys": {"k1": "c2hvcnQ"}, "index_key": "c2hvcnQ"}', "32 bytes"),
        ('{"active": "k2", "keys": {"k1": "' + new_key() + '"}, "index_key": "' + new_key() + '"}', "'k2'"),
        ('{"keys": {}}', "'active'"),
    ],
)
async def test_the_service_refuses_to_start_without_usable_keys(
    settings: Settings, tmp_path: Path, content: str | None, message: str
) -> None:
    path: Path | None = None
    if content is not None:
        path = tmp_path / "pii.json"
        if content != "missing":
            path.write_text(content, encoding="utf-8")
    app = create_app(settings.model_copy(update={"pii_keys_file": path}))
    with pytest.raises(PiiKeysUnavailable, match=message) as refused:
        async with running_app(app):
            pass
    assert "Refusing to start" in str(refused.value)
    if content and "c2hvcnQ" in content:
        assert "c2hvcnQ" not in str(refused.value)  # never the key material in the message


def test_the_openapi_document_needs_no_keys() -> None:
    document = create_app(Settings(pii_keys_file=None)).openapi()
    assert "/v1/persons" in document["paths"]


async def _fetch(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


async def test_rotation_re_encrypts_with_the_new_key_in_batches(
    settings: Settings, seed: Any, cipher: PiiCipher, tmp_path: Path, mint: Any
) -> None:
    numbers = {}
    for _ in range(5):
        number = seed.new_id_number()
        numbers[str(await seed.person(id_number=number))] = number
    before = {str(r["id"]): r for r in await _fetch(settings.database_url, "SELECT * FROM person")}
    assert {cipher.key_id_of(bytes(r["id_number_ciphertext"])) for r in before.values()} == {"k1"}

    rotated = PiiCipher(keys={**cipher.keys, "k2": new_key()}, active="k2", index_key=cipher.index_key)
    engine = build_engine(settings.database_url, pool_size=1)
    batches = []
    try:
        while True:  # the operator's loop: a batch per transaction until nothing is left
            async with build_sessionmaker(engine)() as session:
                done = await reencrypt_id_numbers(session, rotated, limit=2)
                await session.commit()
            batches.append(done)
            if done == 0:
                break
    finally:
        await engine.dispose()
    assert batches == [2, 2, 1, 0]

    after = {str(r["id"]): r for r in await _fetch(settings.database_url, "SELECT * FROM person")}
    only_new = PiiCipher(keys={"k2": rotated.keys["k2"]}, active="k2", index_key=cipher.index_key)
    for person_id, row in after.items():
        blob = bytes(row["id_number_ciphertext"])
        assert rotated.key_id_of(blob) == "k2"
        assert only_new.decrypt(blob, person_id) == numbers[person_id]  # the old key is no longer needed
        assert row["id_number_index"] == before[person_id]["id_number_index"]  # lookups keep working
        assert row["updated_at"] == before[person_id]["updated_at"]  # not a change of the person
    [audit] = await _fetch(
        settings.database_url, "SELECT details FROM audit_event WHERE action = 'id_numbers.reencrypted' "
        "ORDER BY occurred_at LIMIT 1",
    )  # fmt: skip
    assert '"from_keys": ["k1"]' in audit["details"]

    # The service restarted with only the new key reads every number.
    new_file = tmp_path / "pii.json"
    document = {"active": "k2", "keys": {"k2": rotated.keys["k2"]}, "index_key": cipher.index_key}
    new_file.write_text(json.dumps(document), encoding="utf-8")
    assert load_pii_cipher(new_file).active == "k2"
    async with running_app(create_app(settings.model_copy(update={"pii_keys_file": new_file}))) as client:
        person_id, number = next(iter(numbers.items()))
        response = await client.get(f"/v1/persons/{person_id}", headers={"Authorization": f"Bearer {mint('admin')}"})
        assert response.status_code == 200
        assert response.json()["id_number"] == number
        check = await client.post(
            "/v1/persons/checks",
            json={"id_number": number, "name": "张三"},
            headers={"Authorization": f"Bearer {mint('institution', org_id=uuid.uuid4())}"},
        )
        assert check.json()["registered"] is True
