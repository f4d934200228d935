from fastapi import FastAPI

from bases.api import ROUTERS
from bases.config import Settings
from bases.models import idempotency_record
from cekit.app import create_service_app
from cekit.tokens import KeyFetcher


def create_app(settings: Settings | None = None, *, key_fetcher: KeyFetcher | None = None) -> FastAPI:
    return create_service_app(
        name="bases",
        title="Continuing-education bases",
        description="Base applications, recognition, annual plans, inspections, funds and complaints (seeds 003).",
        settings=settings or Settings(),
        routers=ROUTERS,
        key_fetcher=key_fetcher,
        idempotency_table=idempotency_record,
    )
