"""Route of the certificate view (thin; ``certificate.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from certificates import access
from certificates.certificate import service
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
