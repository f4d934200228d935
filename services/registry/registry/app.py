from fastapi import FastAPI

from cekit.app import create_service_app
from cekit.tokens import KeyFetcher
from registry.api import router
from registry.config import Settings


def create_app(settings: Settings | None = None, *, key_fetcher: KeyFetcher | None = None) -> FastAPI:
    return create_service_app(
        name="registry",
        title="Hours ledger",
        description="Learning records from institutions, reviews, the append-only hour ledger and annual compliance.",
        settings=settings or Settings(),
        routers=[router],
        key_fetcher=key_fetcher,
    )
