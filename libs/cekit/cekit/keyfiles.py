"""Ed25519 private keys as ``<kid>.pem`` files in one directory, each with a sidecar ``<kid>.json`` holding its
creation time (file times change when files are copied or restored; the sidecar does not; a key without one falls
back to its file's modification time).

Only the files: which keys a service publishes and for how long is the service's own rule (the registry retires
token keys after the token lifetime; certificates keeps statement keys for good).
"""

import json
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger("cekit.keyfiles")

_KID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
Fingerprint = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class StoredKey:
    kid: str
    private_key: Ed25519PrivateKey = field(compare=False, repr=False)
    created_at: datetime


def fingerprint(directory: Path) -> Fingerprint:
    """The directory's key files (names, sizes, modification times, inodes): re-read the keys when it changes."""
    try:
        entries = list(os.scandir(directory))
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


def load(directory: Path) -> list[StoredKey]:
    """Every readable key, oldest first. A bad file is logged and skipped: one unreadable file must not take the
    others (and so all signing and verifying) down with it."""
    keys = []
    for path in sorted(directory.glob("*.pem")):
        kid = path.stem
        if not _KID.match(kid):
            log.warning("ignoring signing key file %s: the name is not a valid key id", path.name)
            continue
        try:
            keys.append(_read(path, kid))
        except (OSError, ValueError, TypeError) as exc:
            log.error("ignoring signing key file %s: %s", path.name, exc)
    keys.sort(key=lambda k: (k.created_at, k.kid))
    return keys


def create(directory: Path, *, kid_prefix: str = "", now: datetime | None = None) -> StoredKey:
    """Writes a new key. The sidecar first, then the key under a temporary name renamed into place: a reader
    never sees a half-written key or a key without its creation time."""
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Sortable by name too, which helps an operator reading the directory.
    kid = kid_prefix + now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sidecar = json.dumps({"kid": kid, "alg": "EdDSA", "created_at": now.isoformat()}).encode()
    _write_private(directory / f"{kid}.json", sidecar)
    temporary = directory / f".{kid}.pem.tmp"
    _write_private(temporary, pem)
    temporary.rename(directory / f"{kid}.pem")
    return StoredKey(kid, private_key, now)


def remove(directory: Path, kid: str) -> None:
    (directory / f"{kid}.pem").unlink(missing_ok=True)
    (directory / f"{kid}.json").unlink(missing_ok=True)


def _read(path: Path, kid: str) -> StoredKey:
    info = path.stat()
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("signing key %s is readable by other users (mode %o); it should be 0600", kid, info.st_mode)
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError("not an Ed25519 private key")
    return StoredKey(kid, private_key, _created_at(path, kid, info.st_mtime))


def _created_at(path: Path, kid: str, mtime: float) -> datetime:
    sidecar = path.with_suffix(".json")
    try:
        created_at = datetime.fromisoformat(json.loads(sidecar.read_text())["created_at"])
        return created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("signing key %s: unreadable %s (%s); using the file's modification time", kid, sidecar, exc)
    return datetime.fromtimestamp(mtime, UTC)


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL: never overwrite an existing key; 0600 from the first byte, not chmod-ed afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
