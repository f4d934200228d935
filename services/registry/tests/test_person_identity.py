"""The certificates service's read of one person's name and ID number (000 art. 14: the certificate number is the
ID number; a statement commits to it): for our own services only, and audited like every plaintext read."""

import json
import uuid
from typing import Any

import asyncpg
import httpx

from cekit.testing import asyncpg_url
from registry.config import Settings


def _path(person_id: uuid.UUID | str) -> str:
    return f"/v1/internal/registry/persons/{person_id}/identity"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _identity_reads(database_url: str, person_id: uuid.UUID) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(
            await conn.fetch(
                "SELECT actor, actor_roles, details FROM audit_event WHERE action = 'id_number_read' "
                "AND object_id = $1 AND details->>'view' = 'identity'",
                str(person_id),
            )
        )
    finally:
        await conn.close()


async def test_a_service_reads_name_number_and_institution_names_and_the_read_is_audited(
    client: httpx.AsyncClient, seed: Any, mint: Any, settings: Settings
) -> None:
    number = seed.new_id_number("130102")
    person_id = await seed.person(id_number=number, name="李四", region="130102")
    institution = await seed.institution("130100")
    token = mint("service", subject="client-certificates", client_id="cl_certificates")

    response = await client.get(
        _path(person_id),
        params=[("organisation_id", str(institution)), ("organisation_id", str(uuid.uuid4()))],
        headers=_bearer(token),
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "person_id": str(person_id),
        "id_number": number,
        "name": "李四",
        "region_code": "130102",
        # The unknown organisation id is simply left out.
        "organisations": [{"id": str(institution), "name": "某大学", "type": "institution"}],
    }
    [read] = await _identity_reads(settings.database_url, person_id)
    assert read["actor"] == "client-certificates"
    assert read["actor_roles"] == "service"
    assert json.loads(read["details"]) == {"view": "identity"}


async def test_only_our_services_may_read_an_identity(client: httpx.AsyncClient, seed: Any, mint: Any) -> None:
    person_id = await seed.person()
    for role, claims in [
        ("admin", {}),
        ("hr_official", {"region_code": "130000"}),
        ("person", {"person_id": str(person_id)}),
        ("partner", {}),
    ]:
        response = await client.get(_path(person_id), headers=_bearer(mint(role, **claims)))
        assert response.status_code == 403, (role, response.text)
        assert response.json()["code"] == "role_required"
    assert (await client.get(_path(person_id))).status_code == 401


async def test_an_unknown_person_is_404_and_nothing_is_audited(
    client: httpx.AsyncClient, mint: Any, settings: Settings
) -> None:
    unknown = uuid.uuid4()
    response = await client.get(_path(unknown), headers=_bearer(mint("service")))
    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found"
    assert await _identity_reads(settings.database_url, unknown) == []
