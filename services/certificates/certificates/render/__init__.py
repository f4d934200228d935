"""Rendering of certificates for people: the printable PDF and the HTML verification page. Pure: no DB, no HTTP."""

from certificates.render.model import (
    ACTIVITY_LABELS,
    CATEGORY_LABELS,
    VERDICT_LABELS,
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
    activity_label,
    mask_name,
)
from certificates.render.page import VERIFICATION_PAGE_CSP, render_verification_page
from certificates.render.pdf import qr_payload, render_certificate_pdf

__all__ = [
    "ACTIVITY_LABELS",
    "CATEGORY_LABELS",
    "VERDICT_LABELS",
    "VERIFICATION_PAGE_CSP",
    "CertificateView",
    "CheckView",
    "CreditedHours",
    "EntryView",
    "RequiredHours",
    "StatementSummary",
    "StatementView",
    "Verdict",
    "VerificationPageModel",
    "YearView",
    "activity_label",
    "mask_name",
    "qr_payload",
    "render_certificate_pdf",
    "render_verification_page",
]
