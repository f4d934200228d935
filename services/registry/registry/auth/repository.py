"""Queries on refresh tokens, failed logins and used client assertions."""

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.auth.assertions import VerifiedAssertion
from registry.models import FailedLogin, RefreshToken, UsedClientAssertion


async def refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The row, locked: two requests presenting the same token are served one after the other, so the
    second sees the first's rotation (and is treated as reuse) instead of both rotating."""
    result = await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update())
    return result.scalar_one_or_none()


async def add_refresh_token(session: AsyncSession, token: RefreshToken) -> None:
    session.add(token)
    await session.flush()


async def delete_expired_refresh_tokens(session: AsyncSession, account_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        delete(RefreshToken).where(RefreshToken.account_id == account_id, RefreshToken.expires_at <= now)
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, at: datetime) -> int:
    """Revokes every token of the family not yet revoked; returns how many were."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def recent_failed_logins(session: AsyncSession, username: str, since: datetime, limit: int) -> list[datetime]:
    """When the latest failures (at most ``limit``) after ``since`` happened, newest first."""
    result = await session.execute(
        select(FailedLogin.attempted_at)
        .where(FailedLogin.username == username, FailedLogin.attempted_at > since)
        .order_by(FailedLogin.attempted_at.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def add_failed_login(session: AsyncSession, username: str, at: datetime) -> None:
    session.add(FailedLogin(username=username, attempted_at=at))
    await session.flush()


async def forget_failed_logins(session: AsyncSession, username: str) -> None:
    """Drops the username's failures: after a successful login they no longer count."""
    await session.execute(delete(FailedLogin).where(FailedLogin.username == username))


async def forget_expired_failed_logins(session: AsyncSession, before: datetime) -> None:
    """Drops every failure (of any username) at or before ``before``: outside the window they never count."""
    await session.execute(delete(FailedLogin).where(FailedLogin.attempted_at <= before))


async def remember_assertion(session: AsyncSession, verified: VerifiedAssertion, now: datetime) -> bool:
    """Record an accepted assertion's jti; False when it was seen before (a replay). Expired ones are swept."""
    await session.execute(delete(UsedClientAssertion).where(UsedClientAssertion.expires_at < now))
    inserted = await session.execute(
        pg_insert(UsedClientAssertion)
        .values(jti=verified.jti, client_id=verified.client_id, expires_at=verified.expires_at)
        .on_conflict_do_nothing()
        .returning(UsedClientAssertion.jti)
    )
    return inserted.first() is not None
