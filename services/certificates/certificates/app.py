import httpx
from fastapi import FastAPI

from cekit.app import create_service_app
from cekit.service_tokens import ServiceTokens
from cekit.tokens import KeyFetcher
from certificates.api import ROUTERS
from certificates.clients.hours import HoursClient
from certificates.clients.registry import RegistryClient
from certificates.config import Settings
from certificates.deps import Services
from certificates.errors import RegistryUnavailable
from certificates.keys import KeyStore
from certificates.models import idempotency_record
from certificates.partners import wiring as partnering
from certificates.statuslists.service import StatusListCache
from certificates.verification.issuers import ChainResolver, IssuerResolver, OwnIssuer
from certificates.verification.verifier import Verifier


def create_app(
    settings: Settings | None = None,
    *,
    key_fetcher: KeyFetcher | None = None,
    registry_transport: httpx.AsyncBaseTransport | None = None,
    hours_transport: httpx.AsyncBaseTransport | None = None,
    partner_resolvers: tuple[IssuerResolver, ...] = (),
    partner_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``registry_transport`` / ``hours_transport`` route those calls elsewhere (tests serve fakes through them);
    ``partner_resolvers`` add trusted issuers after ourselves, before the partner registry;
    ``partner_transport`` routes the calls to partner provinces (their keys and status lists)."""
    settings = settings or Settings()
    keys = KeyStore(settings.signing_keys_dir)
    own_clients: list[httpx.AsyncClient] = []

    def client(transport: httpx.AsyncBaseTransport | None, default: httpx.AsyncClient) -> httpx.AsyncClient:
        if transport is None:
            return default
        made = httpx.AsyncClient(transport=transport, timeout=settings.http_timeout_seconds)
        own_clients.append(made)
        return made

    async def startup(app: FastAPI) -> None:
        registry_http = client(registry_transport, app.state.http)
        tokens = ServiceTokens(
            registry_http,
            settings.registry_url,
            settings.registry_client_id,
            secret.get_secret_value() if (secret := settings.registry_client_secret) is not None else None,
            service="certificates",
            unavailable=RegistryUnavailable,
        )
        own = OwnIssuer(
            issuer_id=settings.issuer_id,
            name=settings.issuer_name,
            region_code=settings.region_code,
            keys=keys,
            reader=app.state.reader,
            base_url=settings.public_base_url,
        )
        partners = partnering.start(app, settings, partner_transport)
        app.state.services = Services(
            settings=settings,
            keys=keys,
            registry=RegistryClient(registry_http, settings.registry_url, tokens),
            hours=HoursClient(client(hours_transport, app.state.http), settings.hours_url, tokens),
            status_lists=StatusListCache(),
            verifier=Verifier(ChainResolver(own, *partner_resolvers, partners.directory)),
        )
        partnering.run(app, settings)

    async def shutdown(app: FastAPI) -> None:
        await partnering.stop(app)
        for made in own_clients:
            await made.aclose()

    return create_service_app(
        name="certificates",
        title="E-certificates",
        description="E-certificates, signed annual statements, verification and Jing-Jin-Ji mutual recognition.",
        settings=settings,
        routers=ROUTERS,
        key_fetcher=key_fetcher,
        on_startup=startup,
        on_shutdown=shutdown,
        idempotency_table=idempotency_record,
    )
