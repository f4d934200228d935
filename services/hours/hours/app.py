from fastapi import FastAPI

from cekit.app import create_service_app
from hours.api import router
from hours.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="hours",
        title="Hours ledger",
        description="Learning records from institutions, reviews, the append-only hour ledger and annual compliance.",
        settings=settings or Settings(),
        routers=[router],
    )
