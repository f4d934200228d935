"""ID numbers (GB 11643-1999, ISO 7064 MOD 11-2) and unified social credit codes (GB 32100-2015)."""

from datetime import date

import pytest

from cekit.identifiers import (
    CreditCodeError,
    IdNumberError,
    IdNumberKind,
    id_check_character,
    normalise_credit_code,
    normalise_id_number,
    parse_id_number,
)

TODAY = date(2026, 11, 23)


def with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


def test_the_standards_own_example_is_valid() -> None:
    # The worked example of GB 11643-1999: a woman born 1949-12-31 in Chaoyang, Beijing.
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "female"
    assert parsed.kind is IdNumberKind.RESIDENT


@pytest.mark.parametrize(
    ("raw", "number", "kind", "sex"),
    [
        pytest.param("11010519491231002x", "11010519491231002X", IdNumberKind.RESIDENT, "female", id="lower-case-x"),
        pytest.param(" 11010519491231002X ", "11010519491231002X", IdNumberKind.RESIDENT, "female", id="spaces"),
        pytest.param("110105491231002", "11010519491231002X", IdNumberKind.RESIDENT, "female", id="15-digit"),
        pytest.param(with_check("81000019900101001"), None, IdNumberKind.RESIDENCE_PERMIT, "male", id="hong-kong-81"),
        pytest.param(with_check("82000019900101002"), None, IdNumberKind.RESIDENCE_PERMIT, "female", id="macao-82"),
        pytest.param(with_check("83000019900101003"), None, IdNumberKind.RESIDENCE_PERMIT, "male", id="taiwan-83"),
        pytest.param(with_check("93115619850614001"), None, IdNumberKind.PERMANENT_RESIDENCE, "male", id="9xx"),
        pytest.param(with_check("13250119800101001"), None, IdNumberKind.RESIDENT, "male", id="retired-prefix"),
    ],
)
def test_valid_numbers(raw: str, number: str | None, kind: IdNumberKind, sex: str) -> None:
    parsed = parse_id_number(raw, today=TODAY)
    assert parsed.number == (number or raw.strip().upper())
    assert parsed.kind is kind
    assert parsed.sex == sex


def test_the_15_digit_form_is_converted_and_flagged() -> None:
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert parsed.converted_from_15
    assert parsed.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("110105194912310021", "id_number_bad_check", id="wrong-check"),
        pytest.param(with_check("13010219900230123"), "id_number_bad_date", id="30-february"),
        pytest.param(with_check("13010220300101123"), "id_number_future_birth", id="future-birth"),
        pytest.param(with_check("13010219901301123"), "id_number_bad_date", id="month-13"),
        pytest.param("1101051949123100", "id_number_bad_length", id="16-chars"),
        pytest.param("1101051949123100XX", "id_number_bad_format", id="x-inside"),
        pytest.param("11010519491231002Y", "id_number_bad_format", id="letter-check"),
        pytest.param("11010A491231002", "id_number_bad_format", id="15-with-letter"),
        pytest.param(with_check("01010519491231002"), "id_number_bad_format", id="leading-zero"),
        # Other scripts' digits are digits to str.isdigit(), but not in an ID number (stored apart, or a crash).
        pytest.param("１１０１０５１９４９１２３１００２１", "id_number_bad_format", id="full-width-digits"),
        pytest.param("11010519491231002²", "id_number_bad_format", id="superscript-check"),
    ],
)
def test_invalid_numbers_say_why(raw: str, code: str) -> None:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=TODAY)
    assert caught.value.code == code
    assert raw.strip() not in str(caught.value)  # messages never echo the number (personal information)


def test_born_today_is_accepted_and_tomorrow_is_not() -> None:
    assert parse_id_number(with_check("13010220261123001"), today=TODAY).birth_date == TODAY
    with pytest.raises(IdNumberError):
        parse_id_number(with_check("13010220261124001"), today=TODAY)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("91350100M000100Y43", "91350100M000100Y43", id="enterprise"),
        pytest.param("91350100m000100y43", "91350100M000100Y43", id="lower-case"),
    ],
)
def test_valid_credit_codes(raw: str, expected: str) -> None:
    assert normalise_credit_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("91350100M000100Y44", "credit_code_bad_check", id="wrong-check"),
        pytest.param("91350100M000100X43", "credit_code_bad_org_check", id="wrong-org-check"),
        pytest.param("91350100M0001I0Y43", "credit_code_bad_format", id="letter-I"),
        pytest.param("9135010M000100Y43", "credit_code_bad_length", id="17-chars"),
        pytest.param("913501A0M000100Y43", "credit_code_bad_format", id="letter-in-region"),
    ],
)
def test_invalid_credit_codes_say_why(raw: str, code: str) -> None:
    with pytest.raises(CreditCodeError) as caught:
        normalise_credit_code(raw)
    assert caught.value.code == code


def test_the_check_character_is_the_weighted_sum_of_the_standard() -> None:
    """The fast path (one C call) against GB 11643-1999's arithmetic as written, over many numbers."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for n in range(0, 10**17, 10**17 // 20_011):
        first17 = f"{n:017d}"
        total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
        assert id_check_character(first17) == "10X98765432"[total % 11]


def test_normalising_gives_the_parsed_number_and_the_same_refusals() -> None:
    raw = " 110105491231002 "
    assert normalise_id_number(raw, today=TODAY) == parse_id_number(raw, today=TODAY).number
    with pytest.raises(IdNumberError) as caught:
        normalise_id_number("110105194912310021", today=TODAY)
    assert caught.value.code == "id_number_bad_check"
