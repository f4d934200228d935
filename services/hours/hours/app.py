from fastapi import FastAPI

from cekit.app import create_service_app
from cekit.tokens import KeyFetcher
from hours.api import router
from hours.config import Settings
from hours.models import idempotency_record


def create_app(settings: Settings | None = None, *, key_fetcher: KeyFetcher | None = None) -> FastAPI:
    return create_service_app(
        name="hours",
        title="Hours ledger",
        description="Learning records from institutions, reviews, the append-only hour ledger and annual compliance.",
        settings=settings or Settings(),
        routers=[router],
        key_fetcher=key_fetcher,
        idempotency_table=idempotency_record,
    )
