"""The statement queries of the verification page (the certificate row itself: ``certificate.repository``)."""

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.models import statement

# Any row, whatever its columns (SQLAlchemy types rows by their column tuple).
AnyRow = Row[*tuple[Any, ...]]


async def latest_of(session: AsyncSession, person_id: uuid.UUID) -> AnyRow | None:
    """The person's most recently issued statement, whatever its year or status."""
    query = (
        select(statement)
        .where(statement.c.person_id == person_id)
        .order_by(statement.c.issued_at.desc(), statement.c.id)
        .limit(1)
    )
    return (await session.execute(query)).one_or_none()


async def of_person(session: AsyncSession, person_id: uuid.UUID, statement_id: uuid.UUID) -> AnyRow | None:
    """That statement, only if it belongs to that person's certificate."""
    query = select(statement).where(statement.c.id == statement_id, statement.c.person_id == person_id)
    return (await session.execute(query)).one_or_none()
