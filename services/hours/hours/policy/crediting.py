"""The credit arithmetic: pure functions from a record's measure and a resolved rule to hours with their
explanation. No I/O; every number a person sees can be re-done by hand from the explanation.

Two steps, because the second needs what the year already holds:

1. ``compute``: the rule's own arithmetic (36 h flat, ≤ 8 h a day, 15 h a month, minutes → 学时, …), rounded
   once to one decimal place, half up (``hours.units``);
2. ``apply_cap``: a yearly ceiling shared across records (Hebei university study ≤ 90 h, 000 art. 7(4);
   Sichuan self-study and publications together ≤ 50 h, 001 §2.2), applied against the hours the person already
   holds in that cap's group that year — credited and still pending alike, so certifying later can never
   push the year over the cap.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from hours.policy.model import Cap, CreditConversion, CreditRule, HourLength, Method
from hours.units import ROUNDING_NOTE, ZERO, as_json_number, fmt, round_hours
from hours.vocabulary import PASS_RESULTS, Activity, Category

THOUSAND = Decimal(1000)


class CreditRefused(Exception):
    """The record cannot be credited under the rules; ``code`` is stable, ``detail`` says why and what to do."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ActivityInput:
    """A record's activity and its measure, as the credit arithmetic reads it."""

    activity: Activity
    category: Category
    days: int | None = None
    hours: Decimal | None = None
    minutes: int | None = None
    months: int | None = None
    courses_passed: int | None = None
    characters: int | None = None
    credits: Decimal | None = None
    result: str | None = None
    industry: str | None = None

    def measures(self) -> dict[str, Any]:
        names = ("days", "hours", "minutes", "months", "courses_passed", "characters", "credits")
        return {n: _json(getattr(self, n)) for n in names if getattr(self, n) is not None}


@dataclass(frozen=True)
class Computed:
    """Step 1: the rule's hours before any yearly cap."""

    hours: Decimal
    arithmetic: str
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CapCut:
    cap_id: str
    group: str
    limit: Decimal
    source: str
    used_before: Decimal
    available: Decimal
    cut: Decimal


@dataclass(frozen=True)
class Credit:
    """Step 2: the hours this record brings, with what a cap took away."""

    hours: Decimal
    computed: Computed
    cap: CapCut | None

    def explanation(self, rule: CreditRule, jurisdiction: str) -> dict[str, Any]:
        arithmetic = self.computed.arithmetic
        cap: dict[str, Any] | None = None
        if self.cap is not None:
            c = self.cap
            cap = {
                "id": c.cap_id,
                "group": c.group,
                "limit": _json(c.limit),
                "source": c.source,
                "used_before": _json(c.used_before),
                "available": _json(c.available),
                "cut": _json(c.cut),
            }
            if c.cut > 0:
                arithmetic += (
                    f"; yearly cap {fmt(c.limit)} h ({c.source}): {fmt(c.used_before)} h already held, "
                    f"{fmt(c.available)} h left, {fmt(c.cut)} h cut → {fmt(self.hours)} h"
                )
        return {
            "rule": rule.id,
            "source": rule.source,
            "jurisdiction": jurisdiction,
            "method": str(rule.method),
            "inputs": self.computed.inputs,
            "arithmetic": arithmetic,
            "uncapped_hours": _json(self.computed.hours),
            "cap": cap,
            "hours": _json(self.hours),
            "rounding": ROUNDING_NOTE,
        }


def compute(
    rule: CreditRule,
    item: ActivityInput,
    *,
    hour_length: HourLength | None = None,
    conversion: CreditConversion | None = None,
) -> Computed:
    """Step 1. Raises ``CreditRefused`` when the rule cannot credit this record as given."""
    inputs = item.measures()
    if rule.requires_pass:
        inputs["result"] = item.result
        if item.result is None or item.result.strip().casefold() not in PASS_RESULTS:
            raise CreditRefused(
                "not_passed",
                f"{rule.source} credits this activity only once passed: give a passing `result` "
                f"(one of {', '.join(sorted(PASS_RESULTS))}), got {item.result!r}.",
            )
    method = rule.method
    if method is Method.FLAT:
        assert rule.hours is not None
        return Computed(rule.hours, f"{item.activity} passed: flat {fmt(rule.hours)} h", inputs)
    if method is Method.AS_RECORDED:
        return _as_recorded(rule, item, hour_length, inputs)
    if method is Method.PER_DAY_MAX:
        return _per_day_max(rule, _need(rule, item.days, "days"), item.hours, inputs)
    if method is Method.CREDIT_CONVERSION:
        return _converted(rule, item, conversion, inputs)
    rate = rule.rate
    assert rate is not None
    if method is Method.PER_DAY:
        days = _need(rule, item.days, "days")
        return _product(rate, "h/day", days, ("day", "days"), inputs)
    if method is Method.PER_MONTH:
        months = _need(rule, item.months, "months")
        return _product(rate, "h/month", months, ("month", "months"), inputs)
    if method is Method.PER_COURSE:
        courses = _need(rule, item.courses_passed, "courses_passed")
        return _product(rate, "h/course", courses, ("course passed", "courses passed"), inputs)
    if method is Method.PER_THOUSAND_CHARACTERS:
        characters = _need(rule, item.characters, "characters")
        exact = rate * characters / THOUSAND
        hours = round_hours(exact)
        text = f"{fmt(rate)} h per 1,000 characters × {characters:,} characters = {_exact(exact, hours)}"
        return Computed(hours, text, inputs)
    raise AssertionError(f"unhandled method {method}")  # pragma: no cover - the loader admits no other


def apply_cap(computed: Computed, cap: Cap | None, used_before: Decimal) -> Credit:
    """Step 2: at most what is left of ``cap`` after ``used_before`` (the group's live hours that year)."""
    if cap is None:
        return Credit(computed.hours, computed, None)
    available = max(ZERO, cap.hours - used_before)
    hours = min(computed.hours, available)
    cut = CapCut(cap.id, cap.group, cap.hours, cap.source, used_before, available, computed.hours - hours)
    return Credit(hours, computed, cut)


# ---- methods ---------------------------------------------------------------------------------------------
def _as_recorded(
    rule: CreditRule, item: ActivityInput, hour_length: HourLength | None, inputs: dict[str, Any]
) -> Computed:
    if item.hours is not None:
        return Computed(item.hours, f"{fmt(item.hours)} h as recorded", inputs)
    if item.minutes is not None:
        minutes_per_hour = hour_length.minutes if hour_length is not None else 60
        source = hour_length.source if hour_length is not None else "a clock hour"
        inputs["minutes_per_hour"] = minutes_per_hour
        exact = Decimal(item.minutes) / minutes_per_hour
        hours = round_hours(exact)
        text = f"{item.minutes:,} min ÷ {minutes_per_hour} min per 学时 ({source}) = {_exact(exact, hours)}"
        return Computed(hours, text, inputs)
    detail = rule.note or "the hours actually studied are needed"
    raise CreditRefused("measure_missing", f"{rule.source} credits the recorded hours: give `hours` ({detail}).")


def _per_day_max(rule: CreditRule, days: int, taught: Decimal | None, inputs: dict[str, Any]) -> Computed:
    assert rule.rate is not None
    ceiling = rule.rate * days
    limit = f"{fmt(rule.rate)} h/day × {days} day{'s' if days != 1 else ''} = {fmt(ceiling)} h"
    if taught is None:
        return Computed(ceiling, f"{limit} (no hours taught given: the daily maximum)", inputs)
    if taught <= ceiling:
        return Computed(taught, f"min({fmt(taught)} h taught, {limit}) = {fmt(taught)} h", inputs)
    text = (
        f"min({fmt(taught)} h taught, {limit}) = {fmt(ceiling)} h "
        f"(the {fmt(rule.rate)} h/day limit cut {fmt(taught - ceiling)} h)"
    )
    return Computed(ceiling, text, inputs)


def _converted(
    rule: CreditRule, item: ActivityInput, conversion: CreditConversion | None, inputs: dict[str, Any]
) -> Computed:
    credits = _need(rule, item.credits, "credits")
    if conversion is None:
        raise CreditRefused(
            "no_credit_conversion",
            f"The industry {item.industry!r} has published no credit→hour conversion that applies here "
            f"({rule.source}); credits cannot be counted as hours until it does.",
        )
    inputs["hours_per_credit"] = _json(conversion.hours_per_credit)
    exact = conversion.hours_per_credit * credits
    hours = round_hours(exact)
    text = (
        f"{fmt(conversion.hours_per_credit)} h/credit ({conversion.industry}: {conversion.source}) × "
        f"{fmt(credits)} credits = {_exact(exact, hours)}"
    )
    return Computed(hours, text, inputs)


def _product(rate: Decimal, rate_unit: str, count: int, units: tuple[str, str], inputs: dict[str, Any]) -> Computed:
    hours = round_hours(rate * count)
    unit = units[0] if count == 1 else units[1]
    return Computed(hours, f"{fmt(rate)} {rate_unit} × {count} {unit} = {fmt(hours)} h", inputs)


N = TypeVar("N", int, Decimal)


def _need(rule: CreditRule, value: N | None, name: str) -> N:
    if value is None:
        raise CreditRefused("measure_missing", f"{rule.source} credits this activity by `{name}`: give it.")
    return value


def _exact(exact: Decimal, rounded: Decimal) -> str:
    if exact == rounded:
        return f"{fmt(rounded)} h"
    shown = exact.quantize(Decimal("0.001"))
    text = fmt(exact) if shown == exact else fmt(shown) + "…"
    return f"{text} h, {ROUNDING_NOTE}: {fmt(rounded)} h"


def _json(value: Decimal | int | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return as_json_number(value)
