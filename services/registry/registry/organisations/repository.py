"""Queries on organisations."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import regions
from registry.models import Organisation
from registry.pagination import PageRequest, fetch_page
from registry.policy import Scope
from registry.scopes import scope_condition
from registry.vocabulary import AuthorityKind, OrganisationType


async def get(session: AsyncSession, org_id: uuid.UUID) -> Organisation | None:
    return await session.get(Organisation, org_id)


async def get_in_register(
    session: AsyncSession, register: OrganisationType, org_id: uuid.UUID, *, lock: bool = False
) -> Organisation | None:
    """``lock``: locked until the transaction ends (concurrent updates are made one after the other)."""
    organisation = await session.get(Organisation, org_id, with_for_update=lock)
    return organisation if organisation is not None and organisation.type is register else None


async def get_by_credit_code(
    session: AsyncSession, register: OrganisationType, credit_code: str
) -> Organisation | None:
    result = await session.execute(
        select(Organisation).where(Organisation.type == register, Organisation.credit_code == credit_code)
    )
    return result.scalar_one_or_none()


async def find_authority(
    session: AsyncSession, kind: AuthorityKind, region_code: str, industry: str | None
) -> Organisation | None:
    result = await session.execute(
        select(Organisation).where(
            Organisation.type == OrganisationType.AUTHORITY,
            Organisation.kind == kind.value,
            Organisation.region_code == region_code,
            Organisation.industry.is_(None) if industry is None else Organisation.industry == industry,
        )
    )
    return result.scalar_one_or_none()


async def add(session: AsyncSession, organisation: Organisation) -> None:
    session.add(organisation)
    await session.flush()


async def list_page(
    session: AsyncSession,
    register: OrganisationType,
    scope: Scope,
    page: PageRequest,
    *,
    region_code: str | None = None,
    industry: str | None = None,
    kind: str | None = None,
) -> tuple[Sequence[Organisation], str | None]:
    statement = select(Organisation).where(
        Organisation.type == register,
        scope_condition(
            scope,
            id_column=Organisation.id,
            region_column=Organisation.region_code,
            industry_column=Organisation.industry,
        ),
    )
    if region_code is not None:
        statement = statement.where(Organisation.region_code.in_(sorted(regions.codes_within(region_code))))
    if industry is not None:
        statement = statement.where(Organisation.industry == industry)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    return await fetch_page(session, statement, Organisation.created_at, Organisation.id, page)
