"""Pure rules on people: today's date in China, name comparison, dated history. No I/O."""

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")  # no daylight saving since 1991
# Middle dots that separate the parts of transliterated names (e.g. 阿依古丽·买买提): all written one way.
_NAME_DOTS = str.maketrans({"\u00b7": "·", "\u2022": "·", "\u2027": "·", "\u30fb": "·", "\uff65": "·", ".": "·"})


def today(now: datetime | None = None) -> date:
    """The date in China: what "today" means for birth dates and dated changes, whatever the server's zone."""
    return (now or datetime.now(UTC)).astimezone(CHINA_STANDARD_TIME).date()


def normalise_name(name: str) -> str:
    """The form names are compared in: NFKC (full-width letters to half-width), no white space, one kind of
    middle dot, case-insensitive for names in Latin letters (foreign permanent residents)."""
    text = unicodedata.normalize("NFKC", name).translate(_NAME_DOTS)
    return "".join(text.split()).casefold()


def same_name(registered: str, given: str) -> bool:
    # Equal texts normalise alike: most names arrive as registered, and normalising costs a microsecond each.
    return registered == given or normalise_name(registered) == normalise_name(given)


def dated_change_problem(*, current_since: date | None, since: date, today: date, unchanged: bool) -> str | None:
    """Why a dated change (a new employment, a new title level) cannot follow the current one, or None.

    Changes are appended in date order: a change takes effect after the current one began, not in the future
    (it is recorded once it has happened), and must change something.
    """
    if since > today:
        return f"{since.isoformat()} is in the future: record a change once it has happened."
    if current_since is not None and since <= current_since:
        return f"The current entry began on {current_since.isoformat()}; a change must take effect after that."
    if unchanged:
        return "This is already the current value."
    return None
