"""The credit arithmetic of every activity under every pack, table-driven; each case names the article it
checks. Pure: no database, no registry."""

from decimal import Decimal
from typing import Any

import pytest

from hours.policy.crediting import ActivityInput, CreditRefused, apply_cap, compute
from hours.policy.loader import load_packs, parse_packs
from hours.policy.model import Cap
from hours.policy.resolve import PolicyBook
from hours.units import round_hours
from hours.vocabulary import Activity, Category

BOOK = PolicyBook.default()
HEBEI, XIONGAN_COUNTY = "130102", "130629"
SICHUAN = "510104"
ZHENGZHOU = "410105"  # Henan, outside Kaifeng
KAIFENG_COUNTY = "410221"
GUANGDONG = "440300"  # no pack: the national baseline
P, Q = "professional", "public"


def credit(region: str, category: str, activity: str, year: int = 2026, **measure: Any) -> Decimal:
    industry = measure.pop("industry", "engineering")
    resolved = BOOK.credit_rule(region, Category(category), Activity(activity), year, industry=industry)
    item = ActivityInput(Activity(activity), Category(category), industry=industry, **measure)
    return compute(resolved.rule, item, hour_length=resolved.hour_length, conversion=resolved.conversion).hours


CREDITED = [
    # Hebei 河北 (000)
    pytest.param(HEBEI, P, "exam", {"result": "passed"}, "36", id="000 art. 7(1): exam passed, flat 36 h"),
    pytest.param(HEBEI, P, "exam", {"result": "合格"}, "36", id="000 art. 7(1): 合格 is a pass"),
    pytest.param(HEBEI, P, "advanced_seminar", {"hours": Decimal("24.5")}, "24.5", id="000 art. 7(2): certificate"),
    pytest.param(HEBEI, P, "training", {"days": 3}, "24", id="000 art. 7(3): no hours given, 8 h x 3 days"),
    pytest.param(HEBEI, P, "training", {"days": 3, "hours": Decimal(20)}, "20", id="000 art. 7(3): 20 h taught"),
    pytest.param(HEBEI, P, "training", {"days": 3, "hours": Decimal(30)}, "24", id="000 art. 7(3): 30 h cut to 8/day"),
    pytest.param(HEBEI, P, "university_study", {"months": 4}, "60", id="000 art. 7(4): 15 h x 4 months"),
    pytest.param(HEBEI, P, "online", {"hours": Decimal("12.5")}, "12.5", id="000 art. 7(5): recorded hours"),
    pytest.param(HEBEI, P, "online", {"minutes": 90}, "1.5", id="000 art. 7(5): 90 min at 60 min per hour"),
    pytest.param(HEBEI, Q, "online", {"hours": Decimal(6), "result": "passed"}, "6", id="000 art. 6: public platform"),
    pytest.param(HEBEI, P, "in_unit", {"days": 2}, "8", id="000 art. 7(6): 4 h x 2 days"),
    pytest.param(HEBEI, P, "degree_course", {"courses_passed": 3}, "30", id="000 art. 7(7): 10 h x 3 courses"),
    pytest.param(XIONGAN_COUNTY, P, "training", {"days": 1}, "8", id="000 art. 3/7(3): Xiong'an county is Hebei"),
    # Sichuan 四川 (001 §2.2)
    pytest.param(SICHUAN, P, "online", {"minutes": 135}, "3", id="001 §2.2: 135 min = 3 学时 of 45 min"),
    pytest.param(SICHUAN, P, "online", {"minutes": 100}, "2.2", id="001 §2.2: 100 min / 45 = 2.22 -> 2.2"),
    pytest.param(SICHUAN, Q, "online", {"minutes": 56}, "1.2", id="001 §2.2: 56 min / 45 = 1.244 -> 1.2"),
    pytest.param(SICHUAN, P, "online", {"hours": Decimal(10)}, "10", id="001 §2.2: recorded 学时"),
    pytest.param(SICHUAN, P, "training", {"days": 2, "hours": Decimal(14)}, "14", id="001 §2.2: actual hours"),
    pytest.param(SICHUAN, Q, "advanced_seminar", {"hours": Decimal(40)}, "40", id="001 §2.2: seminar, actual"),
    pytest.param(SICHUAN, P, "self_study", {"characters": 2500}, "2.5", id="001 §2.2: 1 h per 1,000 chars"),
    pytest.param(SICHUAN, P, "self_study", {"characters": 1550}, "1.6", id="001 §2.2: 1.55 h rounds half up"),
    pytest.param(SICHUAN, P, "self_study", {"characters": 1540}, "1.5", id="001 §2.2: 1.54 h rounds down"),
    pytest.param(SICHUAN, P, "publication", {"characters": 2500}, "5", id="001 §2.2: 2 h per 1,000 chars"),
    # Henan 河南 and Kaifeng 开封 (004)
    pytest.param(ZHENGZHOU, Q, "online", {"hours": Decimal(10)}, "10", id="004 §2(1): Henan platform hours"),
    pytest.param(KAIFENG_COUNTY, P, "online", {"hours": Decimal(8)}, "8", id="004 §2(1): Kaifeng inherits Henan"),
    pytest.param(
        KAIFENG_COUNTY,
        Q,
        "training",
        {"days": 2, "hours": Decimal(12), "result": "passed"},
        "12",
        id="004 §2(2): face-to-face, passed, reported hours",
    ),
]


@pytest.mark.parametrize(("region", "category", "activity", "measure", "expected"), CREDITED)
def test_credited_hours(region: str, category: str, activity: str, measure: dict[str, Any], expected: str) -> None:
    assert credit(region, category, activity, **measure) == Decimal(expected)


REFUSED = [
    pytest.param(HEBEI, P, "exam", {"result": "failed"}, "not_passed", id="000 art. 7(1): a failed exam"),
    pytest.param(HEBEI, P, "exam", {}, "not_passed", id="000 art. 7(1): an exam without result"),
    pytest.param(HEBEI, Q, "online", {"hours": Decimal(6)}, "not_passed", id="000 art. 6: public needs the exam"),
    pytest.param(HEBEI, Q, "training", {"days": 2}, "no_rule", id="000 art. 6: public only on the platform"),
    pytest.param(HEBEI, P, "self_study", {"characters": 3000}, "no_rule", id="000 art. 7: no self-study rule"),
    pytest.param(HEBEI, P, "publication", {"characters": 3000}, "no_rule", id="000 art. 7: no publication rule"),
    pytest.param(HEBEI, P, "credits", {"credits": Decimal(4)}, "no_credit_conversion", id="000 art. 8: none published"),
    pytest.param(SICHUAN, P, "exam", {"result": "passed"}, "no_rule", id="001 §2.2: no flat exam credit"),
    pytest.param(SICHUAN, P, "university_study", {"months": 2}, "no_rule", id="001 §2.2: actual time, not months"),
    pytest.param(SICHUAN, P, "in_unit", {"days": 2}, "no_rule", id="001 §2.2: no per-day in-unit credit"),
    pytest.param(SICHUAN, P, "degree_course", {"courses_passed": 2}, "no_rule", id="001 §2.2: no per-course"),
    pytest.param(SICHUAN, P, "training", {"days": 2}, "measure_missing", id="001 §2.2: training needs hours"),
    pytest.param(ZHENGZHOU, P, "training", {"days": 2, "hours": Decimal(8)}, "no_rule", id="004: Kaifeng's only"),
    pytest.param(
        KAIFENG_COUNTY,
        Q,
        "training",
        {"days": 2, "hours": Decimal(12), "result": "absent"},
        "not_passed",
        id="004 §2(2): not passed",
    ),
    pytest.param(
        KAIFENG_COUNTY,
        Q,
        "training",
        {"days": 2, "result": "passed"},
        "measure_missing",
        id="004 §2(2): the base reports hours",
    ),
    pytest.param(KAIFENG_COUNTY, P, "exam", {"result": "passed"}, "no_rule", id="004: no exam credit"),
    pytest.param(GUANGDONG, P, "online", {"hours": Decimal(5)}, "no_rule", id="RULES.md §3: national, no crediting"),
    pytest.param(HEBEI, P, "training", {"days": 2, "year": 2018}, "no_rule", id="000 in force from 2019"),
]


@pytest.mark.parametrize(("region", "category", "activity", "measure", "code"), REFUSED)
def test_refused_with_a_reason(region: str, category: str, activity: str, measure: dict[str, Any], code: str) -> None:
    with pytest.raises(CreditRefused) as refused:
        credit(region, category, activity, **measure)
    assert refused.value.code == code
    assert refused.value.detail  # a reason a clerk can read


def test_a_missing_rule_names_what_the_jurisdiction_does_credit() -> None:
    with pytest.raises(CreditRefused, match="Sichuan credits the actual learning time"):
        credit(SICHUAN, P, "exam", result="passed")


def test_credits_convert_by_the_industry_table_when_one_is_published() -> None:
    # 000 art. 8: the industry's own rate, added to the pack as data.
    files = {p.name: p.read_text(encoding="utf-8") for p in _pack_paths()}
    files["130000.toml"] += (
        '\n[[credit_conversion]]\nindustry = "health"\nhours_per_credit = 2.5\n'
        'source = "joint notice of the health authority (000 art. 8)"\neffective_from = 2020\n'
    )
    book = PolicyBook(parse_packs(files))
    resolved = book.credit_rule(HEBEI, Category.PROFESSIONAL, Activity.CREDITS, 2026, industry="health")
    item = ActivityInput(Activity.CREDITS, Category.PROFESSIONAL, credits=Decimal(3), industry="health")
    computed = compute(resolved.rule, item, conversion=resolved.conversion)
    assert computed.hours == Decimal("7.5")
    assert "2.5 h/credit" in computed.arithmetic
    other = book.credit_rule(HEBEI, Category.PROFESSIONAL, Activity.CREDITS, 2026, industry="finance")
    assert other.conversion is None


# ---- yearly caps across records ----------------------------------------------------------------------------
CAPS = [
    pytest.param(HEBEI, "university_study", {"months": 4}, "0", "60", "0", id="000 art. 7(4): first 60 h fit"),
    pytest.param(HEBEI, "university_study", {"months": 4}, "60", "30", "30", id="000 art. 7(4): 60 + 60 > 90"),
    pytest.param(HEBEI, "university_study", {"months": 1}, "90", "0", "15", id="000 art. 7(4): cap already full"),
    pytest.param(SICHUAN, "publication", {"characters": 5000}, "45", "5", "5", id="001 §2.2: shared 50 h"),
    pytest.param(SICHUAN, "self_study", {"characters": 3000}, "48.5", "1.5", "1.5", id="001 §2.2: 1.5 h left"),
]


@pytest.mark.parametrize(("region", "activity", "measure", "used", "expected", "cut"), CAPS)
def test_yearly_caps_count_what_the_year_already_holds(
    region: str, activity: str, measure: dict[str, Any], used: str, expected: str, cut: str
) -> None:
    resolved = BOOK.credit_rule(region, Category.PROFESSIONAL, Activity(activity), 2026)
    computed = compute(resolved.rule, ActivityInput(Activity(activity), Category.PROFESSIONAL, **measure))
    credited = apply_cap(computed, resolved.cap, Decimal(used))
    assert credited.hours == Decimal(expected)
    assert credited.cap is not None
    assert credited.cap.cut == Decimal(cut)
    explanation = credited.explanation(resolved.rule, resolved.jurisdiction.id)
    assert explanation["cap"]["cut"] == float(cut)
    assert ("h cut" in explanation["arithmetic"]) == (Decimal(cut) > 0)


def test_self_study_and_publications_share_one_cap_group() -> None:
    # 001 §2.2: 自学的学时和发表出版作品计算的学时累计不得超过50学时.
    study = BOOK.credit_rule(SICHUAN, Category.PROFESSIONAL, Activity.SELF_STUDY, 2026)
    publication = BOOK.credit_rule(SICHUAN, Category.PROFESSIONAL, Activity.PUBLICATION, 2026)
    assert study.cap is not None
    assert publication.cap is not None
    assert study.cap.group == publication.cap.group
    assert study.cap.hours == Decimal(50)


def test_a_cap_never_credits_below_zero() -> None:
    cap = Cap("x.c", "c", Decimal(10), "test", 2020)
    resolved = BOOK.credit_rule(HEBEI, Category.PROFESSIONAL, Activity.UNIVERSITY_STUDY, 2026)
    computed = compute(resolved.rule, ActivityInput(Activity.UNIVERSITY_STUDY, Category.PROFESSIONAL, months=1))
    assert apply_cap(computed, cap, Decimal(25)).hours == Decimal(0)


# ---- explanation -----------------------------------------------------------------------------------------------
def test_every_credit_explains_rule_source_inputs_and_arithmetic() -> None:
    resolved = BOOK.credit_rule(HEBEI, Category.PROFESSIONAL, Activity.TRAINING, 2026)
    computed = compute(
        resolved.rule, ActivityInput(Activity.TRAINING, Category.PROFESSIONAL, days=3, hours=Decimal(30))
    )
    explanation = apply_cap(computed, resolved.cap, Decimal(0)).explanation(resolved.rule, "130000")
    assert explanation["rule"] == "130000.training"
    assert explanation["source"] == "000 art. 7(3)"
    assert explanation["inputs"] == {"days": 3, "hours": 30}
    assert explanation["arithmetic"] == "min(30 h taught, 8 h/day × 3 days = 24 h) = 24 h (the 8 h/day limit cut 6 h)"
    assert explanation["hours"] == 24


def test_minutes_explain_the_45_minute_hour() -> None:
    resolved = BOOK.credit_rule(SICHUAN, Category.PROFESSIONAL, Activity.ONLINE, 2026)
    item = ActivityInput(Activity.ONLINE, Category.PROFESSIONAL, minutes=100)
    computed = compute(resolved.rule, item, hour_length=resolved.hour_length)
    assert "100 min ÷ 45 min per 学时" in computed.arithmetic
    assert "2.222… h, rounded to one decimal place, half up: 2.2 h" in computed.arithmetic


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [("2.25", "2.3"), ("2.24", "2.2"), ("0.05", "0.1"), ("0.04", "0.0"), ("7.95", "8.0"), ("36", "36.0")],
)
def test_hours_round_half_up_to_one_decimal(raw: str, rounded: str) -> None:
    assert round_hours(Decimal(raw)) == Decimal(rounded)
    assert str(round_hours(Decimal(raw))) == rounded


def _pack_paths() -> list[Any]:
    from hours.policy.loader import PACKS_DIR

    assert load_packs(PACKS_DIR)  # the shipped packs load
    return sorted(PACKS_DIR.glob("*.toml"))
