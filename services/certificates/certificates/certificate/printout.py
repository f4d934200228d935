"""The printable certificate (PDF): the certificate view as its reader may see it (``certificate.service.view``,
so the same scope rule and the same audit), each year's requirement and compliance from the hours service, and
the latest signed statement; its QR code opens ``<public base>/verify/<code>`` (000 art. 14–15).

The certificate number is the ID number (000 art. 14): the sheet carries the masked one only, and any free text
that would carry a full ID number (a course title, a result) is masked as the logs mask it rather than printed.
"""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from cekit.logging import mask_id_numbers
from cekit.tokens import Principal
from certificates import vc
from certificates.certificate import service
from certificates.certificate.schemas import CertificateEntry, CertificateOut, CertificateYear
from certificates.clients.hours import Compliance
from certificates.deps import Services
from certificates.render import (
    CertificateView,
    CreditedHours,
    EntryView,
    RequiredHours,
    StatementView,
    YearView,
    render_certificate_pdf,
)


async def certificate_pdf(
    session: AsyncSession, services: Services, actor: Principal, authorization: str, person_id: uuid.UUID
) -> tuple[str, bytes]:
    """(certificate code, PDF). Rendering takes ~0.3 s of CPU: it runs in a worker thread, off the event loop."""
    view = await service.view(session, services, actor, authorization, person_id)
    compliance = {
        year.year: await services.hours.compliance(person_id, year.year, authorization=authorization)
        for year in view.years
    }
    printable = certificate_view(view, compliance, services, datetime.now(vc.CHINA))
    return view.certificate_code, await run_in_threadpool(render_certificate_pdf, printable)


def verification_url(base_url: str, code: str) -> str:
    """What the QR code opens: the page verifies the latest statement, so a printout never goes stale."""
    return f"{base_url}/verify/{code}"


def certificate_view(
    view: CertificateOut, compliance: dict[int, Compliance], services: Services, printed_at: datetime
) -> CertificateView:
    settings = services.settings
    latest = view.statements[0] if view.statements else None
    return CertificateView(
        certificate_code=view.certificate_code,
        name=mask_id_numbers(view.name),
        masked_id_number=mask_id_numbers(view.certificate_number_masked),
        issuer_name=settings.issuer_name,
        region_code=settings.region_code,
        issued_at=printed_at,
        verification_url=verification_url(settings.public_base_url, view.certificate_code),
        years=tuple(_year(year, compliance[year.year]) for year in view.years),
        statement=StatementView(statement_id=str(latest.statement_id), year=latest.year, issued_at=latest.issued_at)
        if latest is not None
        else None,
    )


def _year(year: CertificateYear, compliance: Compliance) -> YearView:
    required = compliance.required
    minimums = [m for m in (required.public, required.professional) if m is not None]
    return YearView(
        year=year.year,
        required=RequiredHours(
            public=required.public,
            professional=required.professional,
            total=required.total if required.total is not None else sum(minimums, Decimal(0)),
        ),
        # The certified hours the entries add up to; compliance is the hours service's verdict on them.
        credited=CreditedHours(
            public=year.totals.public, professional=year.totals.professional, total=year.totals.total
        ),
        compliant=compliance.compliant,
        entries=tuple(_entry(entry) for entry in year.entries),
    )


def _entry(entry: CertificateEntry) -> EntryView:
    return EntryView(
        category="public" if entry.category == "public" else "professional",
        kind=entry.kind,
        title=mask_id_numbers(entry.title),
        start_date=entry.start_date,
        end_date=entry.end_date,
        hours=entry.hours,
        result=mask_id_numbers(entry.result) if entry.result else None,
        institution=_institution(entry),
    )


def _institution(entry: CertificateEntry) -> str:
    if entry.institution is not None and entry.institution.name:
        return mask_id_numbers(entry.institution.name)
    if entry.recognised_from:  # hours certified by a partner province and recognised here (000 art. 22)
        return f"京津冀互认 {entry.recognised_from}"
    return "—"
