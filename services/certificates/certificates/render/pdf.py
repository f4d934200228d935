"""The printable certificate: A4 PDF in Chinese, with a QR code that opens the verification page.

The text is set in a Noto Sans CJK SC subset shipped with the package (``fonts/``) and embedded in every PDF,
so the sheet prints the same on any viewer or printer and a fresh machine needs no system font.
"""

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from certificates.render.model import (
    CATEGORY_LABELS,
    CertificateView,
    RequiredHours,
    YearView,
    activity_label,
    format_hours,
)

FONT_NAME = "CENotoSansSC"
FONT_PATH = Path(__file__).parent / "fonts" / "NotoSansCJKsc-Regular-subset.ttf"
TITLE = "专业技术人员继续教育证书"
TITLE_EN = "Continuing Education Certificate of Professional and Technical Personnel"

_MARGIN = 18 * mm
_CONTENT_WIDTH = A4[0] - 2 * _MARGIN
# 类别, 形式, 内容, 起止日期, 学时, 结果, 机构 — the widths add up to the content width (174 mm).
_COLUMNS = (("类别", 18), ("形式", 20), ("内容", 44), ("起止日期", 24), ("学时", 12), ("结果", 15), ("机构", 41))
_GREEN = colors.HexColor("#1b7f3b")
_RED = colors.HexColor("#b42318")
_GRID = colors.HexColor("#9aa4b2")
_HEAD_BG = colors.HexColor("#e8edf3")
_KEEP_TOGETHER_ROWS = 15


@cache
def register_font() -> str:
    """Register the shipped font with reportlab once per process (parsing it takes ~0.2 s)."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    return FONT_NAME


def qr_payload(view: CertificateView) -> str:
    """What the printed QR code encodes: the verification page's URL, ``<base>/verify/{code}``."""
    return view.verification_url


def _day(value: datetime | date) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _styles() -> dict[str, ParagraphStyle]:
    font = register_font()

    def style(name: str, size: float, **kw: Any) -> ParagraphStyle:
        # wordWrap="CJK" breaks Chinese lines between any two characters, as Chinese typesetting does.
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35, wordWrap="CJK", **kw)

    return {
        "title": style("title", 20, alignment=TA_CENTER, spaceAfter=2 * mm),
        "subtitle": style("subtitle", 9, alignment=TA_CENTER, textColor=colors.HexColor("#4a5565")),
        "heading": style("heading", 12, spaceBefore=5 * mm, spaceAfter=2 * mm),
        "label": style("label", 9, textColor=colors.HexColor("#4a5565")),
        "value": style("value", 10.5),
        "cell": style("cell", 8.5),
        "cell_right": style("cell_right", 8.5, alignment=TA_RIGHT),
        "head": style("head", 8.5, alignment=TA_CENTER),
        "small": style("small", 7.5, alignment=TA_CENTER, textColor=colors.HexColor("#4a5565")),
        "body": style("body", 9.5),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a small XML markup: every value is escaped so "<" or "&" in a title prints as itself.
    return Paragraph(escape(text), style)


def _style(commands: list[tuple[Any, ...]]) -> TableStyle:
    # A table sets its cells' font even around paragraphs: ours, or the PDF lists an unembedded Helvetica.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_NAME), *commands])


def _qr_drawing(value: str, size: float) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M")  # level M: survives a smudge on a printed sheet
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    # Without this the renderer selects Helvetica, and the PDF lists a font it does not embed.
    drawing.initialFontName = register_font()  # type: ignore[attr-defined]
    drawing.add(widget)
    return drawing


def _person_block(view: CertificateView, st: dict[str, ParagraphStyle]) -> Table:
    rows = [
        ("姓名 Name", view.name),
        # 000 art. 14: the certificate number is the holder's ID number, so it prints masked; the code that
        # the QR code and the verification page use is a separate one.
        ("证书编号 Certificate No. (ID)", view.masked_id_number),
        ("核验码 Verification code", view.certificate_code),
        ("发证机关 Issuer", view.issuer_name),
        ("行政区划 Region", view.region_code),
        ("签发日期 Issued", _day(view.issued_at)),
    ]
    details = Table(
        [[_p(label, st["label"]), _p(value, st["value"])] for label, value in rows],
        colWidths=[47 * mm, _CONTENT_WIDTH - 47 * mm - 44 * mm],
    )
    details.setStyle(_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    qr = Table(
        [[_qr_drawing(qr_payload(view), 34 * mm)], [_p("扫码核验 Scan to verify", st["small"])]],
        colWidths=[44 * mm],
    )
    qr.setStyle(_style([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    block = Table([[details, qr]], colWidths=[_CONTENT_WIDTH - 44 * mm, 44 * mm])
    block.setStyle(
        _style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, _GRID),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return block


def _required_text(required: RequiredHours) -> str:
    parts = []
    if required.public is not None:
        parts.append(f"公需 {format_hours(required.public)}")
    if required.professional is not None:
        parts.append(f"专业 {format_hours(required.professional)}")
    parts.append(f"合计 {format_hours(required.total)}")
    return " · ".join(parts)


def _year_block(year: YearView, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    heading = _p(f"{year.year} 年度 Year {year.year}", st["heading"])
    rows: list[list[Flowable]] = [[_p(name, st["head"]) for name, _ in _COLUMNS]]
    for entry in year.entries:
        rows.append(
            [
                _p(CATEGORY_LABELS.get(entry.category, entry.category), st["cell"]),
                _p(activity_label(entry.kind), st["cell"]),
                _p(entry.title, st["cell"]),
                # One date per line: a CJK line break would otherwise split a date in two.
                Paragraph(f"{entry.start_date.isoformat()}<br/>至 {entry.end_date.isoformat()}", st["cell"]),
                _p(format_hours(entry.hours), st["cell_right"]),
                _p(entry.result or "—", st["cell"]),
                _p(entry.institution, st["cell"]),
            ]
        )
    if not year.entries:
        rows.append([_p("本年度无已认定的继续教育记录 No certified activity this year", st["cell"])])
    table = Table(rows, colWidths=[width * mm for _, width in _COLUMNS], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not year.entries:
        commands.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(_style(commands))

    credited = year.credited
    verdict, colour = ("达标 Compliant", _GREEN) if year.compliant else ("未达标 Not compliant", _RED)
    totals = Table(
        [
            [
                _p("应修学时 Required", st["label"]),
                _p(_required_text(year.required), st["body"]),
                _p("结论 Result", st["label"]),
            ],
            [
                _p("已认定学时 Credited", st["label"]),
                _p(
                    f"公需 {format_hours(credited.public)} · 专业 {format_hours(credited.professional)} · "
                    f"合计 {format_hours(credited.total)}",
                    st["body"],
                ),
                Paragraph(escape(verdict), ParagraphStyle("verdict", parent=st["value"], textColor=colour)),
            ],
        ],
        colWidths=[36 * mm, _CONTENT_WIDTH - 36 * mm - 48 * mm, 48 * mm],
    )
    totals.setStyle(_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LINEBELOW", (0, -1), (-1, -1), 0.4, _GRID)]))
    # A short year stays on one page; a long one starts where it is (unless only a sliver of the page is left
    # for its heading) and splits, repeating its header row.
    if len(year.entries) <= _KEEP_TOGETHER_ROWS:
        return [KeepTogether([heading, table, totals])]
    return [CondPageBreak(50 * mm), heading, table, totals]


class FooterPainter:
    """Draws the footer on every page: verification code, issue date, verification URL and page number."""

    def __init__(self, code: str, issued: str, url: str) -> None:
        self.line = f"核验码 {code}    签发日期 {issued}    核验 {url}"

    def __call__(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(colors.HexColor("#4a5565"))
        canvas.drawString(_MARGIN, 10 * mm, self.line)
        canvas.drawRightString(A4[0] - _MARGIN, 10 * mm, f"第 {canvas.getPageNumber()} 页")
        canvas.setStrokeColor(_GRID)
        canvas.line(_MARGIN, 13 * mm, A4[0] - _MARGIN, 13 * mm)
        canvas.restoreState()


def render_certificate_pdf(view: CertificateView) -> bytes:
    """The certificate as an A4 PDF (000 art. 14–15): person, every certified activity by year, totals, QR."""
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE} {view.certificate_code}",
        author=view.issuer_name,
        subject=TITLE_EN,
        creator="ce-platform certificates",
        lang="zh-CN",
        initialFontName=FONT_NAME,  # the PDF then names no font it does not embed
    )
    story: list[Flowable] = [
        _p(TITLE, st["title"]),
        _p(TITLE_EN, st["subtitle"]),
        Spacer(1, 5 * mm),
        _person_block(view, st),
    ]
    if view.statement is not None:
        statement = view.statement
        issued = f"，签发于 {_day(statement.issued_at)}" if statement.issued_at else ""
        story += [
            Spacer(1, 3 * mm),
            _p(
                f"{statement.year} 年度学时证明（电子签名）编号 {statement.statement_id}{issued}。"
                f" Signed annual statement for {statement.year}; verify it at the address in the QR code.",
                st["body"],
            ),
        ]
    for year in sorted(view.years, key=lambda y: y.year):
        story += _year_block(year, st)
    if not view.years:
        story += [Spacer(1, 6 * mm), _p("暂无已认定的继续教育记录。No certified activity yet.", st["body"])]
    footer = FooterPainter(view.certificate_code, _day(view.issued_at), view.verification_url)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
