"""Queries on people and their employment and title history."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import asyncpg
from sqlalchemy import LargeBinary, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import BindParameter

from cekit.db import Reader
from registry import regions
from registry.models import Employment, Organisation, Person, TitleChange
from registry.pagination import PageRequest, fetch_page
from registry.policy import Scope
from registry.scopes import scope_condition


async def get(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    return await session.get(Person, person_id)


async def get_with_history(session: AsyncSession, person_id: uuid.UUID, *, lock: bool = False) -> Person | None:
    """The person with employments and titles loaded (fresh: reflects changes flushed in this session).

    ``lock``: the person's row is locked until the transaction ends, so two changes of their history are made
    one after the other, the second seeing the first.
    """
    statement = (
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.employments), selectinload(Person.titles))
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update(of=Person)
    return (await session.execute(statement)).scalar_one_or_none()


async def find_by_index(session: AsyncSession, blind_index: bytes) -> Person | None:
    result = await session.execute(select(Person).where(Person.id_number_index == blind_index))
    return result.scalar_one_or_none()


async def find_by_indexes(session: AsyncSession, blind_indexes: Sequence[bytes]) -> list[Person]:
    """Everyone among ``blind_indexes``, as full people (the bulk import compares every field)."""
    if not blind_indexes:
        return []
    result = await session.execute(select(Person).where(Person.id_number_index == any_(_indexes(blind_indexes))))
    return list(result.scalars())


def _indexes(blind_indexes: Sequence[bytes]) -> BindParameter[Any]:
    array: Any = ARRAY(LargeBinary)
    return bindparam("indexes", sorted(set(blind_indexes)), type_=array)


# One array parameter rather than ``IN (…)`` of 1,000 parameters: one statement, prepared once per connection.
# Ids and the title level come back as text, the form the answer carries them in (and a new connection's first
# lookup needs no introspection of the title_level enum type).
_LOOKUP = """
    SELECT id::text AS id, id_number_index, name, region_code, employer_id::text AS employer_id,
           title_level::text AS title_level, industry
    FROM person
    WHERE id_number_index = ANY($1::bytea[])
"""


async def lookup_by_indexes(reader: Reader, blind_indexes: Collection[bytes]) -> list[asyncpg.Record]:
    """Everyone among ``blind_indexes``, in one statement (a batch of 1,000 is one round trip, not 1,000), with
    just what a lookup answers, in this order: id, id_number_index, name, region_code, employer_id, title_level,
    industry (all text but id_number_index; employer_id may be null).

    On the read-only ``Reader``: the lookup runs for every batch institutions push and writes nothing (not even
    an audit row: it answers no name or ID number), so it needs neither the unit of work's BEGIN and COMMIT nor
    the ORM's result processing."""
    if not blind_indexes:
        return []
    return await reader.fetch(_LOOKUP, list(blind_indexes))


async def organisations_by_ids(session: AsyncSession, organisation_ids: Sequence[uuid.UUID]) -> list[Organisation]:
    """The organisations among ``organisation_ids`` (the institutions named on a person's certificate)."""
    if not organisation_ids:
        return []
    result = await session.execute(select(Organisation).where(Organisation.id.in_(set(organisation_ids))))
    return sorted(result.scalars(), key=lambda organisation: str(organisation.id))


async def add(session: AsyncSession, person: Person) -> None:
    session.add(person)
    await session.flush()


async def add_history(session: AsyncSession, *entries: Employment | TitleChange) -> None:
    session.add_all(entries)
    await session.flush()


async def list_page(
    session: AsyncSession,
    scope: Scope,
    page: PageRequest,
    *,
    region_code: str | None = None,
    employer_id: uuid.UUID | None = None,
    industry: str | None = None,
) -> tuple[Sequence[Person], str | None]:
    statement = select(Person).where(
        scope_condition(
            scope,
            id_column=Person.id,
            region_column=Person.region_code,
            industry_column=Person.industry,
            employer_column=Person.employer_id,
        )
    )
    if region_code is not None:
        statement = statement.where(Person.region_code.in_(sorted(regions.codes_within(region_code))))
    if employer_id is not None:
        statement = statement.where(Person.employer_id == employer_id)
    if industry is not None:
        statement = statement.where(Person.industry == industry)
    return await fetch_page(session, statement, Person.created_at, Person.id, page)


async def encrypted_with_other_keys(session: AsyncSession, key_id: str, limit: int) -> list[Person]:
    """People whose ID number was encrypted with another key than ``key_id``, locked, at most ``limit``.

    The key id is inside the ciphertext (``cekit.pii``: version byte, length byte, key id, ...), so PostgreSQL
    can pick the rows without a column of its own. Rows another rotation holds are skipped, not waited for.
    """
    blob = Person.id_number_ciphertext
    stored_key_id = func.substring(blob, 3, func.get_byte(blob, 1))
    result = await session.execute(
        select(Person)
        .where(stored_key_id != key_id.encode())
        .order_by(Person.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars())


async def replace_ciphertexts(session: AsyncSession, ciphertexts: Sequence[tuple[Person, bytes]]) -> None:
    """New ciphertexts of the same numbers, in one executemany. Not a change of the person: ``updated_at`` stays."""
    if ciphertexts:
        rows = [
            {"id": person.id, "id_number_ciphertext": blob, "updated_at": person.updated_at}
            for person, blob in ciphertexts
        ]
        await session.execute(update(Person), rows)
