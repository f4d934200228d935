"""The human verification page behind the printed QR code: ``GET /verify/{code}`` (API.md, "human check").

One self-contained HTML document: inline CSS, no script, no image, no external asset, so it renders the same
on a phone behind any network and can be served with a strict Content-Security-Policy
(:data:`VERIFICATION_PAGE_CSP`). Every value is HTML-escaped. The verdict sits in ``#verdict`` with a
machine-readable ``data-verdict``; labels are Chinese with English beside them, for partner provinces'
staff and foreign readers.
"""

import base64
import hashlib
from datetime import datetime
from html import escape

from certificates.render.model import (
    VERDICT_LABELS,
    CheckView,
    RequiredHours,
    StatementSummary,
    VerificationPageModel,
    format_hours,
)

# Names of the checks the verifier reports, as a person reads them; an unknown name is shown as it is.
CHECK_LABELS: dict[str, str] = {
    "signature": "签名 Signature",
    "issuer": "签发机构 Issuer",
    "issuer_trusted": "签发机构可信 Trusted issuer",
    "format": "格式 Format",
    "expiry": "有效期 Validity period",
    "validity": "有效期 Validity period",
    "not_expired": "未过期 Not expired",
    "not_before": "已生效 In force",
    "status": "撤销状态 Revocation status",
    "revocation": "撤销状态 Revocation status",
    "subject": "持证人 Holder",
    "certificate": "证书 Certificate",
}

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f6f9;color:#1f2933;font:16px/1.55 "Noto Sans CJK SC","Noto Sans SC","PingFang SC",
"Microsoft YaHei","Source Han Sans SC",system-ui,sans-serif}
main{max-width:44rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
.en{color:#52606d;font-weight:normal}
#verdict{margin:0;padding:1rem 1.25rem;border-radius:.5rem;font-size:2rem;font-weight:bold;letter-spacing:.05em;
text-align:center;color:#fff}
#verdict[data-verdict=valid]{background:#1b7f3b}
#verdict[data-verdict=revoked]{background:#b42318}
#verdict[data-verdict=invalid]{background:#b42318}
#verdict[data-verdict=indeterminate]{background:#b54708}
.reason{margin:.5rem 0 0;text-align:center;color:#3e4c59}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1.25rem 0 0;padding:1rem;
background:#fff;border-radius:.5rem}
dt{color:#52606d}dd{margin:0;word-break:break-all}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:.5rem}
th,td{padding:.45rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left}
#statement th,#statement td{text-align:center}
ul{list-style:none;margin:0;padding:0;background:#fff;border-radius:.5rem}
li{padding:.5rem .75rem;border-bottom:1px solid #e4e7eb}
li:last-child{border-bottom:0}
.mark{display:inline-block;min-width:6.5rem;font-weight:bold}
.pass .mark{color:#1b7f3b}.fail .mark{color:#b42318}
.detail{display:block;color:#52606d;font-size:.9rem;word-break:break-all}
.ok{color:#1b7f3b}.notok{color:#b42318}
footer{margin-top:1.5rem;color:#52606d;font-size:.85rem}
"""

_CSS_HASH = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()

# Serve the page with this header: the inline style is allowed by its hash; nothing else may load or run.
VERIFICATION_PAGE_CSP = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _row(label: str, value: str | None) -> str:
    return f"<dt>{_e(label)}</dt><dd>{_e(value) if value else '—'}</dd>"


def _required_text(required: RequiredHours | None) -> str:
    if required is None:
        return "—"
    parts = []
    if required.public is not None:
        parts.append(f"公需 {format_hours(required.public)}")
    if required.professional is not None:
        parts.append(f"专业 {format_hours(required.professional)}")
    parts.append(f"合计 {format_hours(required.total)}")
    return " · ".join(parts)


def _statement(summary: StatementSummary) -> str:
    credited = summary.credited
    if summary.compliant is None:
        result = "—"
    elif summary.compliant:
        result = '<span class="ok">达标 Compliant</span>'
    else:
        result = '<span class="notok">未达标 Not compliant</span>'
    statement_id = f'<p class="en">编号 Statement ID: {_e(summary.statement_id)}</p>' if summary.statement_id else ""
    return (
        f'<h2>{_e(summary.year)} 年度学时 <span class="en">Hours in {_e(summary.year)}</span></h2>'
        f'<table id="statement" data-year="{_e(summary.year)}">'
        "<tr><th>公需科目 Public</th><th>专业科目 Professional</th><th>合计 Total</th></tr>"
        f"<tr><td>{_e(format_hours(credited.public))}</td><td>{_e(format_hours(credited.professional))}</td>"
        f"<td>{_e(format_hours(credited.total))}</td></tr>"
        "</table>"
        f"<dl>{_row('应修学时 Required', _required_text(summary.required))}"
        f"<dt>结论 Result</dt><dd>{result}</dd></dl>"
        f"{statement_id}"
    )


def _check(check: CheckView) -> str:
    mark = "✓ 通过 PASS" if check.passed else "✗ 未通过 FAIL"
    detail = f'<span class="detail">{_e(check.detail)}</span>' if check.detail else ""
    return (
        f'<li class="{"pass" if check.passed else "fail"}" data-check="{_e(check.name)}" '
        f'data-passed="{"true" if check.passed else "false"}">'
        f'<span class="mark">{mark}</span> {_e(CHECK_LABELS.get(check.name, check.name))}{detail}</li>'
    )


def _when(value: datetime | None) -> str | None:
    return value.isoformat(sep=" ", timespec="minutes") if value else None


def render_verification_page(result: VerificationPageModel) -> str:
    """The verdict, the certificate's masked particulars, the last statement's totals and every check."""
    verdict = result.verdict
    reason = f'<p class="reason" id="reason">{_e(result.reason)}</p>' if result.reason else ""
    facts = "".join(
        [
            _row("核验码 Verification code", result.certificate_code),
            _row("姓名 Name", result.masked_name),
            # 000 art. 14: the certificate number is the holder's ID number, so it is shown masked.
            _row("证书编号 Certificate No. (ID)", result.masked_id),
            _row("发证机关 Issuer", result.issuer),
            _row("核验时间 Checked at", _when(result.checked_at)),
            *(_row(label, value) for label, value in result.extra),
        ]
    )
    statement = _statement(result.statement) if result.statement else ""
    checks = (
        '<h2>核验项目 <span class="en">Checks</span></h2><ul id="checks">'
        + "".join(_check(check) for check in result.checks)
        + "</ul>"
        if result.checks
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # The page shows (masked) personal data: keep it out of search engines and other sites' logs.
        '<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">'
        f"<title>{_e(VERDICT_LABELS[verdict])} · 继续教育证书核验 Certificate verification</title>"
        f"<style>{_CSS}</style></head><body><main>"
        '<h1>专业技术人员继续教育证书核验 <span class="en">Certificate verification</span></h1>'
        f'<p id="verdict" role="status" data-verdict="{_e(verdict.value)}">{_e(VERDICT_LABELS[verdict])}</p>'
        f"{reason}<dl>{facts}</dl>{statement}{checks}"
        "<footer>本页面仅显示脱敏信息，以签发机关的核验结果为准。"
        '<span class="en">Personal data on this page is masked; the issuing authority\'s record prevails.</span>'
        "</footer></main></body></html>\n"
    )
