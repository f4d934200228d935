"""Pure checks of a record's content, before anyone is asked anything: dates, and the measure against the
activity and the date range. Each failure is a stable item code with a detail a clerk can act on."""

from dataclasses import dataclass
from datetime import date

from hours import regions
from hours.catalogue.repository import Course
from hours.errors import ItemCode
from hours.records.schemas import RecordFields
from hours.vocabulary import MEASURE_FIELDS, MEASURES


@dataclass(frozen=True)
class Refusal:
    code: ItemCode
    detail: str


def calendar_days(start: date, end: date) -> int:
    return (end - start).days + 1


def months_spanned(start: date, end: date) -> int:
    """Calendar months the range touches: 2026-01-31 … 2026-02-01 spans 2."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def check_content(record: RecordFields, today: date) -> Refusal | None:
    if record.start_date > record.end_date:
        return Refusal(ItemCode.INVALID_DATES, "start_date is after end_date.")
    if record.end_date > today:
        return Refusal(ItemCode.FUTURE_DATE, f"end_date {record.end_date} is in the future; report learning done.")
    if record.required and record.category != "public":
        return Refusal(ItemCode.REQUIRED_NOT_PUBLIC, "Only public-subject courses are marked required (004 §3).")
    return check_measure(record)


def check_measure(record: RecordFields) -> Refusal | None:
    activity = record.activity  # a plain string equal to its ``Activity`` member, which is what MEASURES is keyed by
    required, optional, one_of = MEASURES[activity]  # type: ignore[index]
    values = record.__dict__
    given = {name for name in MEASURE_FIELDS if values[name] is not None}
    if given != required or one_of:  # the common case (exactly the measure the activity needs) checks nothing more
        if missing := sorted(required - given):
            return Refusal(ItemCode.MEASURE_MISSING, f"A {activity} record needs {', '.join(missing)}.")
        if one_of and len(given & one_of) != 1:
            return Refusal(
                ItemCode.MEASURE_MISSING, f"A {activity} record needs exactly one of {' or '.join(sorted(one_of))}."
            )
        if unexpected := sorted(given - required - optional - one_of):
            takes = ", ".join(sorted(required | optional | one_of)) or "no measure"
            return Refusal(
                ItemCode.MEASURE_UNEXPECTED,
                f"A {activity} record takes {takes}; {', '.join(unexpected)} does not apply.",
            )
    days_in_range = calendar_days(record.start_date, record.end_date)
    if record.days is not None and record.days > days_in_range:
        return Refusal(
            ItemCode.MEASURE_INCONSISTENT,
            f"{record.days} days cannot fit in {record.start_date} … {record.end_date} ({days_in_range} days).",
        )
    spanned = months_spanned(record.start_date, record.end_date)
    if record.months is not None and record.months > spanned:
        return Refusal(
            ItemCode.MEASURE_INCONSISTENT,
            f"{record.months} months cannot fit in {record.start_date} … {record.end_date} ({spanned} months).",
        )
    if record.hours is not None and record.hours > 24 * days_in_range:
        return Refusal(
            ItemCode.MEASURE_INCONSISTENT,
            f"{record.hours} hours cannot fit in {days_in_range} day{'s' if days_in_range != 1 else ''}.",
        )
    if record.days is not None and record.hours is not None and record.hours > 24 * record.days:
        return Refusal(ItemCode.MEASURE_INCONSISTENT, f"{record.hours} hours cannot fit in {record.days} days.")
    if record.minutes is not None and record.minutes > 24 * 60 * days_in_range:
        return Refusal(ItemCode.MEASURE_INCONSISTENT, f"{record.minutes} minutes cannot fit in {days_in_range} days.")
    return None


def apply_course(
    record: RecordFields, course: Course | None, region_code: str, industry: str
) -> RecordFields | Refusal:
    """A record citing a ``course_code``: the course must be in the catalogue of the record's year and apply to the
    person (a public subject published for their region or one containing it, 000 art. 3, 001 §2.1; a professional
    subject of their industry's guide). The course fixes the category and the required (必修) flag (004 §3): a
    record stating another category, or required for an elective, is refused rather than corrected."""
    code, year = record.course_code, record.end_date.year
    if course is None:
        return Refusal(ItemCode.UNKNOWN_COURSE, f"Course {code!r} is not in the {year} subject catalogue.")
    if record.category != course.category:
        return Refusal(
            ItemCode.COURSE_CATEGORY_MISMATCH,
            f"Course {code} is a {course.category} subject; the record says {record.category}.",
        )
    if record.required and not course.required:
        # Claiming required hours the catalogue does not grant; the opposite (required not stated) is just filled in.
        return Refusal(
            ItemCode.COURSE_REQUIRED_MISMATCH, f"Course {code} is not a required (必修) course; the record says it is."
        )
    if course.industry is not None and course.industry != industry:
        return Refusal(
            ItemCode.COURSE_NOT_APPLICABLE,
            f"Course {code} belongs to the {course.industry!r} guide; the person's industry is {industry!r}.",
        )
    if not regions.within(region_code, course.region_code):
        return Refusal(
            ItemCode.COURSE_NOT_APPLICABLE,
            f"Course {code} is published for region {course.region_code}; the person is registered in {region_code}.",
        )
    return record if record.required == course.required else record.model_copy(update={"required": course.required})
