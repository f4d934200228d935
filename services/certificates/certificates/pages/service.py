"""What ``/verify/{code}`` shows. Anyone may open it (the QR code on a printed certificate, 000 art. 14–15), so it
says as little as it can: the verdict, the checks, and the particulars a signed statement already carries in
masked form (name, masked ID number, the year's totals). An unknown code, or a statement that is not this
certificate's, gets the same page as a code that never existed: nobody learns which codes or statements exist.

The verdict comes from the service's verifier run on the statement as stored, exactly as ``POST /v1/verifications``
would run it, so a revocation or a suspension shows the moment it is made (the page is never cached).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.logging import mask_id_numbers
from certificates import vc
from certificates.certificate import repository as certificates
from certificates.deps import Services
from certificates.pages import repository as statements
from certificates.render import (
    CheckView,
    CreditedHours,
    RequiredHours,
    StatementSummary,
    Verdict,
    VerificationPageModel,
    mask_name,
    render_verification_page,
)
from certificates.verification.verifier import Verification

# certificate.repository.new_code: 16 characters of RFC 4648 base32. Anything else is no code of ours, and is
# refused before the database is asked (and never echoed).
CODE = re.compile(r"[A-Z2-7]{16}")

NOT_FOUND = "未找到该证书。请核对二维码或核验地址。 No certificate with this verification code."
NO_STATEMENT = (
    "该证书尚未签发年度学时证明，暂无可核验的内容。 No signed annual statement has been issued for this certificate "
    "yet: there is nothing to verify."
)
_REASONS = {
    "valid": "签名有效，在有效期内，未被撤销或暂停。 Signature valid, within its validity period, neither revoked "
    "nor suspended.",
    "revoked": "该证明已被签发机关撤销。 The issuer has revoked this statement.",
    "suspended": "该证明已被签发机关暂停使用。 The issuer has suspended this statement.",
    "invalid": "该证明未通过核验。 This statement did not pass verification.",
    "indeterminate": "暂时无法完成核验，请稍后再试。 The check could not be completed; try again later.",
}
_STATUS_LABELS = {
    "active": "有效 Active",
    "revoked": "已撤销 Revoked",
    "suspended": "已暂停 Suspended",
    "unknown": "未知 Unknown",
}


@dataclass(frozen=True)
class Page:
    status_code: int
    html: str


async def verification_page(
    session: AsyncSession, services: Services, code: str, statement_id: str | None, *, now: datetime | None = None
) -> Page:
    now = (now or datetime.now(vc.CHINA)).astimezone(vc.CHINA)
    code = code.strip().upper()  # typed from a printout: case does not matter in base32
    if CODE.fullmatch(code) is None:
        return _not_found(now)
    certificate = await certificates.by_code(session, code)
    if certificate is None:
        return _not_found(now)
    if statement_id is None:
        row = await statements.latest_of(session, certificate.person_id)
        if row is None:
            return Page(200, render_verification_page(_no_statement(code, now)))
    else:
        try:
            wanted = uuid.UUID(statement_id)
        except ValueError:
            return _not_found(now)
        row = await statements.of_person(session, certificate.person_id, wanted)
        if row is None:
            return _not_found(now)
    result = await services.verifier.verify(row.credential)
    return Page(200, render_verification_page(page_model(result, code, str(row.id), services, now)))


def _not_found(now: datetime) -> Page:
    return Page(404, render_verification_page(VerificationPageModel(Verdict.INVALID, NOT_FOUND, checked_at=now)))


def _no_statement(code: str, now: datetime) -> VerificationPageModel:
    return VerificationPageModel(Verdict.INDETERMINATE, NO_STATEMENT, certificate_code=code, checked_at=now)


def verdict_of(result: Verification) -> Verdict:
    if result.status == "revoked":
        return Verdict.REVOKED
    return Verdict(result.verdict)


def page_model(
    result: Verification, code: str, statement_id: str, services: Services, now: datetime
) -> VerificationPageModel:
    """The verifier's report as the page shows it; particulars only from a payload whose signature verified."""
    verdict = verdict_of(result)
    reason = _REASONS["suspended" if result.status == "suspended" else verdict.value]
    if verdict in (Verdict.INVALID, Verdict.INDETERMINATE) and result.reason:
        reason = f"{reason} ({_safe(result.reason)})"
    # Undecided checks (None) are not failures: the reason above says what could not be decided, and a
    # "FAIL" mark beside them would say more than is known.
    checks = tuple(CheckView(c.check, c.passed, _safe(c.detail)) for c in result.checks if c.passed is not None)
    subject = result.subject
    if subject is None:  # unsigned or forged: nothing in it is shown
        return VerificationPageModel(
            verdict=verdict,
            reason=reason,
            checks=checks,
            certificate_code=code,
            issuer=result.issuer_name or services.settings.issuer_name,
            checked_at=now,
        )
    name = subject.get("name")
    masked_id = subject.get("maskedIdNumber")
    extra = [("状态 Status", _STATUS_LABELS.get(result.status, result.status))]
    valid_until = vc.parse_timestamp((result.credential or {}).get("validUntil"))
    if valid_until is not None:
        extra.append(("有效期至 Valid until", valid_until.astimezone(vc.CHINA).date().isoformat()))
    return VerificationPageModel(
        verdict=verdict,
        reason=reason,
        checks=checks,
        certificate_code=code,
        # The credential carries the full name; the public page shows it masked.
        masked_name=mask_name(_safe(name)) if isinstance(name, str) and name else None,
        masked_id=_safe(masked_id) if isinstance(masked_id, str) else None,
        issuer=result.issuer_name or services.settings.issuer_name,
        statement=statement_summary(subject, statement_id),
        checked_at=now,
        extra=tuple(extra),
    )


def statement_summary(subject: dict[str, Any], statement_id: str) -> StatementSummary | None:
    """The year's totals as the signed statement states them (``vc.statement_credential``)."""
    year = subject.get("year")
    totals = subject.get("totals")
    if not isinstance(year, int) or isinstance(year, bool) or not isinstance(totals, dict):
        return None

    def amount(key: str, field: str) -> Decimal | None:
        item = totals.get(key)
        return _hours(item.get(field)) if isinstance(item, dict) else None

    public, professional, total = (amount(key, "credited") for key in ("public", "professional", "total"))
    if public is None or professional is None or total is None:
        return None
    required_total = amount("total", "required")
    required = (
        RequiredHours(amount("public", "required"), amount("professional", "required"), required_total)
        if required_total is not None
        else None
    )
    compliant = subject.get("compliant")
    return StatementSummary(
        year=year,
        credited=CreditedHours(public=public, professional=professional, total=total),
        required=required,
        compliant=compliant if isinstance(compliant, bool) else None,
        statement_id=statement_id,
    )


def _hours(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _safe(text: str) -> str:
    """Never a full ID number on a public page, even if some text were to carry one (the renderer would refuse
    the whole page): masked as the logs mask it."""
    return mask_id_numbers(text)
