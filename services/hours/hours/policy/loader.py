"""Reads the policy packs (``packs/<id>.toml``) into ``Pack`` values and refuses a pack that is not sound:
unknown keys, a rule without its source or year, a method without its parameter, two rules for the same
activity, category and year, a cap group nobody defines, a parent pack that does not exist."""

import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from hours import regions
from hours.policy.model import (
    METHOD_MEASURE,
    REQUIREMENT_KEYS,
    Cap,
    CreditConversion,
    CreditRule,
    HourLength,
    Method,
    Pack,
    RequirementRule,
)
from hours.vocabulary import MEASURES, Activity, Category, TitleLevel

PACKS_DIR = Path(__file__).parent / "packs"
NATIONAL = "national"


class PackError(ValueError):
    """A pack file that cannot be trusted; the message names the file and the entry."""


def load_packs(directory: Path = PACKS_DIR, extra: Path | None = None) -> dict[str, Pack]:
    """The shipped packs, plus a deployment's own from ``extra`` (``HOURS_EXTRA_PACKS_DIR``: a province whose
    pack is not shipped yet mounts it there); an extra file may not replace a shipped one."""
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.toml"))}
    if extra is not None:
        for path in sorted(extra.glob("*.toml")):
            if path.name in files:
                raise PackError(f"{path}: a shipped pack has this file name; extra packs add, never replace")
            files[path.name] = path.read_text(encoding="utf-8")
    return parse_packs(files)


def parse_packs(files: Mapping[str, str]) -> dict[str, Pack]:
    """``files``: file name → TOML text. Checks each pack and how they refer to each other."""
    packs: dict[str, Pack] = {}
    for name, text in files.items():
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PackError(f"{name}: not valid TOML: {exc}") from exc
        pack = _pack(name, document)
        if name != f"{pack.id}.toml":
            raise PackError(f"{name}: a pack's file is named after its id ({pack.id}.toml)")
        packs[pack.id] = pack
    _check_references(packs)
    return packs


def _pack(name: str, doc: dict[str, Any]) -> Pack:
    where = name
    lists = {"requirement", "hour_length", "cap", "credit_rule", "credit_conversion"}
    _only(where, doc, {"id", "name", "document"}, {"extends", "crediting_note", *lists})
    pack_id = _str(where, doc, "id")
    if pack_id != NATIONAL and not (regions.is_code(pack_id) and pack_id != regions.NATIONAL):
        raise PackError(f"{where}: id must be a GB/T 2260 region code or 'national'")
    extends = doc.get("extends")
    if pack_id == NATIONAL and extends is not None:
        raise PackError(f"{where}: the national pack extends nothing")
    if pack_id != NATIONAL and not isinstance(extends, str):
        raise PackError(f"{where}: 'extends' names the parent pack (at least 'national')")
    rules = tuple(_credit_rule(f"{where} credit_rule[{i}]", e) for i, e in enumerate(doc.get("credit_rule", [])))
    seen: set[tuple[Activity, Category, int]] = set()
    for rule in rules:
        for category in rule.categories:
            key = (rule.activity, category, rule.effective_from)
            if key in seen:
                raise PackError(f"{where}: two rules for {rule.activity} in {category} from {rule.effective_from}")
            seen.add(key)
    requirements = tuple(_requirement(f"{where} requirement[{i}]", e) for i, e in enumerate(doc.get("requirement", [])))
    _unique(where, "requirement", [(r.key, r.effective_from) for r in requirements])
    caps = tuple(_cap(f"{where} cap[{i}]", pack_id, e) for i, e in enumerate(doc.get("cap", [])))
    _unique(where, "cap", [(c.group, c.effective_from) for c in caps])
    lengths = tuple(_hour_length(f"{where} hour_length[{i}]", e) for i, e in enumerate(doc.get("hour_length", [])))
    _unique(where, "hour_length", [(h.effective_from,) for h in lengths])
    conversions = tuple(
        _conversion(f"{where} credit_conversion[{i}]", e) for i, e in enumerate(doc.get("credit_conversion", []))
    )
    _unique(where, "credit_conversion", [(c.industry, c.effective_from) for c in conversions])
    return Pack(
        id=pack_id,
        name=_str(where, doc, "name"),
        extends=extends if isinstance(extends, str) else None,
        document=_str(where, doc, "document"),
        crediting_note=str(doc.get("crediting_note", "")),
        requirements=requirements,
        hour_lengths=lengths,
        caps=caps,
        credit_rules=rules,
        conversions=conversions,
    )


def _requirement(where: str, e: dict[str, Any]) -> RequirementRule:
    _only(where, e, {"key", "source", "effective_from"}, {"hours", "by_title", "fraction_of_total", "note"})
    key = _str(where, e, "key")
    if key not in REQUIREMENT_KEYS:
        raise PackError(f"{where}: key must be one of {', '.join(REQUIREMENT_KEYS)}")
    forms = [f for f in ("hours", "by_title", "fraction_of_total") if f in e]
    if len(forms) != 1:
        raise PackError(f"{where}: give exactly one of hours, by_title, fraction_of_total")
    by_title = None
    if "by_title" in e:
        table = e["by_title"]
        if not isinstance(table, dict) or set(table) != {t.value for t in TitleLevel}:
            raise PackError(f"{where}: by_title needs a value for every title level ({', '.join(TitleLevel)})")
        by_title = {TitleLevel(t): _hours(where, v) for t, v in table.items()}
    fraction = None
    if "fraction_of_total" in e:
        if key == "total":
            raise PackError(f"{where}: the total cannot be a share of itself")
        try:
            fraction = Fraction(str(e["fraction_of_total"]))
        except (ValueError, ZeroDivisionError) as exc:
            raise PackError(f"{where}: fraction_of_total must read like '2/3'") from exc
        if not 0 < fraction <= 1:
            raise PackError(f"{where}: fraction_of_total must lie in (0, 1]")
    return RequirementRule(
        key=key,
        source=_str(where, e, "source"),
        effective_from=_year(where, e),
        hours=_hours(where, e["hours"]) if "hours" in e else None,
        by_title=by_title,
        fraction_of_total=fraction,
        note=str(e.get("note", "")),
    )


def _credit_rule(where: str, e: dict[str, Any]) -> CreditRule:
    _only(
        where,
        e,
        {"id", "activity", "categories", "method", "source", "effective_from"},
        {"hours", "rate", "requires_pass", "cap", "note"},
    )
    try:
        activity = Activity(_str(where, e, "activity"))
        method = Method(_str(where, e, "method"))
        categories = frozenset(Category(c) for c in e["categories"])
    except ValueError as exc:
        raise PackError(f"{where}: {exc}") from exc
    if not categories:
        raise PackError(f"{where}: name at least one category")
    if method is Method.FLAT and "hours" not in e:
        raise PackError(f"{where}: a flat rule gives its 'hours'")
    needs_rate = method in (
        Method.PER_DAY,
        Method.PER_DAY_MAX,
        Method.PER_MONTH,
        Method.PER_COURSE,
        Method.PER_THOUSAND_CHARACTERS,
    )
    if needs_rate != ("rate" in e):
        raise PackError(f"{where}: method {method} {'needs' if needs_rate else 'takes no'} 'rate'")
    measure = METHOD_MEASURE[method]
    required, optional, one_of = MEASURES[activity]
    if measure is not None and measure not in required | optional | one_of:
        raise PackError(f"{where}: method {method} reads '{measure}', which a {activity} record does not carry")
    requires_pass = e.get("requires_pass", False)
    if not isinstance(requires_pass, bool):
        raise PackError(f"{where}: requires_pass is true or false")
    return CreditRule(
        id=_str(where, e, "id"),
        activity=activity,
        categories=categories,
        method=method,
        source=_str(where, e, "source"),
        effective_from=_year(where, e),
        hours=_hours(where, e["hours"]) if "hours" in e else None,
        rate=_hours(where, e["rate"]) if "rate" in e else None,
        requires_pass=requires_pass,
        cap=str(e["cap"]) if "cap" in e else None,
        note=str(e.get("note", "")),
    )


def _cap(where: str, pack_id: str, e: dict[str, Any]) -> Cap:
    _only(where, e, {"group", "hours", "source", "effective_from"}, set())
    group = _str(where, e, "group")
    return Cap(
        id=f"{pack_id}.{group}",
        group=group,
        hours=_hours(where, e["hours"]),
        source=_str(where, e, "source"),
        effective_from=_year(where, e),
    )


def _hour_length(where: str, e: dict[str, Any]) -> HourLength:
    _only(where, e, {"minutes", "source", "effective_from"}, set())
    minutes = e["minutes"]
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 60:
        raise PackError(f"{where}: minutes is a whole number from 1 to 60")
    return HourLength(minutes=minutes, source=_str(where, e, "source"), effective_from=_year(where, e))


def _conversion(where: str, e: dict[str, Any]) -> CreditConversion:
    _only(where, e, {"industry", "hours_per_credit", "source", "effective_from"}, set())
    return CreditConversion(
        industry=_str(where, e, "industry"),
        hours_per_credit=_hours(where, e["hours_per_credit"]),
        source=_str(where, e, "source"),
        effective_from=_year(where, e),
    )


def _check_references(packs: Mapping[str, Pack]) -> None:
    if NATIONAL not in packs:
        raise PackError("the national pack (national.toml) is missing")
    for pack in packs.values():
        seen = {pack.id}
        parent = pack.extends
        while parent is not None:
            if parent not in packs:
                raise PackError(f"{pack.id}.toml: extends unknown pack {parent!r}")
            if parent in seen:
                raise PackError(f"{pack.id}.toml: packs extend each other in a circle")
            seen.add(parent)
            parent = packs[parent].extends
        if pack.id != NATIONAL:
            # The parent is the next pack up the person's region chain, so both ways of reading the chain agree.
            expected = next((code for code in regions.ancestors(pack.id)[1:] if code in packs), NATIONAL)
            if pack.extends != expected:
                raise PackError(f"{pack.id}.toml: extends {pack.extends}, but the next pack up is {expected}")
        groups = {cap.group for p in _lineage(packs, pack) for cap in p.caps}
        for rule in pack.credit_rules:
            if rule.cap is not None and rule.cap not in groups:
                raise PackError(f"{pack.id}.toml: rule {rule.id} names cap group {rule.cap!r}, defined nowhere")


def _lineage(packs: Mapping[str, Pack], pack: Pack) -> Iterable[Pack]:
    current: Pack | None = pack
    while current is not None:
        yield current
        current = packs[current.extends] if current.extends is not None else None


# ---- small readers ---------------------------------------------------------------------------------------
def _only(where: str, entry: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = required - entry.keys()
    if missing:
        raise PackError(f"{where}: missing {', '.join(sorted(missing))}")
    unknown = entry.keys() - required - optional
    if unknown:
        raise PackError(f"{where}: unknown keys {', '.join(sorted(unknown))}")


def _unique(where: str, what: str, keys: list[tuple[Any, ...]]) -> None:
    if len(keys) != len(set(keys)):
        raise PackError(f"{where}: two {what} entries for the same key and year")


def _str(where: str, entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PackError(f"{where}: '{key}' must be a non-empty string")
    return value


def _year(where: str, entry: dict[str, Any]) -> int:
    value = entry.get("effective_from")
    if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
        raise PackError(f"{where}: effective_from must be a year")
    return value


def _hours(where: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PackError(f"{where}: {value!r} is not a number of hours")
    try:
        hours = Decimal(str(value))
    except InvalidOperation as exc:
        raise PackError(f"{where}: {value!r} is not a number of hours") from exc
    if hours < 0 or hours != hours.quantize(Decimal("0.1")):
        raise PackError(f"{where}: hours are non-negative with at most one decimal place")
    return hours
