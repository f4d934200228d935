"""Every query on ``certificate``."""

import base64
import secrets
import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.models import certificate

CODE_BYTES = 10  # 80 random bits: 16 base32 characters

# Any row, whatever its columns (SQLAlchemy types rows by their column tuple).
AnyRow = Row[*tuple[Any, ...]]


def new_code() -> str:
    """An opaque public code (RFC 4648 base32, no padding): unguessable, and says nothing about the person."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


async def get(session: AsyncSession, person_id: uuid.UUID) -> AnyRow | None:
    return (await session.execute(select(certificate).where(certificate.c.person_id == person_id))).one_or_none()


async def by_code(session: AsyncSession, code: str) -> AnyRow | None:
    return (await session.execute(select(certificate).where(certificate.c.code == code))).one_or_none()


async def get_or_create(session: AsyncSession, person_id: uuid.UUID) -> tuple[AnyRow, bool]:
    """The person's certificate, made now if it is their first use of one (True when made)."""
    for _ in range(3):
        made = (
            await session.execute(
                insert(certificate)
                .values(person_id=person_id, code=new_code())
                .on_conflict_do_nothing()
                .returning(*certificate.c)
            )
        ).one_or_none()
        if made is not None:
            return made, True
        existing = await get(session, person_id)
        if existing is not None:  # made before, or by a concurrent request that committed first
            return existing, False
        # Otherwise the random code collided with another person's (2^-80): draw again.
    raise RuntimeError("could not make a certificate code")
