"""A person's rules, resolved from their region: the most specific pack first (county → city → province →
national, ``regions.ancestors``), each key and each activity taken from the first pack that has a rule in
force that year. Industry authorities' higher requirements are applied on top (the higher applies, 001 §2.2)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import TypeVar

from hours import regions
from hours.policy.crediting import CreditRefused
from hours.policy.loader import NATIONAL, load_packs
from hours.policy.model import (
    REQUIREMENT_KEYS,
    Cap,
    CreditConversion,
    CreditRule,
    HourLength,
    Pack,
    RequirementRule,
)
from hours.units import ONE_PLACE
from hours.vocabulary import Activity, Category, TitleLevel


@dataclass(frozen=True, eq=False)
class ResolvedRule:
    """Everything the credit arithmetic needs for one record. The book makes one per resolution and keeps it, so
    it is compared and hashed by identity: the intake keys its batch's arithmetic by it."""

    rule: CreditRule
    pack: Pack  # the pack that holds the rule
    jurisdiction: Pack  # the person's most specific pack
    hour_length: HourLength | None
    cap: Cap | None
    conversion: CreditConversion | None


@dataclass(frozen=True)
class IndustryRequirement:
    """A higher requirement an industry authority set for its industry (001 §2.2), within ``region_code``
    (``regions.NATIONAL`` for the whole country)."""

    industry: str
    year: int
    region_code: str
    total: Decimal | None
    public: Decimal | None
    professional: Decimal | None
    public_required: Decimal | None
    source: str

    def value(self, key: str) -> Decimal | None:
        value: Decimal | None = getattr(self, key)
        return value


@dataclass(frozen=True)
class RequiredHours:
    hours: Decimal | None  # None: the jurisdiction does not constrain this key
    source: str | None


@dataclass(frozen=True)
class Requirement:
    jurisdiction: str
    values: Mapping[str, RequiredHours]

    def hours(self, key: str) -> Decimal | None:
        return self.values[key].hours


class PolicyBook:
    """All packs, loaded and checked once."""

    def __init__(self, packs: Mapping[str, Pack]) -> None:
        self.packs = dict(packs)
        # Packs never change once loaded, so a resolution is a pure function of its arguments; a batch asks the
        # same few questions hundreds of times.
        self._credit_rules: dict[tuple[str, Category, Activity, int, str | None], ResolvedRule] = {}
        # The same for requirements, which every compliance read asks (resolving one cost it 16 µs, 5 % of the
        # read). Bounded: the industries' raised requirements are part of the key.
        self._requirements: dict[tuple[str, TitleLevel, int, tuple[IndustryRequirement, ...]], Requirement] = {}

    @classmethod
    def default(cls, extra: Path | None = None) -> "PolicyBook":
        return cls(load_packs(extra=extra))

    # ---- the chain ---------------------------------------------------------------------------------------
    def jurisdiction(self, region_code: str) -> Pack:
        code = next((c for c in regions.ancestors(region_code) if c in self.packs), NATIONAL)
        return self.packs[code]

    def chain(self, region_code: str) -> list[Pack]:
        """The person's packs, most specific first, ending with the national baseline."""
        pack: Pack | None = self.jurisdiction(region_code)
        chain = []
        while pack is not None:
            chain.append(pack)
            pack = self.packs[pack.extends] if pack.extends is not None else None
        return chain

    # ---- crediting -----------------------------------------------------------------------------------------
    def credit_rule(
        self, region_code: str, category: Category, activity: Activity, year: int, *, industry: str | None = None
    ) -> ResolvedRule:
        key = (region_code, category, activity, year, industry)
        resolved = self._credit_rules.get(key)
        if resolved is None:
            resolved = self._credit_rules[key] = self._resolve_credit_rule(*key)
        return resolved

    def _resolve_credit_rule(
        self, region_code: str, category: Category, activity: Activity, year: int, industry: str | None
    ) -> ResolvedRule:
        chain = self.chain(region_code)
        for pack in chain:
            rule = _in_force(
                [r for r in pack.credit_rules if r.activity == activity and category in r.categories], year
            )
            if rule is None:
                continue
            cap = _first_in_force(chain, year, _caps_for(rule.cap)) if rule.cap is not None else None
            conversion = None
            if industry is not None:
                conversion = _first_in_force(chain, year, _conversions_for(industry))
            return ResolvedRule(
                rule=rule,
                pack=pack,
                jurisdiction=chain[0],
                hour_length=_first_in_force(chain, year, lambda p: list(p.hour_lengths)),
                cap=cap,
                conversion=conversion,
            )
        here = chain[0]
        note = next((p.crediting_note for p in chain if p.crediting_note), "")
        raise CreditRefused(
            "no_rule",
            f"{here.name} ({here.id}) has no rule crediting '{activity}' in {category} subjects for {year}. {note}",
        )

    # ---- requirements --------------------------------------------------------------------------------------
    def requirement(
        self,
        region_code: str,
        title_level: TitleLevel,
        year: int,
        industry_requirements: Sequence[IndustryRequirement] = (),
    ) -> Requirement:
        key = (region_code, title_level, year, tuple(industry_requirements))
        found = self._requirements.get(key)
        if found is None:
            if len(self._requirements) >= _REMEMBERED_REQUIREMENTS:
                self._requirements.clear()
            found = self._requirements[key] = self._resolve_requirement(*key)
        return found

    def _resolve_requirement(
        self,
        region_code: str,
        title_level: TitleLevel,
        year: int,
        industry_requirements: Sequence[IndustryRequirement],
    ) -> Requirement:
        chain = self.chain(region_code)
        rules: dict[str, RequirementRule | None] = {
            key: _first_in_force(chain, year, _requirements_for(key)) for key in REQUIREMENT_KEYS
        }
        inside = set(regions.ancestors(region_code)) | {regions.NATIONAL}
        overrides = [r for r in industry_requirements if r.year == year and r.region_code in inside]

        values: dict[str, RequiredHours] = {}
        values["total"] = _higher(_fixed(rules["total"], title_level), overrides, "total")
        for key in REQUIREMENT_KEYS[1:]:
            rule = rules[key]
            if rule is not None and rule.fraction_of_total is not None:
                total = values["total"].hours
                base = (
                    RequiredHours(_share(total, rule), rule.source) if total is not None else RequiredHours(None, None)
                )
            else:
                base = _fixed(rule, title_level)
            values[key] = _higher(base, overrides, key)
        return Requirement(jurisdiction=chain[0].id, values=values)


_REMEMBERED_REQUIREMENTS = 10_000  # regions x titles x years in use; past it the cache starts over
T = TypeVar("T", CreditRule, RequirementRule, Cap, HourLength, CreditConversion)


def _in_force(candidates: Sequence[T], year: int) -> T | None:
    """The version in force in ``year``: the latest that took effect on or before it."""
    usable = [c for c in candidates if c.effective_from <= year]
    return max(usable, key=lambda c: c.effective_from) if usable else None


def _first_in_force(chain: Sequence[Pack], year: int, pick: Callable[[Pack], Sequence[T]]) -> T | None:
    for pack in chain:
        found = _in_force(pick(pack), year)
        if found is not None:
            return found
    return None


def _caps_for(group: str) -> Callable[[Pack], Sequence[Cap]]:
    def pick(pack: Pack) -> Sequence[Cap]:
        return [c for c in pack.caps if c.group == group]

    return pick


def _conversions_for(industry: str) -> Callable[[Pack], Sequence[CreditConversion]]:
    def pick(pack: Pack) -> Sequence[CreditConversion]:
        return [c for c in pack.conversions if c.industry == industry]

    return pick


def _requirements_for(key: str) -> Callable[[Pack], Sequence[RequirementRule]]:
    def pick(pack: Pack) -> Sequence[RequirementRule]:
        return [r for r in pack.requirements if r.key == key]

    return pick


def _fixed(rule: RequirementRule | None, title_level: TitleLevel) -> RequiredHours:
    if rule is None:
        return RequiredHours(None, None)
    if rule.by_title is not None:
        return RequiredHours(rule.by_title[title_level], f"{rule.source} ({title_level} title)")
    return RequiredHours(rule.hours, rule.source)


def _share(total: Decimal, rule: RequirementRule) -> Decimal:
    # "At least 2/3": rounded up to the tenth, so meeting the rounded figure always meets the share.
    assert rule.fraction_of_total is not None
    exact = total * rule.fraction_of_total.numerator / rule.fraction_of_total.denominator
    return exact.quantize(ONE_PLACE, rounding=ROUND_CEILING)


def _higher(base: RequiredHours, overrides: Sequence[IndustryRequirement], key: str) -> RequiredHours:
    best = base
    for override in overrides:
        value = override.value(key)
        if value is not None and (best.hours is None or value > best.hours):
            where = "nationally" if override.region_code == regions.NATIONAL else f"in {override.region_code}"
            best = RequiredHours(
                value, f"industry requirement for {override.industry} {where}: {override.source} (001 §2.2)"
            )
    return best
