"""Policy packs: the requirements each jurisdiction sets (by title level where it says so), resolution from a
person's region most specific first, industry requirements (the higher applies), and the loader refusing a
pack it cannot trust."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hours import regions
from hours.policy.loader import PACKS_DIR, PackError, load_packs, parse_packs
from hours.policy.resolve import IndustryRequirement, PolicyBook
from hours.vocabulary import TitleLevel

BOOK = PolicyBook.default()
SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted(PACKS_DIR.glob("*.toml"))}


def required(region: str, title: str = "intermediate", year: int = 2026, overrides: Any = ()) -> dict[str, Any]:
    requirement = BOOK.requirement(region, TitleLevel(title), year, overrides)
    return {"jurisdiction": requirement.jurisdiction, **{k: requirement.hours(k) for k in requirement.values}}


def hours(*values: int | None) -> tuple[Decimal | None, ...]:
    return tuple(None if v is None else Decimal(v) for v in values)


REQUIREMENTS = [
    # region, title, jurisdiction, (total, public, professional, public_required)
    pytest.param("130102", "junior", "130000", hours(90, 30, 60, None), id="000 art. 5: Hebei 90/30/60"),
    pytest.param("130629", "senior", "130000", hours(90, 30, 60, None), id="000 art. 3/5: Xiong'an county"),
    pytest.param("510104", "senior", "510000", hours(90, None, 60, None), id="001 §2.2: Sichuan 90, prof 60"),
    pytest.param("410221", "senior", "410200", hours(90, 26, 60, 18), id="004 §3: Kaifeng senior 26"),
    pytest.param("410221", "associate_senior", "410200", hours(90, 26, 60, 18), id="004 §3: associate senior 26"),
    pytest.param("410202", "intermediate", "410200", hours(90, 26, 60, 18), id="004 §3: intermediate 26"),
    pytest.param("410200", "junior", "410200", hours(90, 22, 60, 18), id="004 §3: junior 22"),
    pytest.param("410221", "none", "410200", hours(90, 22, 60, 18), id="004 §3: no title held to junior"),
    pytest.param("410105", "senior", "410000", hours(90, None, 60, None), id="004 §3: Henan outside Kaifeng"),
    pytest.param("440300", "senior", "national", hours(90, None, 60, None), id="RULES.md §3: national 90, 2/3"),
]


@pytest.mark.parametrize(("region", "title", "jurisdiction", "expected"), REQUIREMENTS)
def test_requirements_by_jurisdiction_and_title(
    region: str, title: str, jurisdiction: str, expected: tuple[Decimal | None, ...]
) -> None:
    got = required(region, title)
    assert got["jurisdiction"] == jurisdiction
    assert (got["total"], got["public"], got["professional"], got["public_required"]) == expected


def test_packs_resolve_from_the_county_up() -> None:
    assert [p.id for p in BOOK.chain("410221")] == ["410200", "410000", "national"]
    assert [p.id for p in BOOK.chain("410200")] == ["410200", "410000", "national"]
    assert [p.id for p in BOOK.chain("130629")] == ["130000", "national"]
    assert [p.id for p in BOOK.chain("510104")] == ["510000", "national"]
    assert [p.id for p in BOOK.chain("440300")] == ["national"]


def test_a_rule_applies_only_from_its_effective_year() -> None:
    # Hebei's measures apply from 2019: a 2018 year falls back to the national baseline.
    assert required("130102", year=2018)["jurisdiction"] == "130000"
    assert (required("130102", year=2018)["public"], required("130102", year=2018)["total"]) == (None, Decimal(90))
    assert required("130102", year=2015)["total"] is None  # before the national order's first full year


def industry(total: int | None = None, professional: int | None = None, region: str = regions.NATIONAL) -> Any:
    return IndustryRequirement(
        industry="health",
        year=2026,
        region_code=region,
        total=None if total is None else Decimal(total),
        public=None,
        professional=None if professional is None else Decimal(professional),
        public_required=None,
        source="test notice",
    )


def test_a_higher_industry_requirement_applies() -> None:
    # 001 §2.2: 国家和省行业主管部门规定高于上述学时的，从其规定.
    got = required("510104", overrides=[industry(total=120)])
    assert got["total"] == Decimal(120)
    assert got["professional"] == Decimal(60)  # Sichuan's fixed 60 stays


def test_a_lower_industry_requirement_does_not_lower_the_jurisdictions() -> None:
    assert required("130102", overrides=[industry(total=60, professional=30)])["total"] == Decimal(90)
    assert required("130102", overrides=[industry(total=60, professional=30)])["professional"] == Decimal(60)


def test_a_share_of_the_total_follows_a_raised_total() -> None:
    # National professional ≥ 2/3 of the total: 2/3 of 120 is 80; 2/3 of 100 is 66.67, rounded up to 66.7.
    assert required("440300", overrides=[industry(total=120)])["professional"] == Decimal(80)
    assert required("440300", overrides=[industry(total=100)])["professional"] == Decimal("66.7")


def test_a_remembered_requirement_is_the_one_of_its_own_question() -> None:
    # The book keeps its answers: asking again with other industry requirements, title or year gets their answer.
    assert required("130102")["total"] == Decimal(90)
    assert required("130102", overrides=[industry(total=120)])["total"] == Decimal(120)
    assert required("130102")["total"] == Decimal(90)
    assert required("130102", year=2018)["public"] is None


def test_an_industry_requirement_applies_only_within_its_region() -> None:
    sichuan_only = industry(total=150, region="510000")
    assert required("510104", overrides=[sichuan_only])["total"] == Decimal(150)
    assert required("130102", overrides=[sichuan_only])["total"] == Decimal(90)


def test_every_shipped_rule_names_a_seed_file_article_and_year() -> None:
    packs = load_packs()
    assert set(packs) == {"national", "130000", "510000", "410000", "410200"}
    cites = re.compile(r"^(000 art\. \d+|001 §\d|004 §\d|RULES\.md §3)")
    for pack in packs.values():
        for item in (*pack.requirements, *pack.credit_rules, *pack.caps, *pack.hour_lengths):
            assert cites.match(item.source), (pack.id, item)
            assert 2016 <= item.effective_from <= 2026


BROKEN = [
    pytest.param("130000.toml", ('source = "000 art. 5"\n', ""), "missing source", id="a rule without source"),
    pytest.param("130000.toml", ("rate = 8\n", "rate = 8\nbonus = 1\n"), "unknown keys bonus", id="unknown key"),
    pytest.param("130000.toml", ("rate = 15\n", ""), "needs 'rate'", id="a method without its rate"),
    pytest.param("130000.toml", ('cap = "university_study"', 'cap = "elsewhere"'), "defined nowhere", id="cap"),
    pytest.param("410200.toml", ('extends = "410000"', 'extends = "national"'), "next pack up", id="wrong parent"),
    pytest.param(
        "130000.toml", ('method = "per_month"', 'method = "per_course"'), "reads 'courses_passed'", id="measure"
    ),
    pytest.param(
        "410200.toml", ("junior = 22, none = 22", "junior = 22"), "every title level", id="a title level missing"
    ),
    pytest.param(
        "130000.toml", ('id = "130000.online"', 'id = "130000.online"\nactivity_ = 1'), "unknown keys", id="typo"
    ),
]


@pytest.mark.parametrize(("file", "change", "message"), BROKEN)
def test_a_broken_pack_is_refused_at_load(file: str, change: tuple[str, str], message: str) -> None:
    files = dict(SHIPPED)
    old, new = change
    assert old in files[file]
    files[file] = files[file].replace(old, new, 1)
    with pytest.raises(PackError, match=re.escape(message)):
        parse_packs(files)


def test_two_rules_for_one_activity_and_year_are_refused() -> None:
    files = dict(SHIPPED)
    files["510000.toml"] += (
        '\n[[credit_rule]]\nid = "510000.again"\nactivity = "online"\ncategories = ["public"]\n'
        'method = "as_recorded"\nsource = "001 §2.2"\neffective_from = 2016\n'
    )
    with pytest.raises(PackError, match="two rules for online in public from 2016"):
        parse_packs(files)


def test_a_new_province_is_a_pack_file() -> None:
    files = dict(SHIPPED)
    files["440000.toml"] = (
        'id = "440000"\nname = "广东 Guangdong"\nextends = "national"\ndocument = "test"\n'
        '[[requirement]]\nkey = "public"\nhours = 24\nsource = "test article"\neffective_from = 2020\n'
        '[[credit_rule]]\nid = "440000.online"\nactivity = "online"\ncategories = ["public", "professional"]\n'
        'method = "as_recorded"\nsource = "test article"\neffective_from = 2020\n'
    )
    book = PolicyBook(parse_packs(files))
    requirement = book.requirement("440300", TitleLevel.JUNIOR, 2026)
    assert requirement.jurisdiction == "440000"
    assert (requirement.hours("total"), requirement.hours("public")) == (Decimal(90), Decimal(24))


def test_a_deployment_adds_its_own_pack_from_a_directory(tmp_path: Path) -> None:
    (tmp_path / "440000.toml").write_text(
        'id = "440000"\nname = "广东 Guangdong"\nextends = "national"\ndocument = "test"\n'
        '[[credit_rule]]\nid = "440000.online"\nactivity = "online"\ncategories = ["public", "professional"]\n'
        'method = "as_recorded"\nsource = "test article"\neffective_from = 2020\n',
        encoding="utf-8",
    )
    book = PolicyBook.default(tmp_path)
    assert book.jurisdiction("440300").id == "440000"
    assert book.jurisdiction("130102").id == "130000"  # the shipped packs are all still there


def test_an_extra_pack_never_replaces_a_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "130000.toml").write_text('id = "130000"\nname = "x"\nextends = "national"\ndocument = "x"\n')
    with pytest.raises(PackError, match="never replace"):
        PolicyBook.default(tmp_path)
