"""Routes of the certificates service, gathered from its aggregates (each keeps its own thin routes)."""

from fastapi import APIRouter

from certificates.certificate.api import router as certificate_router
from certificates.issuer.api import router as issuer_router
from certificates.jjj.api import router as jjj_router
from certificates.pages.api import router as pages_router
from certificates.partners.api import router as partners_router
from certificates.recognitions.api import router as recognitions_router
from certificates.statements.api import router as statements_router
from certificates.statuslists.api import router as status_lists_router
from certificates.verification.api import router as verification_router

# Every route of the service lives in one of these (cekit.app puts their routes on the app itself). Requests are
# matched against the routes in this order: verification, the busiest by far, comes first.
ROUTERS: tuple[APIRouter, ...] = (
    verification_router,
    certificate_router,
    statements_router,
    status_lists_router,
    issuer_router,
    pages_router,
    partners_router,
    recognitions_router,
    jjj_router,
)
