from datetime import timedelta

from fastapi import FastAPI

from cekit.app import create_service_app
from cekit.tokens import KeySet, TokenVerifier, static_jwks_fetcher
from registry.api import ROUTERS
from registry.auth.keys import KeyStore
from registry.config import Settings
from registry.credentials import Passwords
from registry.pii_keys import load_pii_cipher


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Built here, read lazily: building the app (e.g. for the OpenAPI contract) touches no key file.
    keys = KeyStore(settings.signing_keys_dir, publish_retired_for=timedelta(seconds=settings.key_publication_seconds))
    # The registry verifies its own tokens from its key directory, never over HTTP to itself.
    key_fetcher = static_jwks_fetcher(keys.jwks)

    async def on_startup(app: FastAPI) -> None:
        # First, so a missing key file stops the start before anything else is set up.
        app.state.pii = load_pii_cipher(settings.pii_keys_file)
        app.state.keys = keys
        app.state.passwords = Passwords.from_settings(settings)
        await app.state.passwords.warm_up()
        # The key source is in-process and cheap, so no refetch throttle: a key rotated a moment ago must
        # verify here at once (the default verifier waits up to 10 s between refetches, to spare the network).
        app.state.token_verifier = TokenVerifier(
            KeySet(key_fetcher, ttl_seconds=30, min_refetch_seconds=0),
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            leeway_seconds=settings.token_leeway_seconds,
        )

    return create_service_app(
        name="registry",
        title="Registry",
        description="Real-name identity, organisations, user accounts, machine clients and the token issuer.",
        settings=settings,
        routers=ROUTERS,
        key_fetcher=key_fetcher,
        on_startup=on_startup,
    )
