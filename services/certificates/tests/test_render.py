"""The printable certificate (PDF) and the human verification page (HTML) — issue 5, rendering.

The certificate records, year by year, every certified activity: kind, content, dates, hours, result,
institution (000 art. 14–15). These tests read the PDF back as a person's viewer would (text, fonts, the QR
code as pixels) and load the page in a real headless Chromium, reading the verdict from the screen.
"""

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from reportlab.pdfbase import pdfmetrics
from websockets.sync.client import ClientConnection, connect

from certificates.render import (
    ACTIVITY_LABELS,
    VERIFICATION_PAGE_CSP,
    CertificateView,
    CheckView,
    CreditedHours,
    EntryView,
    RequiredHours,
    StatementSummary,
    StatementView,
    Verdict,
    VerificationPageModel,
    YearView,
    mask_name,
    qr_payload,
    render_certificate_pdf,
    render_verification_page,
)
from certificates.render.model import format_hours
from certificates.render.pdf import register_font

HEBEI = RequiredHours(public=Decimal(30), professional=Decimal(60), total=Decimal(90))  # 000 art. 5
FULL_ID = "130102199003071234"
URL = "https://ce.example.cn/verify/HB7Q4K9M2X"


def entry(i: int = 0, **changes: Any) -> EntryView:
    base = EntryView(
        category="professional",
        kind="training",
        title=f"建筑结构抗震设计新规范高级研修 第{i + 1}期",
        start_date=date(2025, 3, 1),
        end_date=date(2025, 3, 2),
        hours=Decimal("16.0"),
        result="结业",
        institution="河北省建筑科学研究院",
    )
    return replace(base, **changes)


def certificate(**changes: Any) -> CertificateView:
    y2025 = YearView(
        year=2025,
        required=HEBEI,
        credited=CreditedHours(public=Decimal(30), professional=Decimal("76.5"), total=Decimal("106.5")),
        compliant=True,
        entries=(
            entry(
                category="public",
                kind="online",
                title="2025年公需科目：数字经济与创新驱动发展",
                hours=Decimal(30),
                result="合格",
                institution="河北省专业技术人员继续教育网络服务平台",
            ),
            entry(),
            entry(
                kind="exam",
                title="一级注册结构工程师资格考试",
                hours=Decimal(36),
                result="合格",
                institution="河北省人事考试院",
            ),
            entry(
                kind="advanced_seminar",
                title="京津冀协同发展高级研修班",
                hours=Decimal("24.5"),
                result=None,
                institution="雄安新区管理委员会",
            ),
        ),
    )
    y2024 = YearView(
        year=2024,
        required=HEBEI,
        credited=CreditedHours(public=Decimal(12), professional=Decimal(40), total=Decimal(52)),
        compliant=False,
        entries=(entry(start_date=date(2024, 5, 6), end_date=date(2024, 5, 10), hours=Decimal(40)),),
    )
    base = CertificateView(
        certificate_code="HB7Q4K9M2X",
        name="王玥喆",  # 玥 and 喆 lie outside GB 2312: common in names, they must still print
        masked_id_number="130102********1234",
        issuer_name="河北省人力资源和社会保障厅",
        region_code="130000",
        issued_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
        verification_url=URL,
        years=(y2025, y2024),
        statement=StatementView(statement_id="st-2025-0001", year=2025, issued_at=date(2026, 1, 15)),
    )
    return replace(base, **changes)


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def unwrap(text: str) -> str:
    """Table cells wrap long Chinese text over lines: join them back."""
    return re.sub(r"\s*\n\s*", "", text)


def render_page_image(pdf: bytes, page: int = 0, dpi: int = 200) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[page].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


# --- the PDF -------------------------------------------------------------------------------------------------


def test_pdf_is_one_a4_page_with_the_certificate_in_chinese() -> None:
    pdf = render_certificate_pdf(certificate())

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    for expected in [
        "专业技术人员继续教育证书",
        "王玥喆",
        "130102********1234",
        "河北省人力资源和社会保障厅",
        "HB7Q4K9M2X",
        "2026-01-15",
        "2024 年度",
        "2025 年度",
        *("类别", "形式", "内容", "起止日期", "学时", "结果", "机构"),
        "公需科目",
        "专业科目",
        "网络学习",
        "资格考试",
        "高级研修班",
        "2025年公需科目：数字经济与创新驱动发展",
        "雄安新区管理委员会",
        "2025-03-01",
        "24.5",
        "合计 106.5",
        "合计 90",
        "达标",
        "未达标",
        "st-2025-0001",
    ]:
        assert expected in unwrap(text), expected
    assert FULL_ID not in text
    # Years read in order, the way the record accumulates (000 art. 13: 连续记载).
    assert text.index("2024 年度 Year 2024") < text.index("2025 年度 Year 2025")
    assert reader.metadata is not None
    assert reader.metadata.title is not None
    assert "HB7Q4K9M2X" in reader.metadata.title


def test_pdf_embeds_every_font_it_uses() -> None:
    """Chinese must print on a machine with no CJK font: the PDF carries its own (no STSong-Light CID font)."""
    reader = pypdf.PdfReader(io.BytesIO(render_certificate_pdf(certificate())))

    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts, "the PDF uses no font at all"
    for name, font in fonts.items():
        assert "NotoSansCJK" in name, f"unexpected font {name}"
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000


def test_font_covers_names_beyond_gb2312_and_all_of_gb2312() -> None:
    """A name character missing from the font would print as an empty box on the certificate."""
    face = pdfmetrics.getFont(register_font()).face
    covered = set(face.charToGlyph)
    gb2312 = set()
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                gb2312.add(ord(bytes([high, low]).decode("gb2312")))
    assert len(gb2312) == 6763
    assert gb2312 <= covered
    assert {ord(c) for c in "玥喆堃珺昇琎赟镕"} <= covered
    assert {ord(c) for c in "（）：；，。、—·"} <= covered


def test_qr_code_on_the_printed_page_opens_the_verification_url() -> None:
    view = certificate()
    image = render_page_image(render_certificate_pdf(view))

    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode] == [URL]
    assert qr_payload(view) == URL
    # Not a blank page: text and tables put ink on a good part of it.
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.01


def test_long_record_continues_on_further_pages_with_header_and_footer() -> None:
    many = tuple(entry(i, title=f"专业课程第{i + 1}讲：工程质量安全管理") for i in range(70))
    year = YearView(2025, HEBEI, CreditedHours(Decimal(0), Decimal(1120), Decimal(1120)), True, many)
    pages = pdf_text(render_certificate_pdf(certificate(years=(year,))))

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页" in text
        assert "核验码 HB7Q4K9M2X" in text
        assert "签发日期 2026-01-15" in text
        assert "起止日期" in text  # the table's header row repeats on every page
    everything = unwrap("".join(pages))
    assert "第70讲" in everything
    assert "达标" in pages[-1]


def test_markup_characters_print_as_themselves() -> None:
    odd = entry(title='<b>结构</b> & "抗震" <script>x</script>', institution="A&B <研究院>")
    year = YearView(2025, HEBEI, CreditedHours(Decimal(0), Decimal(16), Decimal(16)), False, (odd,))
    text = pdf_text(render_certificate_pdf(certificate(name="<i>王</i>", years=(year,))))[0]

    assert "<b>结构</b>" in unwrap(text)
    assert "<script>x</script>" in unwrap(text)
    assert "A&B <研究院>" in unwrap(text)
    assert "<i>王</i>" in text


def test_certificate_without_certified_activity_still_renders() -> None:
    text = pdf_text(render_certificate_pdf(certificate(years=(), statement=None)))[0]
    assert "暂无已认定的继续教育记录" in text
    assert "王玥喆" in text

    empty_year = YearView(2025, HEBEI, CreditedHours(Decimal(0), Decimal(0), Decimal(0)), False)
    text = pdf_text(render_certificate_pdf(certificate(years=(empty_year,))))[0]
    assert "本年度无已认定的继续教育记录" in text
    assert "未达标" in text


def test_a_year_without_a_public_minimum_shows_only_the_minimums_that_exist() -> None:
    sichuan = RequiredHours(public=None, professional=Decimal(60), total=Decimal(90))  # 001 §2.2
    year = YearView(2025, sichuan, CreditedHours(Decimal(0), Decimal(16), Decimal(16)), False, (entry(),))
    text = pdf_text(render_certificate_pdf(certificate(years=(year,))))[0]
    assert "专业 60 · 合计 90" in text
    assert "公需 30" not in text


def test_every_activity_code_has_a_chinese_form() -> None:
    codes = {
        "exam",
        "advanced_seminar",
        "training",
        "university_study",
        "online",
        "in_unit",
        "degree_course",
        "self_study",
        "publication",
        "credits",
        "recognised",
    }  # API.md, activities; 000 art. 7–8; 001 §2.2
    assert set(ACTIVITY_LABELS) == codes
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in ACTIVITY_LABELS.values())


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (Decimal("8.0"), "8"),
        (Decimal("7.50"), "7.5"),
        (Decimal(90), "90"),
        (Decimal("100"), "100"),
        (Decimal("0.25"), "0.25"),
        (Decimal("1E+2"), "100"),
    ],
)
def test_hours_are_written_as_a_person_writes_them(hours: Decimal, shown: str) -> None:
    assert format_hours(hours) == shown


@pytest.mark.parametrize(
    "make",
    [
        lambda: certificate(masked_id_number=FULL_ID),
        lambda: certificate(certificate_code=FULL_ID),  # 000 art. 14 numbers certificates by ID: not printable
        lambda: certificate(verification_url=f"https://ce.example.cn/verify/{FULL_ID}"),
        lambda: entry(title=f"学员 {FULL_ID} 的培训"),
        lambda: VerificationPageModel(Verdict.VALID, masked_id="13010219900307123X"),
        lambda: VerificationPageModel(Verdict.VALID, checks=(CheckView("subject", True, f"id {FULL_ID}"),)),
    ],
)
def test_a_full_id_number_is_never_printed(make: Any) -> None:
    with pytest.raises(ValueError, match="full national ID number"):
        make()


@pytest.mark.parametrize(
    ("name", "masked"), [("王玥喆", "王*喆"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("张", "张")]
)
def test_names_are_masked_for_the_public_page(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --- the verification page, as HTML --------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Collects tags with their attributes and the text inside the element with id="verdict"."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.verdict_text = ""
        self._in_verdict = 0
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if dict(attrs).get("id") == "verdict":
            self._in_verdict = 1
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if self._in_verdict and tag == "p":
            self._in_verdict = 0
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_verdict:
            self.verdict_text += data
        if self._in_style:
            self.style += data


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def page_model(**changes: Any) -> VerificationPageModel:
    base = VerificationPageModel(
        verdict=Verdict.VALID,
        reason="签名有效，证书未撤销 Signature valid, not revoked",
        checks=(
            CheckView("signature", True, "ES256, key hb-2026-01"),
            CheckView("issuer_trusted", True, "did:web:ce.example.cn"),
            CheckView("status", True, "status list 3, index 1207: 0"),
        ),
        certificate_code="HB7Q4K9M2X",
        masked_name=mask_name("王玥喆"),
        masked_id="130102********1234",
        issuer="河北省人力资源和社会保障厅",
        statement=StatementSummary(
            year=2025,
            credited=CreditedHours(Decimal(30), Decimal("76.5"), Decimal("106.5")),
            required=HEBEI,
            compliant=True,
            statement_id="st-2025-0001",
        ),
        checked_at=datetime(2026, 2, 1, 8, 0, tzinfo=UTC),
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("verdict", "label"),
    [
        (Verdict.VALID, "有效 VALID"),
        (Verdict.REVOKED, "已撤销 REVOKED"),
        (Verdict.INVALID, "无效 INVALID"),
        (Verdict.INDETERMINATE, "无法确定 INDETERMINATE"),
    ],
)
def test_page_states_the_verdict_in_words_and_in_data(verdict: Verdict, label: str) -> None:
    parsed = parse(render_verification_page(page_model(verdict=verdict)))

    verdicts = [attrs for tag, attrs in parsed.tags if attrs.get("id") == "verdict"]
    assert len(verdicts) == 1
    assert verdicts[0]["data-verdict"] == verdict.value
    assert parsed.verdict_text == label


def test_page_shows_particulars_statement_totals_and_each_check() -> None:
    html = render_verification_page(
        page_model(checks=(*page_model().checks, CheckView("not_expired", False, "expired 2026-01-31")))
    )

    for expected in [
        "HB7Q4K9M2X",
        "王*喆",
        "130102********1234",
        "河北省人力资源和社会保障厅",
        "2025 年度学时",
        "106.5",
        "76.5",
        "达标 Compliant",
        "st-2025-0001",
        "签名 Signature",
        "ES256, key hb-2026-01",
        "撤销状态 Revocation status",
        "2026-02-01 08:00+00:00",
        "签名有效，证书未撤销",
    ]:
        assert expected in html, expected
    checks = [attrs for tag, attrs in parse(html).tags if tag == "li"]
    assert [(c["data-check"], c["data-passed"]) for c in checks] == [
        ("signature", "true"),
        ("issuer_trusted", "true"),
        ("status", "true"),
        ("not_expired", "false"),
    ]
    assert "✗ 未通过 FAIL" in html
    assert "王玥喆" not in html


def test_page_escapes_everything_it_shows() -> None:
    html = render_verification_page(
        page_model(
            masked_name="<script>alert(1)</script>",
            reason='"><img src=x onerror=alert(2)>',
            issuer="A & B",
            checks=(CheckView('sig"nature', False, "<b>bad</b>"),),
            certificate_code="X'Y",
        )
    )
    tags = {tag for tag, _ in parse(html).tags}
    assert "script" not in tags
    assert "img" not in tags
    assert "b" not in tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "A &amp; B" in html
    assert 'data-check="sig&quot;nature"' in html
    assert "X&#x27;Y" in html


def test_page_loads_nothing_from_elsewhere_and_its_style_matches_the_csp_hash() -> None:
    html = render_verification_page(page_model())
    parsed = parse(html)

    assert {tag for tag, _ in parsed.tags}.isdisjoint({"script", "link", "img", "iframe", "object", "embed"})
    assert not [attrs for _, attrs in parsed.tags if "src" in attrs or "href" in attrs]
    assert "url(" not in parsed.style
    assert "@import" not in parsed.style
    digest = base64.b64encode(hashlib.sha256(parsed.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in VERIFICATION_PAGE_CSP


def test_page_without_a_certificate_still_answers() -> None:
    """An unknown code: the verdict is all there is to show."""
    parsed = parse(render_verification_page(VerificationPageModel(Verdict.INVALID, reason="未找到该证书 not found")))
    assert parsed.verdict_text == "无效 INVALID"


# --- the verification page, in a real browser ----------------------------------------------------------------


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_BIN"),
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


class Browser:
    """Headless Chromium driven over the DevTools protocol (a websocket): no browser download, no extra package."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.profile = profile
        self.log_path = profile / "chromium.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--hide-scrollbars",
                    "--window-size=900,1400",
                    "--force-device-scale-factor=1",
                    f"--user-data-dir={profile}",
                    "--remote-debugging-port=0",
                    "about:blank",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.ws: ClientConnection | None = None
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def page_socket_url(self) -> str:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Chromium did not start: {self.log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        port = port_file.read_text().splitlines()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        return str(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])

    def _receive(self) -> dict[str, Any]:
        assert self.ws is not None
        return dict(json.loads(self.ws.recv(timeout=30)))

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert self.ws is not None
        self._next_id += 1
        self.ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message["result"])
            self.events.append(message)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.monotonic() < deadline, "the page did not load"
            self.events.append(self._receive())

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in answer, answer
        return answer["result"].get("value")

    def screenshot(self) -> Image.Image:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = _chromium()
    if binary is None:
        pytest.skip(
            "no Chromium binary found (chromium, chromium-browser, google-chrome or $CHROMIUM_BIN); "
            "install Debian's: apt-get install -y chromium"
        )
    with tempfile.TemporaryDirectory(prefix="ce-chromium-") as profile:
        started = Browser(binary, Path(profile))
        try:
            with connect(started.page_socket_url(), max_size=None, open_timeout=10) as ws:
                started.ws = ws
                started.call("Page.enable")
                yield started
        finally:
            started.stop()


@pytest.fixture
def serve() -> Iterator[Any]:
    """Serves pages at http://127.0.0.1:<random port>/verify/{code}, with the CSP the route is to send."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", VERIFICATION_PAGE_CSP)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(code: str, html: str) -> str:
        pages[f"/verify/{code}"] = html
        return f"http://127.0.0.1:{server.server_address[1]}/verify/{code}"

    try:
        yield publish
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


READ_VERDICT = """(() => {
  const el = document.getElementById('verdict');
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {text: el.innerText, verdict: el.dataset.verdict, left: box.left, top: box.top, width: box.width,
          height: box.height, visible: style.visibility === 'visible' && style.display !== 'none',
          fontSize: parseFloat(style.fontSize)};
})()"""


@pytest.mark.parametrize(
    ("verdict", "label", "colour"),
    [
        (Verdict.VALID, "有效 VALID", (0x1B, 0x7F, 0x3B)),
        (Verdict.REVOKED, "已撤销 REVOKED", (0xB4, 0x23, 0x18)),
        (Verdict.INDETERMINATE, "无法确定 INDETERMINATE", (0xB5, 0x47, 0x08)),
    ],
)
def test_chromium_shows_the_verdict_on_screen(
    browser: Browser, serve: Any, verdict: Verdict, label: str, colour: tuple[int, int, int]
) -> None:
    url = serve("HB7Q4K9M2X", render_verification_page(page_model(verdict=verdict)))
    browser.open(url)

    seen = browser.evaluate(READ_VERDICT)
    assert seen["text"] == label
    assert seen["verdict"] == verdict.value
    assert seen["visible"]
    assert seen["width"] > 200
    assert seen["height"] > 40
    assert seen["fontSize"] >= 24  # prominent: the largest text on the page
    assert seen["top"] < 400  # above the fold on a phone-sized screen too

    # The banner's colour on screen: the inline style applied under the served Content-Security-Policy.
    shot = browser.screenshot()
    pixel = shot.getpixel((int(seen["left"] + 20), int(seen["top"] + 6)))
    assert pixel == colour, pixel


def test_chromium_shows_an_injected_script_as_text_and_does_not_run_it(browser: Browser, serve: Any) -> None:
    hostile = "<script>document.title='pwned';window.pwned=1</script>"
    url = serve("XSS", render_verification_page(page_model(masked_name=hostile, verdict=Verdict.INVALID)))
    browser.open(url)

    assert browser.evaluate("window.pwned === undefined && !document.title.includes('pwned')") is True
    assert hostile in browser.evaluate("document.body.innerText")
    assert browser.evaluate("document.scripts.length") == 0
    assert browser.evaluate(READ_VERDICT)["text"] == "无效 INVALID"
