"""The certificate view: whose certificate the caller may read is the hours service's rule (asked as the caller);
its content is the person's certified records from hours, their name from the registry and the statements issued
here. The certificate row is made on first use: its code is random, so nothing is lost by not making it at the
person's registration (000 art. 14)."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.pii import mask_id_number
from cekit.tokens import Principal
from certificates import access
from certificates.audit import audit
from certificates.certificate import repository as certificates
from certificates.certificate.schemas import (
    CertificateEntry,
    CertificateOut,
    CertificateYear,
    Institution,
    StatementSummary,
    YearTotals,
)
from certificates.clients.hours import CertifiedRecord
from certificates.deps import Services
from certificates.statements import repository as statements
from certificates.statements.service import china_year, status_of


async def view(
    session: AsyncSession, services: Services, actor: Principal, authorization: str, person_id: uuid.UUID
) -> CertificateOut:
    access.only_own(actor, person_id)
    await services.hours.compliance(person_id, china_year(datetime.now(UTC)), authorization=authorization)
    records = await services.hours.certified_records(person_id)
    identity = await services.registry.identity(
        person_id, {r.institution_id for r in records if r.institution_id is not None}
    )
    certificate, made = await certificates.get_or_create(session, person_id)
    if made:
        await audit(session, actor, "certificate.created", "certificate", person_id)
    names = identity.organisation_names()
    by_year: dict[int, list[CertifiedRecord]] = defaultdict(list)
    for record in records:
        by_year[record.year].append(record)
    issued = await statements.of_person(session, person_id)
    return CertificateOut(
        person_id=person_id,
        certificate_code=certificate.code,
        certificate_number_masked=mask_id_number(identity.id_number),
        name=identity.name,
        created_at=certificate.created_at,
        years=[_year(year, by_year[year], names) for year in sorted(by_year)],
        statements=[
            StatementSummary(
                statement_id=row.id,
                year=row.year,
                status=status_of(row),
                issued_at=row.issued_at,
                valid_until=row.valid_until,
            )
            for row in issued
        ],
    )


def _year(year: int, records: list[CertifiedRecord], names: dict[uuid.UUID, str]) -> CertificateYear:
    public = sum((r.hours for r in records if r.category == "public"), Decimal(0))
    professional = sum((r.hours for r in records if r.category == "professional"), Decimal(0))
    return CertificateYear(
        year=year,
        totals=YearTotals(total=public + professional, public=public, professional=professional),
        entries=[
            CertificateEntry(
                record_id=r.record_id,
                category=r.category,
                kind=r.activity,
                title=r.title,
                start_date=r.start_date,
                end_date=r.end_date,
                hours=r.hours,
                required=r.required,
                result=r.result,
                institution=Institution(id=r.institution_id, name=names.get(r.institution_id))
                if r.institution_id is not None
                else None,
                source=r.source,
                recognised_from=r.recognised_from,
            )
            for r in records
        ],
    )
