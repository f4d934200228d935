"""Queries on accounts."""

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Account


async def get(session: AsyncSession, account_id: uuid.UUID) -> Account | None:
    return await session.get(Account, account_id)


async def get_by_username(session: AsyncSession, username: str) -> Account | None:
    """``username`` as stored: lower-cased."""
    result = await session.execute(select(Account).where(Account.username == username))
    return result.scalar_one_or_none()


async def add(session: AsyncSession, account: Account) -> None:
    session.add(account)
    await session.flush()


async def set_industry_of_organisation_accounts(session: AsyncSession, org_id: uuid.UUID, industry: str | None) -> None:
    """Accounts carry their organisation's industry (derived when made): they follow a change of it. The tokens
    show it from the next login or refresh."""
    statement = update(Account).where(Account.org_id == org_id).values(industry=industry)
    await session.execute(statement.execution_options(synchronize_session=False))
