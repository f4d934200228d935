"""Queries of the imports: what already exists, for a whole chunk of rows at once."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Organisation
from registry.vocabulary import OrganisationType


async def organisations_by_credit_codes(
    session: AsyncSession, register: OrganisationType, credit_codes: Sequence[str]
) -> list[Organisation]:
    """The organisations of ``register`` among ``credit_codes`` (normalised), in one query."""
    if not credit_codes:
        return []
    result = await session.execute(
        select(Organisation).where(Organisation.type == register, Organisation.credit_code.in_(set(credit_codes)))
    )
    return list(result.scalars())
