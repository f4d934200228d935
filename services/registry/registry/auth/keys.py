"""The access-token signing keys: Ed25519 private keys as ``<kid>.pem`` files in one directory.

The newest key signs. A key is *retired* from the moment a newer one exists; it stays in the JWKS for
``access token lifetime + leeway`` after that, so every token it signed verifies until the token expires.
Each key has a sidecar ``<kid>.json`` with its creation time (file times change when files are copied or
restored; the sidecar does not); a key without a sidecar falls back to its file's modification time.

The directory is read once and re-read only when its listing (names, sizes, modification times) changed,
so a key rotated by the CLI in another process is picked up without a restart, and a request never
parses PEM.
"""

import json
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

log = logging.getLogger("registry.keys")

_KID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
Fingerprint = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey = field(compare=False, repr=False)
    created_at: datetime

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


class KeyStore:
    def __init__(self, directory: Path, *, publish_retired_for: timedelta) -> None:
        self.directory = directory
        self.publish_retired_for = publish_retired_for
        self._fingerprint: Fingerprint | None = None
        self._keys: list[SigningKey] = []  # oldest first

    # ---- reading ---------------------------------------------------------------------------
    def signing_keys(self) -> list[SigningKey]:
        """All usable keys, oldest first (re-read from disk only when the directory changed)."""
        fingerprint = self._read_fingerprint()
        if fingerprint != self._fingerprint:
            self._keys = self._load()
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
                key = self._read_key(path, kid)
            except (OSError, ValueError, TypeError) as exc:
                # One unreadable file must not take the others (and so all token issuing) down with it.
                log.error("ignoring signing key file %s: %s", path.name, exc)
                continue
            keys.append(key)
        keys.sort(key=lambda k: (k.created_at, k.kid))
        return keys

    def _read_key(self, path: Path, kid: str) -> SigningKey:
        info = path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("signing key %s is readable by other users (mode %o); it should be 0600", kid, info.st_mode)
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise TypeError("not an Ed25519 private key")
        return SigningKey(kid, private_key, self._created_at(path, kid, info.st_mtime))

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
        kid = now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)
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
        return SigningKey(kid, private_key, now)

    def prune(self, now: datetime | None = None) -> list[str]:
        """Deletes the keys that are no longer published; returns their ids."""
        published = {key.kid for key in self.published(now)}
        removed = []
        for key in self.signing_keys():
            if key.kid not in published:
                (self.directory / f"{key.kid}.pem").unlink(missing_ok=True)
                (self.directory / f"{key.kid}.json").unlink(missing_ok=True)
                removed.append(key.kid)
        self._fingerprint = None
        return removed


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL: never overwrite an existing key; 0600 from the first byte, not chmod-ed afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
