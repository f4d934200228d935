"""What the renderers draw: plain frozen views, built by the service from its data; no I/O here.

The e-certificate (电子证书) is one per person and records, year by year, every certified activity: its kind,
content, start and end dates, hours, result and institution (000 art. 14–15). Printed, it carries a QR code
that opens the verification page ``<base>/verify/{code}``.

A printed sheet or a public page must never show a national ID number in full: the views refuse one
(``ValueError``) wherever it would be printed, so a caller cannot leak it by mistake.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from cekit.logging import mask_id_numbers

Category = Literal["public", "professional"]

CATEGORY_LABELS: dict[str, str] = {
    "public": "公需科目",  # 000 art. 3; RULES §2
    "professional": "专业科目",
}

# Our activity codes (the hours service's) -> the form (形式) printed on the certificate. The crediting rule
# each stands for: 000 art. 7 (1)–(7), art. 8 (credit systems), 001 §2.2 (self-study, publications),
# 000 art. 22 (Jing-Jin-Ji mutual recognition).
ACTIVITY_LABELS: dict[str, str] = {
    "exam": "资格考试",  # 000 art. 7 (1)
    "advanced_seminar": "高级研修班",  # 000 art. 7 (2)
    "training": "培训研修",  # 000 art. 7 (3): training, seminar, refresher class, conference, lecture, visit
    "university_study": "院校进修",  # 000 art. 7 (4)
    "online": "网络学习",  # 000 art. 7 (5)
    "in_unit": "单位内部学习",  # 000 art. 7 (6)
    "degree_course": "学历教育",  # 000 art. 7 (7)
    "self_study": "自学",  # 001 §2.2
    "publication": "论著发表",  # 001 §2.2
    "credits": "学分折算",  # 000 art. 8
    "recognised": "京津冀互认",  # 000 art. 22
}


def activity_label(kind: str) -> str:
    """The Chinese form of an activity code; an unknown code prints as itself rather than failing the sheet."""
    return ACTIVITY_LABELS.get(kind, kind)


def format_hours(hours: Decimal) -> str:
    """``8.0`` -> ``8``, ``7.50`` -> ``7.5``: hours as a person writes them."""
    text = f"{hours:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def mask_name(name: str) -> str:
    """张*三 / 李* / 欧**锋: first and last character kept, as on public verification pages."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _refuse_id_number(what: str, value: str | None) -> None:
    # mask_id_numbers is the same detector the logs use (GB 11643-1999: 17 digits + digit or X).
    if value is not None and mask_id_numbers(value) != value:
        raise ValueError(f"{what} contains a full national ID number; print only a masked one")


@dataclass(frozen=True)
class EntryView:
    """One certified activity (000 art. 15: 起止时间、学时、内容、成绩、施教机构)."""

    category: Category
    kind: str  # activity code, see ACTIVITY_LABELS
    title: str
    start_date: date
    end_date: date
    hours: Decimal
    result: str | None
    institution: str

    def __post_init__(self) -> None:
        for name in ("title", "result", "institution"):
            _refuse_id_number(name, getattr(self, name))


@dataclass(frozen=True)
class RequiredHours:
    """The year's requirement; a category without its own minimum is None (e.g. Sichuan public, RULES §3)."""

    public: Decimal | None
    professional: Decimal | None
    total: Decimal


@dataclass(frozen=True)
class CreditedHours:
    public: Decimal
    professional: Decimal
    total: Decimal


@dataclass(frozen=True)
class YearView:
    year: int
    required: RequiredHours
    credited: CreditedHours
    compliant: bool
    entries: tuple[EntryView, ...] = ()


@dataclass(frozen=True)
class StatementView:
    """A signed annual statement printed with the certificate; its credential stays digital (too long for a QR)."""

    statement_id: str
    year: int
    issued_at: datetime | date | None = None

    def __post_init__(self) -> None:
        _refuse_id_number("statement_id", self.statement_id)


@dataclass(frozen=True)
class CertificateView:
    """The certificate as printed. Its number is the holder's ID number (000 art. 14), printed masked;
    ``certificate_code`` is the separate code in the verification URL and on the page footer."""

    certificate_code: str
    name: str
    masked_id_number: str
    issuer_name: str  # e.g. 河北省人力资源和社会保障厅
    region_code: str  # GB/T 2260, e.g. 130000
    issued_at: datetime | date
    verification_url: str  # <base>/verify/{code}: what the QR code encodes
    years: tuple[YearView, ...] = ()
    statement: StatementView | None = None

    def __post_init__(self) -> None:
        for name in ("certificate_code", "name", "masked_id_number", "issuer_name", "verification_url"):
            _refuse_id_number(name, getattr(self, name))


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    INDETERMINATE = "indeterminate"


VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.VALID: "有效 VALID",
    Verdict.INVALID: "无效 INVALID",
    Verdict.REVOKED: "已撤销 REVOKED",
    Verdict.INDETERMINATE: "无法确定 INDETERMINATE",
}


@dataclass(frozen=True)
class CheckView:
    """One verification check: e.g. signature, issuer trusted, not expired, status list (revocation)."""

    name: str
    passed: bool
    detail: str | None = None


@dataclass(frozen=True)
class StatementSummary:
    """The last signed annual statement's year and totals, shown under the verdict."""

    year: int
    credited: CreditedHours
    required: RequiredHours | None = None
    compliant: bool | None = None
    statement_id: str | None = None


@dataclass(frozen=True)
class VerificationPageModel:
    """What ``/verify/{code}`` shows; the name and ID number arrive already masked."""

    verdict: Verdict
    reason: str | None = None
    checks: tuple[CheckView, ...] = ()
    certificate_code: str | None = None
    masked_name: str | None = None
    masked_id: str | None = None
    issuer: str | None = None
    statement: StatementSummary | None = None
    checked_at: datetime | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())  # further label/value rows, e.g. the employer's opinion

    def __post_init__(self) -> None:
        for name in ("reason", "certificate_code", "masked_name", "masked_id", "issuer"):
            _refuse_id_number(name, getattr(self, name))
        for check in self.checks:
            _refuse_id_number("check detail", check.detail)
        for label, value in self.extra:
            _refuse_id_number(label, value)
