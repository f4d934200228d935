"""Dependencies of the registry's routes: its settings, keys, password hasher and PII cipher, and the public
marker."""

from typing import Annotated

from fastapi import Depends, Request

from cekit.pii import PiiCipher
from registry.auth.keys import KeyStore
from registry.config import Settings
from registry.credentials import Passwords


def public() -> None:
    """Marks a route as deliberately open to anyone (the token endpoint, revocation, the JWKS).

    Every route declares who may call it: a role dependency, the authenticated principal, or this.
    """


async def _settings(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings)  # create_app always passes the registry's own settings
    return settings


async def _keys(request: Request) -> KeyStore:
    keys: KeyStore = request.app.state.keys
    return keys


async def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def _cipher(request: Request) -> PiiCipher:
    cipher: PiiCipher = request.app.state.pii
    return cipher


SettingsDep = Annotated[Settings, Depends(_settings)]
KeysDep = Annotated[KeyStore, Depends(_keys)]
PasswordsDep = Annotated[Passwords, Depends(_passwords)]
CipherDep = Annotated[PiiCipher, Depends(_cipher)]
PUBLIC = Depends(public)
