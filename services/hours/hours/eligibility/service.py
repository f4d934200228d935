"""Eligibility for title evaluation over a window of years: each year's standing exactly as ``GET
/v1/compliance`` computes it (``compliance.service.standings``), the employer's current assessment of the year,
and the rule of the person's jurisdiction (``eligibility.rules``). Readable by whoever may read the person's
compliance."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours.assessments import repository as assessments
from hours.assessments.service import assessment_out
from hours.clients.registry import RegistryClient
from hours.clock import today_in_china
from hours.compliance import service as compliance
from hours.compliance.schemas import HoursByKey
from hours.eligibility import rules
from hours.eligibility.schemas import EligibilityOut, EligibilityYear, TitleRuleOut
from hours.errors import InvalidWindow, YearNotOpen
from hours.policy.resolve import PolicyBook

# Title rules look back a few years (a promotion usually needs 3–5 years at the current level); ten covers every
# case without letting one request read an unbounded history.
MAX_WINDOW = 10


async def eligibility(
    session: AsyncSession,
    book: PolicyBook,
    principal: Principal,
    person_id: uuid.UUID,
    from_year: int,
    to_year: int,
    registry: RegistryClient | None = None,
) -> EligibilityOut:
    if from_year > to_year:
        raise InvalidWindow(f"from_year {from_year} is after to_year {to_year}.")
    if to_year - from_year + 1 > MAX_WINDOW:
        raise InvalidWindow(f"A window covers at most {MAX_WINDOW} years; {from_year}–{to_year} has more.")
    if to_year > today_in_china().year:
        raise YearNotOpen(f"Year {to_year} has not begun; a window ends in the current year at the latest.")
    years = list(range(from_year, to_year + 1))
    standings = await compliance.standings(session, book, principal, person_id, years, registry)
    signed = await assessments.current_for_years(session, person_id, years)
    rule = rules.title_rule(_chain(book, standings[-1].jurisdiction))
    unmet = rules.unmet_years([(s.year, s.standing.compliant) for s in standings])
    return EligibilityOut(
        person_id=person_id,
        from_year=from_year,
        to_year=to_year,
        eligible=not unmet,
        unmet_years=unmet,
        rule=TitleRuleOut(source=rule.source, text=rule.text, summary=rule.summary, note=rule.note),
        years=[
            EligibilityYear(
                year=s.year,
                jurisdiction=s.jurisdiction,
                required=HoursByKey(**s.standing.required),
                credited=HoursByKey(**s.credited),
                shortfall=HoursByKey(**s.standing.shortfall),
                compliant=s.standing.compliant,
                assessment=assessment_out(signed[s.year]) if s.year in signed else None,
            )
            for s in standings
        ],
    )


def _chain(book: PolicyBook, jurisdiction: str) -> list[str]:
    """The pack ids from the person's jurisdiction up to the national baseline."""
    ids: list[str] = []
    pack = book.packs.get(jurisdiction)
    while pack is not None:
        ids.append(pack.id)
        pack = book.packs.get(pack.extends) if pack.extends is not None else None
    return ids
