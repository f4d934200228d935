from fastapi import FastAPI

from cekit.app import create_service_app
from cekit.tokens import KeyFetcher
from certificates.api import router
from certificates.config import Settings
from certificates.models import idempotency_record


def create_app(settings: Settings | None = None, *, key_fetcher: KeyFetcher | None = None) -> FastAPI:
    return create_service_app(
        name="certificates",
        title="E-certificates",
        description="E-certificates, signed annual statements, verification and Jing-Jin-Ji mutual recognition.",
        settings=settings or Settings(),
        routers=[router],
        key_fetcher=key_fetcher,
        idempotency_table=idempotency_record,
    )
