"""What the sources say continuing education means for title evaluation, per jurisdiction; pure, no I/O.

Every source makes the same demand of a window of years — each year must have met its requirement — and differs
in how hard it is: Kaifeng makes it a required condition (必备条件), Sichuan and Hebei an important basis (重要
条件 / 重要依据). The platform answers the same question for all (every year met?) and cites the source that
applies to the person, so an evaluation committee knows what weight the answer carries.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TitleRule:
    source: str
    text: str  # the source's own words
    summary: str
    note: str | None = None  # what the source also demands that the platform does not check


RULES: dict[str, TitleRule] = {
    "410200": TitleRule(
        source="004 §3",
        text="要将专业技术人员接受继续教育的情况，作为职称评聘的必备条件……每个自然年度内凡未完成规定学时者，"
        "……不得认定初级专业技术职务任职资格或晋升中、高级专业技术职务资格",
        summary="Kaifeng: completing each calendar year's hours is a required condition; a person who missed any "
        "year may not obtain a junior title nor be promoted to an intermediate or senior one.",
        note="004 §3 also requires promotions to associate-senior and senior titles to include training organised "
        "at city level or above; the level of the training is not checked here.",
    ),
    "510000": TitleRule(
        source="001 §4",
        text="专业技术人员参加继续教育情况应当作为聘任专业技术职务或者申报评定上一级资格的重要条件……"
        "要把完成各年度继续教育学习任务作为考察其学识水平的重要依据",
        summary="Sichuan: completing each year's continuing education is an important condition of applying for "
        "the next title; missing a year without good reason also bars an 'excellent' (优秀) annual rating.",
    ),
    "130000": TitleRule(
        source="000 art. 15",
        text="证书主要记载专业技术人员接受继续教育起止时间、学时、内容、成绩、施教机构等情况，作为职称评聘、"
        "岗位聘任（聘用）、工作考核、职业注册、申请各种奖项等工作的重要依据",
        summary="Hebei: the continuing-education certificate, year by year, is an important basis of title evaluation.",
    ),
}

PLATFORM = TitleRule(
    source="RULES.md §6 (platform rule; 人社部令〔2015〕第25号)",
    text="每年参加继续教育的时间累计不少于90学时",
    summary="No source of this jurisdiction ties title evaluation to continuing education; the platform's rule is "
    "that every year of the window must meet its annual requirement.",
)


def title_rule(jurisdictions: Iterable[str]) -> TitleRule:
    """The rule of the most specific jurisdiction that has one (the person's packs, most specific first)."""
    return next((RULES[code] for code in jurisdictions if code in RULES), PLATFORM)


def unmet_years(compliant_by_year: Sequence[tuple[int, bool]]) -> list[int]:
    """Every year must be met (004 §3 "每个自然年度"); the years that were not."""
    return [year for year, compliant in compliant_by_year if not compliant]
