"""Statistics (统计查询) for the authorities in charge and for employers: how many people, their credited and pending
hours, and how many of them meet their year's requirement, by region, industry, employer or year (000 art. 17:
HR and industry authorities keep "注册登记、学时审核、统计查询"; 001 §7.3: "本区域、本行业继续教育人数、时间…").

Who sees what (``hours.access``, the same scopes as people's compliance): admins everything; an HR official
their authority's region (Xiong'an with its three counties); an industry official their industry (within their
region when the token names one); an employer's admin their own staff. People, institutions and machine clients
get 403. Filters narrow the caller's scope; a filter that reaches beyond it (another region, a wider region,
another industry or employer) answers 403 ``outside_scope`` rather than a silently smaller answer, so a figure
is never mistaken for one about more people than it covers.

Whom it counts: every person with a profile (anyone with a record here, by their latest registry facts) in the
scope, in every year asked for; a person without hours that year counts and is not compliant. Compliance is
``GET /v1/compliance``'s own: ``compliance.service.standing`` on the same kept totals (``person_year_total``)
against the requirement resolved from region, title and industry (``PolicyBook.requirement``, industry
requirements included, 001 §2.2), cached per (region, title, industry, year). One streamed statement sums each
person-year and counts alike people together (same facts, same credited hours, same key), so compliance is
evaluated once per such group rather than once per person: exact, and cheap at 100,000 people.
"""

import base64
import csv
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.problems import Unprocessable
from cekit.tokens import Principal
from hours import access, regions
from hours.compliance.service import by_key, standing
from hours.errors import BadCursor, NotPermitted, OutsideScope
from hours.policy.resolve import PolicyBook, Requirement
from hours.statistics import repository
from hours.statistics.schemas import Figures, GroupBy, StatisticsPage, StatisticsRow
from hours.units import ZERO
from hours.vocabulary import TitleLevel

Key = str | uuid.UUID | int | None
RATE_PLACES = Decimal("0.0001")


class StatisticsQueryInvalid(Unprocessable):
    """Query parameters that do not go together (a year missing, a range backwards)."""

    code = "validation_failed"


class StatisticsCursorInvalid(BadCursor):
    """400 ``invalid_cursor``, as every list of the service answers a cursor it did not give out."""


@dataclass(frozen=True)
class Query:
    group_by: GroupBy
    from_year: int
    to_year: int
    wanted: access.Scope  # the filters, as a scope of their own


def build_query(
    group_by: GroupBy,
    *,
    year: int | None,
    from_year: int | None,
    to_year: int | None,
    region_code: str | None,
    industry: str | None,
    employer_id: uuid.UUID | None,
) -> Query:
    errors: list[dict[str, str]] = []

    def error(name: str, code: str, message: str) -> None:
        errors.append({"field": f"query.{name}", "in": "query", "code": code, "message": message})

    if group_by is GroupBy.YEAR:
        if year is not None:
            error("year", "unexpected", "group_by=year takes from_year and to_year, not year")
        if from_year is None:
            error("from_year", "missing", "group_by=year needs from_year")
        if to_year is None:
            error("to_year", "missing", "group_by=year needs to_year")
        if from_year is not None and to_year is not None and from_year > to_year:
            error("to_year", "range", "to_year comes before from_year")
        first, last = from_year or 0, to_year or 0
    else:
        if year is None:
            error("year", "missing", f"group_by={group_by} needs year")
        for name, value in (("from_year", from_year), ("to_year", to_year)):
            if value is not None:
                error(name, "unexpected", f"{name} goes with group_by=year; give year")
        first = last = year or 0
    if errors:
        fields = ", ".join(e["field"] for e in errors)
        raise StatisticsQueryInvalid(f"The request is not valid: check {fields}.", errors=errors)
    wanted = access.Scope(region=region_code, industry=industry, employer_id=employer_id)
    return Query(group_by, first, last, wanted)


def caller_scopes(principal: Principal, wanted: access.Scope) -> list[access.Scope]:
    """The caller's scopes that the filters lie within (403 when none does)."""
    if principal.has_role(access.ADMIN):
        return [access.Scope()]
    # A person's own scope is no statistic; machine clients read compliance, not statistics.
    mine = [s for s in access.person_scopes(principal) if s.person_id is None and s != access.Scope()]
    if not mine:
        raise NotPermitted(
            "Statistics are for HR and industry authorities within their region or industry and for employers "
            "about their staff (000 art. 17; 001 §7.3); your token names no such scope."
        )
    fitting = [s for s in mine if _within(wanted, s)]
    if not fitting:
        raise OutsideScope(
            f"The filters ({_describe(wanted)}) reach beyond what you may see ({'; '.join(map(_describe, mine))}): "
            "narrow them or leave them out."
        )
    return fitting


def _within(wanted: access.Scope, scope: access.Scope) -> bool:
    """Whether every person the filters select could lie in ``scope`` (a filter left out takes the scope's)."""
    if scope.region is not None and wanted.region is not None and not regions.within(wanted.region, scope.region):
        return False
    if scope.industry is not None and wanted.industry is not None and wanted.industry != scope.industry:
        return False
    return scope.employer_id is None or wanted.employer_id is None or wanted.employer_id == scope.employer_id


def _describe(scope: access.Scope) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (("region", scope.region), ("industry", scope.industry), ("employer", scope.employer_id))
        if value is not None
    ]
    return ", ".join(parts) or "everything"


# ---- counting ----------------------------------------------------------------------------------------------
def hours(tenths: int) -> Decimal:
    return Decimal(tenths).scaleb(-1)  # 905 -> 90.5, 900 -> 90.0: one decimal place, exactly


@dataclass
class Tally:
    persons: int = 0
    credited: int = 0  # tenths of an hour
    pending: int = 0
    compliant: int = 0

    def add(self, other: "Tally") -> None:
        self.persons += other.persons
        self.credited += other.credited
        self.pending += other.pending
        self.compliant += other.compliant

    def figures(self) -> dict[str, Any]:
        rate = Decimal(self.compliant) / Decimal(self.persons) if self.persons else ZERO
        return {
            "persons": self.persons,
            "hours_credited": hours(self.credited),
            "hours_pending": hours(self.pending),
            "compliant_persons": self.compliant,
            "compliance_rate": rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP),
        }


async def _tally(
    session: AsyncSession, book: PolicyBook, principal: Principal, query: Query, after: Key
) -> dict[Key, Tally]:
    scopes = caller_scopes(principal, query.wanted)
    first = query.from_year
    condition = None
    if isinstance(after, int):
        first = max(first, after + 1)
    elif after is not None:
        condition = repository.after_key(query.group_by, after)
    years = list(range(first, query.to_year + 1))
    if not years:
        return {}
    overrides = await repository.industry_requirements(session, years[0], years[-1])
    requirements: dict[tuple[str, str, str, int], Requirement] = {}
    # The same facts and hours under different keys (employers, say) are one question: answer it once.
    answers: dict[tuple[Any, ...], bool] = {}
    tallies: dict[Key, Tally] = {}
    async for alike in repository.alike_people(
        session, scopes, query.wanted, query.group_by, from_year=years[0], to_year=years[-1], after=condition
    ):
        question = alike[1:8]  # facts, year and credited hours (not the key, the count or the pending hours)
        compliant = answers.get(question)
        if compliant is None:
            facts = (alike.region_code, alike.title_level, alike.industry, alike.year)
            requirement = requirements.get(facts)
            if requirement is None:
                requirement = book.requirement(
                    alike.region_code,
                    TitleLevel(alike.title_level),
                    alike.year,
                    overrides.get((alike.industry, alike.year), ()),
                )
                requirements[facts] = requirement
            credited = by_key(hours(alike.public), hours(alike.professional), hours(alike.public_required))
            compliant = answers[question] = standing(requirement, credited).compliant
        tally = tallies.get(alike.key)
        if tally is None:
            tally = tallies[alike.key] = Tally()
        tally.persons += alike.persons
        tally.credited += (alike.public + alike.professional) * alike.persons
        tally.pending += alike.pending
        if compliant:
            tally.compliant += alike.persons
    return tallies


def _ordered(tallies: dict[Key, Tally]) -> list[tuple[Key, Tally]]:
    # Text by code point (as the cursor's SQL compares it), employer ids by their bytes, no employer last.
    return sorted(tallies.items(), key=lambda item: (item[0] is None, item[0]))


def _row(key: Key, tally: Tally) -> StatisticsRow:
    return StatisticsRow(key=str(key) if isinstance(key, uuid.UUID) else key, **tally.figures())


# ---- use cases ---------------------------------------------------------------------------------------------
async def page(
    session: AsyncSession, book: PolicyBook, principal: Principal, query: Query, *, cursor: str | None, limit: int
) -> StatisticsPage:
    after = decode_cursor(query.group_by, cursor) if cursor is not None else None
    rows = _ordered(await _tally(session, book, principal, query, after))
    total = None
    if cursor is None:
        overall = Tally()
        for _, tally in rows:
            overall.add(tally)
        total = Figures(**overall.figures())
    shown = rows[:limit]
    return StatisticsPage(
        group_by=query.group_by,
        from_year=query.from_year,
        to_year=query.to_year,
        items=[_row(key, tally) for key, tally in shown],
        total=total,
        next_cursor=encode_cursor(query.group_by, shown[-1][0]) if len(rows) > limit else None,
    )


async def export(session: AsyncSession, book: PolicyBook, principal: Principal, query: Query) -> list[StatisticsRow]:
    """Every row, for the CSV export (the rows are per group: small beside the people they count)."""
    return [_row(key, tally) for key, tally in _ordered(await _tally(session, book, principal, query, None))]


# ---- cursors -----------------------------------------------------------------------------------------------
def encode_cursor(group_by: GroupBy, key: Key) -> str:
    # The last key shown; never None (people without an employer come last, so nothing follows them).
    value = str(key) if isinstance(key, uuid.UUID) else key
    raw = json.dumps([group_by.value, value], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(group_by: GroupBy, cursor: str) -> Key:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if kind != group_by.value:
            raise ValueError("a cursor of another grouping")
        if group_by is GroupBy.YEAR:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError("not a year")
            return value
        if not isinstance(value, str) or not value:
            raise ValueError("not a key")
        if group_by is GroupBy.EMPLOYER:
            return uuid.UUID(value)
        if group_by is GroupBy.REGION and not regions.is_code(value):
            raise ValueError("not a region code")
        return value
    except (ValueError, TypeError) as exc:
        raise StatisticsCursorInvalid(
            "The cursor is not one this service gave out for this grouping; start again without it.",
            errors=[{"field": "query.cursor", "in": "query", "code": "invalid_cursor", "message": str(exc)}],
        ) from exc


# ---- CSV -----------------------------------------------------------------------------------------------------
KEY_HEADERS = {
    GroupBy.REGION: "region_code",
    GroupBy.INDUSTRY: "industry",
    GroupBy.EMPLOYER: "employer_id",
    GroupBy.YEAR: "year",
}
FIGURE_COLUMNS = ("persons", "hours_credited", "hours_pending", "compliant_persons", "compliance_rate")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINES_PER_CHUNK = 1000


def csv_filename(query: Query) -> str:
    years = str(query.from_year) if query.from_year == query.to_year else f"{query.from_year}-{query.to_year}"
    return f"statistics-{years}-{query.group_by.value}.csv"


def csv_chunks(query: Query, rows: Iterable[StatisticsRow]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so Excel reads the Chinese right), a header row, then every row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([KEY_HEADERS[query.group_by], *FIGURE_COLUMNS])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.key), *(getattr(row, column) for column in FIGURE_COLUMNS)])
        if count % _LINES_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _cell(key: str | int | None) -> str | int:
    if key is None:
        return ""
    # A spreadsheet would run a text cell that starts like a formula (CSV injection); keep it text.
    if isinstance(key, str) and key.startswith(_FORMULA_STARTS):
        return "'" + key
    return key
