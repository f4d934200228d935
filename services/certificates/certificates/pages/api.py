"""Route of the verification page: public (no token), HTML, never cached (thin; ``pages.service`` does the work)."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from cekit.db import SessionDep
from certificates.deps import ServicesDep
from certificates.pages import service
from certificates.render import VERIFICATION_PAGE_CSP

router = APIRouter(tags=["verification"])

# The status of a statement can change at any moment (revocation, suspension): no cache may keep the page. The
# page carries masked personal data: no other site learns the URL (Referer) and no browser guesses a type.
PAGE_HEADERS = {
    "Content-Security-Policy": VERIFICATION_PAGE_CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
_HTML = {"text/html": {"schema": {"type": "string"}}}


@router.get(
    "/verify/{code:path}",
    summary="The human check behind the QR code on a printed certificate: an HTML page with the verdict (anyone)",
    description="Verifies the certificate's latest signed statement (or the one named by `statement`, which must "
    "be this certificate's) as `POST /v1/verifications` does and shows the verdict — valid, revoked, invalid or "
    "indeterminate — with each check and the statement's masked particulars (never the ID number). An unknown "
    "code or statement answers 404 with a page that says only that.",
    response_class=HTMLResponse,
    responses={200: {"content": _HTML}, 404: {"description": "No such certificate or statement", "content": _HTML}},
)
async def verification_page(
    code: str,
    session: SessionDep,
    services: ServicesDep,
    statement: Annotated[str | None, Query(description="a statement id of this certificate")] = None,
) -> HTMLResponse:
    page = await service.verification_page(session, services, code, statement)
    return HTMLResponse(page.html, status_code=page.status_code, headers=PAGE_HEADERS)
