"""Today's date where the records are written: China (UTC+8, no daylight saving)."""

from datetime import UTC, date, datetime, timedelta

CHINA = timedelta(hours=8)


def today_in_china() -> date:
    return (datetime.now(UTC) + CHINA).date()
