"""What a policy pack says, as immutable values. Every rule names its ``source`` (seed file + article) and the
first calendar year it applies to (``effective_from``)."""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from hours.vocabulary import Activity, Category, TitleLevel

REQUIREMENT_KEYS = ("total", "public", "professional", "public_required")


class Method(StrEnum):
    """How a crediting rule turns an activity's measure into hours."""

    FLAT = "flat"  # a fixed amount (exam: 36 h, 000 art. 7(1))
    AS_RECORDED = "as_recorded"  # the hours recorded by the system or the certificate (minutes converted)
    PER_DAY = "per_day"  # rate × days (in-unit study: 4 h/day, 000 art. 7(6))
    PER_DAY_MAX = "per_day_max"  # the hours taught, at most rate × days (training: ≤ 8 h/day, 000 art. 7(3))
    PER_MONTH = "per_month"  # rate × months (university study: 15 h/month, 000 art. 7(4))
    PER_COURSE = "per_course"  # rate × courses passed (degree education: 10 h/course, 000 art. 7(7))
    PER_THOUSAND_CHARACTERS = "per_thousand_characters"  # rate × characters / 1,000 (001 §2.2)
    CREDIT_CONVERSION = "credit_conversion"  # the industry's published credit→hour rate (000 art. 8)


# The measure a method reads; ``as_recorded`` reads ``hours`` or, where the activity has them, ``minutes``.
METHOD_MEASURE: dict[Method, str | None] = {
    Method.FLAT: None,
    Method.AS_RECORDED: "hours",
    Method.PER_DAY: "days",
    Method.PER_DAY_MAX: "days",
    Method.PER_MONTH: "months",
    Method.PER_COURSE: "courses_passed",
    Method.PER_THOUSAND_CHARACTERS: "characters",
    Method.CREDIT_CONVERSION: "credits",
}


@dataclass(frozen=True)
class RequirementRule:
    """One annual requirement: a fixed number of hours, a number per title level, or a share of the total."""

    key: str
    source: str
    effective_from: int
    hours: Decimal | None = None
    by_title: dict[TitleLevel, Decimal] | None = None
    fraction_of_total: Fraction | None = None
    note: str = ""


@dataclass(frozen=True)
class HourLength:
    """How many minutes one 学时 is, where a system records minutes (Sichuan: 45, 001 §2.2)."""

    minutes: int
    source: str
    effective_from: int


@dataclass(frozen=True)
class Cap:
    """A yearly ceiling shared by every record of the activities whose rules name ``group``."""

    id: str
    group: str
    hours: Decimal
    source: str
    effective_from: int


@dataclass(frozen=True)
class CreditRule:
    id: str
    activity: Activity
    categories: frozenset[Category]
    method: Method
    source: str
    effective_from: int
    hours: Decimal | None = None  # the flat amount
    rate: Decimal | None = None  # hours per day / month / course / 1,000 characters
    requires_pass: bool = False
    cap: str | None = None  # the group of a yearly cap
    note: str = ""


@dataclass(frozen=True)
class CreditConversion:
    """An industry's credit→hour rate (学分与学时转换办法, 000 art. 8; 001 §2.2)."""

    industry: str
    hours_per_credit: Decimal
    source: str
    effective_from: int


@dataclass(frozen=True)
class Pack:
    id: str  # the region code, or "national"
    name: str
    extends: str | None
    document: str
    crediting_note: str = ""
    requirements: tuple[RequirementRule, ...] = ()
    hour_lengths: tuple[HourLength, ...] = ()
    caps: tuple[Cap, ...] = ()
    credit_rules: tuple[CreditRule, ...] = ()
    conversions: tuple[CreditConversion, ...] = field(default=())
