"""A person-year as compliance reads it, in one statement: the person's facts, the year's kept totals, the
industry's raised requirements and the ledger entries. Compliance is the most frequent read of the platform, and
four statements cost four round trips and four passes through the ORM layer. The statements run on the
service's ``Reader`` (plain asyncpg, no transaction): they only read, and each is one consistent snapshot."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from cekit.db import Reader
from hours.policy.resolve import IndustryRequirement

# Numbers travel as text inside the JSON so that they come back as exact decimals.
_OVERRIDES = """
      (SELECT coalesce(json_agg(json_build_object(
                 'industry', r.industry, 'year', r.year, 'region_code', r.region_code, 'total', r.total::text,
                 'public', r.public::text, 'professional', r.professional::text,
                 'public_required', r.public_required::text, 'source', r.source)), '[]')
         FROM industry_requirement AS r WHERE r.industry = {industry} AND r.year = $2) AS overrides"""

_YEAR = "".join(  # constant text throughout; the values are bound
    (
        """
    SELECT p.region_code, p.title_level, p.industry, p.employer_id,
      (SELECT coalesce(json_agg(json_build_object(
                 'category', t.category, 'credited', t.credited::text, 'pending', t.pending::text,
                 'required_credited', t.required_credited::text, 'required_pending', t.required_pending::text)),
               '[]')
         FROM person_year_total AS t WHERE t.person_id = p.person_id AND t.year = $2) AS totals,""",
        _OVERRIDES.format(industry="p.industry"),
        """,
      (SELECT coalesce(json_agg(json_build_object(
                 'record_id', e.record_id, 'hours', e.hours::text, 'rule', e.rule, 'source', e.source,
                 'explanation', e.explanation) ORDER BY e.id), '[]')
         FROM ledger_entry AS e WHERE e.person_id = p.person_id AND e.year = $2) AS entries
    FROM person_profile AS p
    WHERE p.person_id = $1
    """,
    )
)
# An industry's raised requirements of a year, for a person the service holds no profile of yet.
_INDUSTRY_YEAR = "".join(("SELECT $1::text AS industry,", _OVERRIDES.format(industry="$1")))


@dataclass(frozen=True)
class Totals:
    """One category's kept totals (the columns of ``person_year_total`` that compliance reads)."""

    credited: Decimal
    pending: Decimal
    required_credited: Decimal
    required_pending: Decimal


@dataclass(frozen=True)
class PersonYear:
    region_code: str
    title_level: str
    industry: str
    employer_id: uuid.UUID | None
    totals: dict[str, Totals]
    overrides: list[IndustryRequirement]
    entries: list[dict[str, Any]]


async def person_year(reader: Reader, person_id: uuid.UUID, year: int) -> PersonYear | None:
    """None when the service holds no profile of the person (then it holds no hours of theirs either)."""
    row = await reader.fetchrow(_YEAR, person_id, year)
    if row is None:
        return None
    return PersonYear(
        region_code=row["region_code"],
        title_level=row["title_level"],
        industry=row["industry"],
        employer_id=row["employer_id"],
        totals={
            t["category"]: Totals(
                Decimal(t["credited"]),
                Decimal(t["pending"]),
                Decimal(t["required_credited"]),
                Decimal(t["required_pending"]),
            )
            for t in _json(row["totals"])
        },
        overrides=_overrides(row["overrides"]),
        entries=_json(row["entries"]),
    )


async def industry_overrides(reader: Reader, industry: str, year: int) -> list[IndustryRequirement]:
    row = await reader.fetchrow(_INDUSTRY_YEAR, industry, year)
    return _overrides(row["overrides"]) if row is not None else []


def _overrides(value: Any) -> list[IndustryRequirement]:
    return [
        IndustryRequirement(
            industry=r["industry"],
            year=r["year"],
            region_code=r["region_code"],
            total=_decimal(r["total"]),
            public=_decimal(r["public"]),
            professional=_decimal(r["professional"]),
            public_required=_decimal(r["public_required"]),
            source=r["source"],
        )
        for r in _json(value)
    ]


def _json(value: Any) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = orjson.loads(value) if isinstance(value, str | bytes) else value
    return parsed


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None
