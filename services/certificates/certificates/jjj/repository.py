"""Every query on ``partner_token_use``: each partner JWT id is accepted once, until the token expires."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.models import partner_token_use


async def use(session: AsyncSession, issuer: str, jti: str, expires_at: datetime) -> bool:
    """True the first time; False when the id was used before (a concurrent second use waits for the first's
    commit on the primary key, then finds it)."""
    query = (
        insert(partner_token_use)
        .values(issuer=issuer, jti=jti, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=[partner_token_use.c.issuer, partner_token_use.c.jti])
        .returning(partner_token_use.c.jti)
    )
    return (await session.execute(query)).first() is not None


async def forget_expired(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(partner_token_use).where(partner_token_use.c.expires_at < now))
