"""Structural checks of Chinese identifiers: citizen ID numbers (GB 11643-1999) and unified social credit
codes (GB 32100-2015). Pure functions, no I/O; every service that accepts such an identifier uses these.

An ID number keeps the region code of where it was first issued, so a prefix that is unknown or retired
today is not a reason to refuse it; only the structure, the date and the check character are.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: check character by (sum mod 11)
_LAST_CHARACTERS = frozenset(_ID_CHECK)
_EARLIEST_BIRTH = date(1900, 1, 1)


class IdNumberKind(StrEnum):
    RESIDENT = "resident"  # 居民身份证
    RESIDENCE_PERMIT = "residence_permit"  # 港澳台居民居住证: prefixes 81 (HK), 82 (Macao), 83 (Taiwan)
    PERMANENT_RESIDENCE = "permanent_residence"  # 外国人永久居留身份证 (2023 form): leading 9


class IdNumberError(ValueError):
    """Why an ID number is not valid; the message is safe to show (it never repeats the number)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)  # slots: half the cost of making one (a bulk import makes one a row)
class IdNumber:
    number: str  # always the 18-character form, check character upper case
    kind: IdNumberKind
    birth_date: date
    sex: str  # "male" | "female": the 17th digit, odd for men (GB 11643-1999 §4.3)
    region_prefix: str
    converted_from_15: bool = False


def id_check_character(first17: str) -> str:
    if len(first17) == 17 and _ascii_digits(first17):
        return _ID_CHECK[_ascii_check_total(first17) % 11]
    # Anything else keeps the digit-by-digit arithmetic and its errors (a wrong length, a non-digit).
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _ascii_digits(text: str) -> bool:
    # str.isdigit() alone also takes other scripts' digits (full-width １, Arabic-Indic ١, superscript ²): an ID
    # number of those was stored as a number of its own, or failed with a bare ValueError further on.
    return text.isascii() and text.isdigit()


def _ascii_check_total(first17: str) -> int:
    """The weighted sum of 17 ASCII digits, modulo 11 equal to the one above, in one C call rather than a loop
    of 17 (every ID number of every batch lookup passes here). The weights are 2^(18-i) mod 11 for the i-th
    digit (ISO 7064 MOD 11-2), and 13 = 2 mod 11: read in base 13, the digits sum to d_i * 13^(17-i), which
    is congruent to half the weighted sum. Only for ASCII digits: ``int`` would also take letters, signs,
    underscores and other scripts' digits."""
    return 2 * int(first17, 13)


def _birth_date(text: str, today: date) -> date:
    """``text``: 8 ASCII digits, YYYYMMDD."""
    try:
        born = date.fromisoformat(text)  # in C: a quarter of the cost of three int() calls
    except ValueError:
        raise IdNumberError("id_number_bad_date", "the birth date in the ID number is not a real date") from None
    if born > today:
        raise IdNumberError("id_number_future_birth", "the birth date in the ID number lies in the future")
    if born < _EARLIEST_BIRTH:
        raise IdNumberError("id_number_bad_date", "the birth date in the ID number is before 1900")
    return born


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate and normalise an ID number; 15-digit legacy numbers are converted to 18 characters."""
    text, born, converted = _checked(raw, today or date.today())
    if text[:2] in ("81", "82", "83"):
        kind = IdNumberKind.RESIDENCE_PERMIT
    elif text[0] == "9":
        kind = IdNumberKind.PERMANENT_RESIDENCE
    else:
        kind = IdNumberKind.RESIDENT
    return IdNumber(
        number=text,
        kind=kind,
        birth_date=born,
        sex="male" if int(text[16]) % 2 else "female",
        region_prefix=text[:6],
        converted_from_15=converted,
    )


def normalise_id_number(raw: str, *, today: date | None = None) -> str:
    """The 18-character form of a valid ID number, after the same checks and with the same errors as
    ``parse_id_number``, for callers that need only the number (a batch lookup's blind indexes): building the
    ``IdNumber`` was a third of the cost."""
    return _checked(raw, today or date.today())[0]


def _checked(raw: str, today: date) -> tuple[str, date, bool]:
    """(the 18-character number, the birth date, whether converted from 15 digits), or the IdNumberError."""
    text = raw.strip().upper()
    converted = False
    if len(text) == 15:
        if not _ascii_digits(text):
            raise IdNumberError("id_number_bad_format", "a 15-digit ID number has digits only")
        # Legacy numbers (before 1999) carry a two-digit year of the 1900s and no check character.
        first17 = text[:6] + "19" + text[6:]
        text = first17 + id_check_character(first17)
        converted = True
    if len(text) != 18:
        raise IdNumberError("id_number_bad_length", "an ID number has 18 characters (or 15 digits in the old form)")
    first17 = text[:17]
    if not _ascii_digits(first17) or text[17] not in _LAST_CHARACTERS:
        raise IdNumberError("id_number_bad_format", "an ID number is 17 digits followed by a digit or X")
    if text[0] == "0":
        raise IdNumberError("id_number_bad_format", "an ID number does not start with 0")
    if _ID_CHECK[_ascii_check_total(first17) % 11] != text[17]:
        raise IdNumberError("id_number_bad_check", "the check character of the ID number does not match (typo?)")
    return text, _birth_date(text[6:14], today), converted


# GB 32100-2015: 31 characters, no I, O, Z, S, V (easily misread).
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997 organisation code


class CreditCodeError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def credit_check_character(first17: str) -> str:
    total = sum(_CREDIT_CHARSET.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def organisation_check_character(body8: str) -> str:
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalise_credit_code(raw: str) -> str:
    """Validate a unified social credit code and return it upper-cased."""
    text = raw.strip().upper()
    if len(text) != 18:
        raise CreditCodeError("credit_code_bad_length", "a unified social credit code has 18 characters")
    bad = sorted({ch for ch in text if ch not in _CREDIT_CHARSET})
    if bad:
        raise CreditCodeError(
            "credit_code_bad_format", f"a unified social credit code never contains {', '.join(bad)} (GB 32100-2015)"
        )
    if not text[2:8].isdigit():
        raise CreditCodeError("credit_code_bad_format", "characters 3-8 of a credit code are a region code (digits)")
    if organisation_check_character(text[8:16]) != text[16]:
        raise CreditCodeError(
            "credit_code_bad_org_check", "the embedded organisation code's check character does not match (GB 11714)"
        )
    if credit_check_character(text[:17]) != text[17]:
        raise CreditCodeError("credit_code_bad_check", "the check character of the credit code does not match (typo?)")
    return text
