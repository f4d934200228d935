"""The statement signing keys: Ed25519 private keys as ``<kid>.pem`` files in one directory (``cekit.keyfiles``).

The newest key signs. Unlike access tokens (minutes), a statement is valid for years, so a key that a newer one
replaced (*retired*) stays published in the JWKS for good: every statement it signed keeps verifying. A key is
only ever removed by an operator deleting its files (a compromised key: every statement it signed then fails
its signature check, which is the point).

The directory is re-read only when its listing changed, and that is looked at no more than once a second, so a
key rotated by the CLI in another process is picked up without a restart, and a request never parses PEM:
verifiers get parsed key objects.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK
from jwt.algorithms import OKPAlgorithm

from cekit import keyfiles


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey = field(compare=False, repr=False)
    created_at: datetime
    # Parsed once: verifying with a parsed key costs half of parsing a JWK or PEM each time.
    verifier: PyJWK = field(compare=False, repr=False)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


def _signing_key(stored: keyfiles.StoredKey) -> SigningKey:
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(stored.private_key.public_key(), as_dict=True)
    verifier = PyJWK({**jwk, "kid": stored.kid, "alg": "EdDSA"})
    return SigningKey(stored.kid, stored.private_key, stored.created_at, verifier)


class KeyStore:
    def __init__(self, directory: Path, *, recheck_seconds: float = 1.0) -> None:
        self.directory = directory
        self.recheck_seconds = recheck_seconds
        self._fingerprint: keyfiles.Fingerprint | None = None
        self._checked_at = float("-inf")
        self._keys: list[SigningKey] = []  # oldest first
        self._by_kid: dict[str, SigningKey] = {}

    # ---- reading ---------------------------------------------------------------------------
    def signing_keys(self) -> list[SigningKey]:
        """All usable keys, oldest first (re-read from disk only when the directory changed)."""
        now = time.monotonic()
        if now - self._checked_at >= self.recheck_seconds:
            self._checked_at = now
            fingerprint = keyfiles.fingerprint(self.directory)
            if fingerprint != self._fingerprint:
                self._keys = [_signing_key(stored) for stored in keyfiles.load(self.directory)]
                self._by_kid = {key.kid: key for key in self._keys}
                self._fingerprint = fingerprint
        return self._keys

    def active(self) -> SigningKey | None:
        keys = self.signing_keys()
        return keys[-1] if keys else None

    def get(self, kid: str) -> SigningKey | None:
        self.signing_keys()
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, Any]:
        """Every key, the retired ones too (their statements stay valid for years)."""
        return {"keys": [key.public_jwk() for key in self.signing_keys()]}

    # ---- writing (the CLI) -----------------------------------------------------------------
    def create(self, now: datetime | None = None) -> SigningKey:
        """Writes a new key, which becomes the active one."""
        stored = keyfiles.create(self.directory, kid_prefix="st-", now=now)
        self._fingerprint = None
        self._checked_at = float("-inf")
        return _signing_key(stored)
