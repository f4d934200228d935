"""Setting an industry's higher requirement: by an industry official of that industry (within their own
region) or an admin; stored, audited, applied by ``PolicyBook.requirement`` (the higher applies)."""

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours import access, regions
from hours.audit import audit
from hours.errors import NotPermitted, OutsideScope
from hours.requirements import repository
from hours.requirements.schemas import IndustryRequirementIn

KEYS = ("total", "public", "professional", "public_required")


def target_region(principal: Principal, industry: str, region_code: str | None) -> str:
    """Where the requirement will apply; refuses what the caller may not set."""
    if principal.has_role(access.ADMIN):
        return region_code or regions.NATIONAL
    if not principal.has_role(access.INDUSTRY) or principal.industry != industry:
        raise NotPermitted(f"Only an industry official of {industry!r} (or an admin) sets its requirement.")
    own = principal.region_code or regions.NATIONAL
    wanted = region_code or own
    if not regions.within(wanted, own):
        raise OutsideScope(f"Region {wanted} lies outside your authority's region {own}.")
    return wanted


async def set_requirement(
    session: AsyncSession,
    principal: Principal,
    industry: str,
    year: int,
    region_code: str | None,
    body: IndustryRequirementIn,
) -> Row[Any]:
    region = target_region(principal, industry, region_code)
    before = await repository.get(session, industry, year, region)
    values = {key: getattr(body, key) for key in KEYS}
    row = await repository.put(session, industry, year, region, values, body.source, principal.subject)
    await audit(
        session,
        principal,
        "industry_requirement.set",
        "industry_requirement",
        f"{industry}:{year}:{region}",
        reason=body.source,
        details={
            "before": {k: _text(getattr(before, k)) for k in KEYS} if before is not None else None,
            "after": {k: _text(v) for k, v in values.items()},
        },
    )
    return row


def _text(value: object) -> str | None:
    return None if value is None else str(value)
