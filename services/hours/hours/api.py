"""Routes of the hours service, gathered from its aggregates (each keeps its own thin routes)."""

from fastapi import APIRouter

from hours.assessments.api import router as assessments_router
from hours.catalogue.api import router as catalogue_router
from hours.compliance.api import router as compliance_router
from hours.eligibility.api import router as eligibility_router
from hours.policy.api import router as policy_router
from hours.recognition.api import router as recognition_router
from hours.records.api import router as records_router
from hours.requirements.api import router as requirements_router
from hours.spotchecks.api import router as spot_checks_router
from hours.statistics.api import router as statistics_router

# Every route of the service lives in one of these (cekit.app puts their routes on the app itself).
ROUTERS: tuple[APIRouter, ...] = (
    records_router,
    compliance_router,
    assessments_router,
    eligibility_router,
    requirements_router,
    spot_checks_router,
    catalogue_router,
    policy_router,
    recognition_router,
    statistics_router,
)
