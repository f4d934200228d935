"""Compliance of a person in a year, read from the kept totals (never by summing the ledger) and the
requirement resolved from their jurisdiction, title and industry (``hours.policy.resolve``).

Whose facts: the person's latest registry facts, kept in ``person_profile`` by every record taken in. A person
with no record yet is only known to themselves — their token carries their region and industry (title unknown:
the ``none`` row applies); to anyone else they answer 404.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.db import Reader
from cekit.tokens import Principal
from hours import access
from hours.clients.registry import RegistryClient
from hours.compliance import repository
from hours.compliance.schemas import ComplianceOut
from hours.errors import PersonNotFound
from hours.ledger import repository as ledger
from hours.policy.model import REQUIREMENT_KEYS
from hours.policy.resolve import PolicyBook, Requirement
from hours.records import repository as records
from hours.requirements import repository as requirements
from hours.units import ZERO
from hours.vocabulary import Category, TitleLevel


async def compliance(
    reader: Reader,
    book: PolicyBook,
    principal: Principal,
    person_id: uuid.UUID,
    year: int,
    registry: RegistryClient | None = None,
) -> ComplianceOut:
    known = await repository.person_year(reader, person_id, year)
    if known is not None:
        facts = access.Facts(person_id, known.region_code, known.employer_id, known.industry)
        if not access.admits(access.person_scopes(principal), facts):
            raise PersonNotFound(f"No hours of person {person_id} that you may see.")
        region, title, overrides = known.region_code, TitleLevel(known.title_level), known.overrides
        totals: Mapping[str, Any] = known.totals
        entries: list[dict[str, Any]] = known.entries
    else:  # no profile, so no hours yet: the registry's facts say whose rules apply (see ``_person``)
        region, title, industry = await _person_without_profile(principal, person_id, registry)
        overrides = await repository.industry_overrides(reader, industry, year)
        totals, entries = {}, []
    requirement = book.requirement(region, title, year, overrides)
    credited = sums(totals, "credited")
    pending = sums(totals, "pending")
    result = standing(requirement, credited)
    return ComplianceOut.model_validate(
        {
            "person_id": person_id,
            "year": year,
            "jurisdiction": requirement.jurisdiction,
            "required": result.required,
            "credited": credited,
            "pending": pending,
            "compliant": result.compliant,
            "shortfall": result.shortfall,
            "entries": entries,
        }
    )


async def _person(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, registry: RegistryClient | None = None
) -> tuple[str, TitleLevel, str]:
    """The person's region, title and industry, if the caller may read their hours: from the profile kept at
    intake; for a person without a record yet, from the registry (their year is empty, but its requirement is
    known); without a registry to ask, only the person themself, from their token (title unknown: ``none``)."""
    profile = await records.get_profile(session, person_id)
    if profile is None:
        return await _person_without_profile(principal, person_id, registry)
    facts = access.Facts(person_id, profile.region_code, profile.employer_id, profile.industry)
    if access.admits(access.person_scopes(principal), facts):
        return profile.region_code, TitleLevel(profile.title_level), profile.industry
    raise PersonNotFound(f"No hours of person {person_id} that you may see.")


async def _person_without_profile(
    principal: Principal, person_id: uuid.UUID, registry: RegistryClient | None
) -> tuple[str, TitleLevel, str]:
    if registry is not None:
        found = await registry.person_facts(person_id)
        if found is not None:
            facts = access.Facts(person_id, found.region_code, found.employer_id, found.industry)
            if access.admits(access.person_scopes(principal), facts):
                return found.region_code, found.title_level, found.industry
    elif (
        principal.has_role(access.PERSON) and access.as_uuid(principal.person_id) == person_id and principal.region_code
    ):
        return principal.region_code, TitleLevel.NONE, principal.industry or ""
    raise PersonNotFound(f"No hours of person {person_id} that you may see.")


@dataclass(frozen=True)
class Standing:
    """Where a person's year stands against its requirement (pure: also evaluated per person by statistics)."""

    required: dict[str, Decimal | None]  # None where the jurisdiction does not constrain the key
    shortfall: dict[str, Decimal | None]  # required minus credited, never below 0
    compliant: bool


def standing(requirement: Requirement, credited: Mapping[str, Decimal]) -> Standing:
    required = {key: requirement.hours(key) for key in REQUIREMENT_KEYS}
    shortfall = {
        key: (max(ZERO, value - credited[key]) if value is not None else None) for key, value in required.items()
    }
    return Standing(required, shortfall, all(gap is None or gap == 0 for gap in shortfall.values()))


def sums(totals: Mapping[str, Any], column: str) -> dict[str, Decimal]:
    """Hours per requirement key from a person-year's totals rows by category (``credited`` or ``pending``)."""
    public = totals.get(Category.PUBLIC.value)
    professional = totals.get(Category.PROFESSIONAL.value)
    public_hours = getattr(public, column) if public is not None else ZERO
    professional_hours = getattr(professional, column) if professional is not None else ZERO
    required_hours = getattr(public, f"required_{column}") if public is not None else ZERO
    return by_key(public_hours, professional_hours, required_hours)


def by_key(public: Decimal, professional: Decimal, public_required: Decimal) -> dict[str, Decimal]:
    """Hours per requirement key from the hours per category (and the required public ones among them)."""
    return {
        "total": public + professional,
        "public": public,
        "professional": professional,
        "public_required": public_required,
    }


# ---- several years of one person (eligibility, annual assessments) ------------------------------------------
@dataclass(frozen=True)
class YearStanding:
    """``compliance`` of one year without the ledger entries: what a window of years or a signed snapshot needs."""

    year: int
    jurisdiction: str
    credited: dict[str, Decimal]
    standing: Standing


async def standings(
    session: AsyncSession,
    book: PolicyBook,
    principal: Principal,
    person_id: uuid.UUID,
    years: Sequence[int],
    registry: RegistryClient | None = None,
) -> list[YearStanding]:
    """The same arithmetic as ``compliance`` for each of ``years``, in three statements whatever their number.
    Raises ``PersonNotFound`` unless the caller may read the person's compliance."""
    region, title, industry = await _person(session, principal, person_id, registry)
    overrides = await requirements.for_industry_years(session, industry, years)
    totals = await ledger.totals_by_year(session, person_id, years)
    result = []
    for year in years:
        requirement = book.requirement(region, title, year, overrides)
        credited = sums(totals.get(year, {}), "credited")
        result.append(YearStanding(year, requirement.jurisdiction, credited, standing(requirement, credited)))
    return result


async def check_readable(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> None:
    """Raises ``PersonNotFound`` unless the caller may read the person's compliance (the rule above)."""
    await _person(session, principal, person_id)
