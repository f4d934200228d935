"""Hours (学时) as the platform writes them: a ``Decimal`` with at most one decimal place.

Every computed amount is rounded once, to one decimal place, **half up** (2.25 → 2.3, 2.24 → 2.2): the
rounding people learn at school, and the one a person checking an explanation by hand expects. Inputs that
already carry more than one decimal place are refused at the door rather than silently rounded.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

ONE_PLACE = Decimal("0.1")
ZERO = Decimal("0.0")
ROUNDING_NOTE = "rounded to one decimal place, half up"


def round_hours(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """``24.0`` → ``"24"``, ``2.5`` → ``"2.5"``: how numbers read in an explanation's arithmetic."""
    normalized = value.normalize()
    return f"{normalized:f}" if normalized != normalized.to_integral() else str(int(normalized))


def as_json_number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral() else float(value)


# JSON numbers on the wire (not strings); one decimal place at most on the way in.
Hours = Annotated[
    Decimal,
    Field(ge=0, max_digits=7, decimal_places=1),
    PlainSerializer(float, return_type=float, when_used="json"),
]
PositiveHours = Annotated[
    Decimal,
    Field(gt=0, max_digits=7, decimal_places=1),
    PlainSerializer(float, return_type=float, when_used="json"),
]
SignedHours = Annotated[
    Decimal,
    Field(max_digits=7, decimal_places=1),
    PlainSerializer(float, return_type=float, when_used="json"),
]
