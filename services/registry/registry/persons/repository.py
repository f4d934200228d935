"""Queries on people and their employment and title history."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import LargeBinary, Row, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import BindParameter

from registry import regions
from registry.models import Employment, Organisation, Person, TitleChange
from registry.pagination import PageRequest, fetch_page
from registry.policy import Scope
from registry.scopes import scope_condition
from registry.vocabulary import TitleLevel


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


# id, id_number_index, name, region_code, employer_id, title_level, industry
LookupRow = Row[uuid.UUID, bytes, str, str, uuid.UUID | None, TitleLevel, str]


async def lookup_by_indexes(session: AsyncSession, blind_indexes: Sequence[bytes]) -> list[LookupRow]:
    """Everyone among ``blind_indexes``, in one query (a batch of 1,000 is one round trip, not 1,000), with just
    what a lookup answers. One array parameter rather than ``IN (…)`` of 1,000 parameters: one plan, cached, and
    no ORM objects to build — the lookup runs for every batch institutions push."""
    if not blind_indexes:
        return []
    query = select(
        Person.id,
        Person.id_number_index,
        Person.name,
        Person.region_code,
        Person.employer_id,
        Person.title_level,
        Person.industry,
    ).where(Person.id_number_index == any_(_indexes(blind_indexes)))
    return list((await session.execute(query)).all())


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
