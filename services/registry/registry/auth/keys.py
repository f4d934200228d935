"""The access-token signing keys: Ed25519 private keys as ``<kid>.pem`` files in one directory
(``cekit.keyfiles``).

The newest key signs. A key is *retired* from the moment a newer one exists; it stays in the JWKS for
``access token lifetime + leeway`` after that, so every token it signed verifies until the token expires.

The directory is read once and re-read only when its listing changed, so a key rotated by the CLI in another
process is picked up without a restart, and a request never parses PEM.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jwt.algorithms import OKPAlgorithm

from cekit import keyfiles


class SigningKey(keyfiles.StoredKey):
    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


class KeyStore:
    def __init__(self, directory: Path, *, publish_retired_for: timedelta) -> None:
        self.directory = directory
        self.publish_retired_for = publish_retired_for
        self._fingerprint: keyfiles.Fingerprint | None = None
        self._keys: list[SigningKey] = []  # oldest first

    # ---- reading ---------------------------------------------------------------------------
    def signing_keys(self) -> list[SigningKey]:
        """All usable keys, oldest first (re-read from disk only when the directory changed)."""
        fingerprint = keyfiles.fingerprint(self.directory)
        if fingerprint != self._fingerprint:
            self._keys = [SigningKey(k.kid, k.private_key, k.created_at) for k in keyfiles.load(self.directory)]
            self._fingerprint = fingerprint
        return self._keys

    def active(self) -> SigningKey | None:
        keys = self.signing_keys()
        return keys[-1] if keys else None

    def published(self, now: datetime | None = None) -> list[SigningKey]:
        """The active key and the retired keys whose tokens may still be valid."""
        now = now or datetime.now(UTC)
        keys = self.signing_keys()
        result = []
        for index, key in enumerate(keys):
            retired_at = keys[index + 1].created_at if index + 1 < len(keys) else None
            if retired_at is None or now - retired_at < self.publish_retired_for:
                result.append(key)
        return result

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.published()]}

    # ---- writing (the CLI) -----------------------------------------------------------------
    def create(self, now: datetime | None = None) -> SigningKey:
        """Writes a new key, which becomes the active one."""
        stored = keyfiles.create(self.directory, now=now)
        self._fingerprint = None
        return SigningKey(stored.kid, stored.private_key, stored.created_at)

    def prune(self, now: datetime | None = None) -> list[str]:
        """Deletes the keys that are no longer published; returns their ids."""
        published = {key.kid for key in self.published(now)}
        removed = []
        for key in self.signing_keys():
            if key.kid not in published:
                keyfiles.remove(self.directory, key.kid)
                removed.append(key.kid)
        self._fingerprint = None
        return removed
