"""The statement signing keys: Ed25519 private keys as ``<kid>.pem`` files in one directory.

The newest key signs. Unlike access tokens (minutes), a statement is valid for years, so a key that a newer one
replaced (*retired*) stays published in the JWKS for good: every statement it signed keeps verifying. A key is
only ever removed by an operator deleting its files (a compromised key: every statement it signed then fails
its signature check, which is the point).

Each key has a sidecar ``<kid>.json`` with its creation time (file times change when files are copied or
restored; the sidecar does not). The directory is re-read only when its listing (names, sizes, modification
times) changed, and that is looked at no more than once a second, so a key rotated by the CLI in another
process is picked up without a restart, and a request never parses PEM: verifiers get parsed key objects.
"""

import json
import logging
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK
from jwt.algorithms import OKPAlgorithm

log = logging.getLogger("certificates.keys")

_KID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
Fingerprint = tuple[tuple[str, int, int, int], ...]


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


def _signing_key(kid: str, private_key: Ed25519PrivateKey, created_at: datetime) -> SigningKey:
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return SigningKey(kid, private_key, created_at, PyJWK({**jwk, "kid": kid, "alg": "EdDSA"}))


class KeyStore:
    def __init__(self, directory: Path, *, recheck_seconds: float = 1.0) -> None:
        self.directory = directory
        self.recheck_seconds = recheck_seconds
        self._fingerprint: Fingerprint | None = None
        self._checked_at = float("-inf")
        self._keys: list[SigningKey] = []  # oldest first
        self._by_kid: dict[str, SigningKey] = {}

    # ---- reading ---------------------------------------------------------------------------
    def signing_keys(self) -> list[SigningKey]:
        """All usable keys, oldest first (re-read from disk only when the directory changed)."""
        now = time.monotonic()
        if now - self._checked_at >= self.recheck_seconds:
            self._checked_at = now
            fingerprint = self._read_fingerprint()
            if fingerprint != self._fingerprint:
                self._keys = self._load()
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

    def _read_fingerprint(self) -> Fingerprint:
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return ()
        listing = []
        for entry in entries:
            if entry.name.endswith((".pem", ".json")):
                try:
                    info = entry.stat()
                except FileNotFoundError:  # removed while we looked
                    continue
                listing.append((entry.name, info.st_size, info.st_mtime_ns, info.st_ino))
        return tuple(sorted(listing))

    def _load(self) -> list[SigningKey]:
        keys = []
        for path in sorted(self.directory.glob("*.pem")):
            kid = path.stem
            if not _KID.match(kid):
                log.warning("ignoring signing key file %s: the name is not a valid key id", path.name)
                continue
            try:
                keys.append(self._read_key(path, kid))
            except (OSError, ValueError, TypeError) as exc:
                # One unreadable file must not take the others (and so all verification) down with it.
                log.error("ignoring signing key file %s: %s", path.name, exc)
        keys.sort(key=lambda k: (k.created_at, k.kid))
        return keys

    def _read_key(self, path: Path, kid: str) -> SigningKey:
        info = path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("signing key %s is readable by other users (mode %o); it should be 0600", kid, info.st_mode)
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise TypeError("not an Ed25519 private key")
        return _signing_key(kid, private_key, self._created_at(path, kid, info.st_mtime))

    def _created_at(self, path: Path, kid: str, mtime: float) -> datetime:
        sidecar = path.with_suffix(".json")
        try:
            created_at = datetime.fromisoformat(json.loads(sidecar.read_text())["created_at"])
            return created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("signing key %s: unreadable %s (%s); using the file's modification time", kid, sidecar, exc)
        return datetime.fromtimestamp(mtime, UTC)

    # ---- writing (the CLI) -----------------------------------------------------------------
    def create(self, now: datetime | None = None) -> SigningKey:
        """Writes a new key, which becomes the active one."""
        now = now or datetime.now(UTC)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Sortable by name too, which helps an operator reading the directory.
        kid = "st-" + now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)
        private_key = Ed25519PrivateKey.generate()
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # The sidecar first, then the key under a temporary name renamed into place: a reader never sees
        # a half-written key or a key without its creation time.
        sidecar = json.dumps({"kid": kid, "alg": "EdDSA", "created_at": now.isoformat()}).encode()
        _write_private(self.directory / f"{kid}.json", sidecar)
        temporary = self.directory / f".{kid}.pem.tmp"
        _write_private(temporary, pem)
        temporary.rename(self.directory / f"{kid}.pem")
        self._fingerprint = None
        self._checked_at = float("-inf")
        return _signing_key(kid, private_key, now)


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL: never overwrite an existing key; 0600 from the first byte, not chmod-ed afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
