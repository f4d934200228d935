import httpx
from fastapi import FastAPI

from cekit.app import create_service_app
from cekit.tokens import KeyFetcher
from hours.api import ROUTERS
from hours.clients.registry import RegistryClient
from hours.config import Settings
from hours.models import idempotency_record
from hours.policy.resolve import PolicyBook


def create_app(
    settings: Settings | None = None,
    *,
    key_fetcher: KeyFetcher | None = None,
    registry_transport: httpx.AsyncBaseTransport | None = None,
    policy: PolicyBook | None = None,
) -> FastAPI:
    """``registry_transport`` routes registry calls elsewhere (tests serve a fake registry through it)."""
    settings = settings or Settings()
    # Packs are read and checked now: a broken pack stops the service from starting, not a request later.
    book = policy or PolicyBook.default(settings.extra_packs_dir)
    own_client: list[httpx.AsyncClient] = []

    async def startup(app: FastAPI) -> None:
        http: httpx.AsyncClient = app.state.http
        if registry_transport is not None:
            http = httpx.AsyncClient(transport=registry_transport, timeout=settings.http_timeout_seconds)
            own_client.append(http)
        secret = settings.registry_client_secret
        app.state.registry = RegistryClient(
            http,
            settings.registry_url,
            settings.registry_client_id,
            secret.get_secret_value() if secret is not None else None,
        )
        app.state.policy = book

    async def shutdown(app: FastAPI) -> None:
        for client in own_client:
            await client.aclose()

    return create_service_app(
        name="hours",
        title="Hours ledger",
        description="Learning records from institutions, reviews, the append-only hour ledger and annual compliance.",
        settings=settings,
        routers=ROUTERS,
        key_fetcher=key_fetcher,
        on_startup=startup,
        on_shutdown=shutdown,
        idempotency_table=idempotency_record,
    )
