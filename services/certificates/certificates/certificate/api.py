"""Route of the certificate view (thin; ``certificate.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from certificates import access
from certificates.certificate import printout, service
from certificates.certificate.schemas import CertificateOut
from certificates.deps import AuthorizationDep, ServicesDep

router = APIRouter(tags=["certificates"])

Reader = Annotated[Principal, Depends(require_roles(*access.CERTIFICATE_READERS))]


@router.get(
    "/v1/certificates/{person_id}",
    summary="A person's e-certificate: their certified continuing education, year by year (000 art. 14-15)",
    description="For the person, their employer, officials in scope and admin (the hours service decides who sees "
    "whose hours); anyone else gets 404. The certificate number (the ID number) is shown masked.",
    response_model=CertificateOut,
    responses=problem_responses(401, 403, 404, 503),
)
async def get_certificate(
    person_id: uuid.UUID, actor: Reader, authorization: AuthorizationDep, session: SessionDep, services: ServicesDep
) -> CertificateOut:
    return await service.view(session, services, actor, authorization, person_id)


@router.get(
    "/v1/certificates/{person_id}/pdf",
    summary="The printable certificate: an A4 PDF in Chinese with a QR code that opens /verify/{code}",
    description="The same readers and the same content as the certificate (000 art. 14-15), each year's "
    "requirement and result, and the latest signed statement; the ID number is printed masked.",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(401, 403, 404, 503),
    },
)
async def get_certificate_pdf(
    person_id: uuid.UUID, actor: Reader, authorization: AuthorizationDep, session: SessionDep, services: ServicesDep
) -> Response:
    code, pdf = await printout.certificate_pdf(session, services, actor, authorization, person_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{code}.pdf"',
            # Personal data: no shared cache keeps it.
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
