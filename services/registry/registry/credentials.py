"""Secrets the registry keeps: user passwords, client secrets and refresh tokens, never stored in clear."""

import asyncio
import base64
import hashlib
import hmac
import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry.config import Settings


class Passwords:
    """Argon2id hashing of user-chosen passwords (low entropy, so deliberately slow to guess).

    Hashing takes tens of milliseconds of CPU; it runs in a worker thread so the event loop keeps serving.
    """

    def __init__(self, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Passwords":
        return cls(settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism)

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))

    async def warm_up(self) -> None:
        """Makes the stand-in hash for unknown users now, so even the first such login takes normal time."""
        await asyncio.to_thread(lambda: self._dummy_hash)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Checks ``password``; with no hash (unknown user) it spends the same time and fails.

        Equal timing keeps a login from telling whether a username exists.
        """
        target = password_hash if password_hash is not None else self._dummy_hash
        try:
            ok = await asyncio.to_thread(self._hasher.verify, target, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def new_client_id() -> str:
    return "cl_" + secrets.token_hex(10)


def new_client_secret() -> str:
    return "cs_" + secrets.token_urlsafe(32)


# Client secrets are 256 random bits that we generate, not passwords people choose: no dictionary or
# brute-force attack is feasible, so a slow hash would only cost CPU on every client-credentials request.
# A keyed hash with a per-client salt is enough to make a leaked table useless.
_SECRET_SCHEME = "hmac-sha256"


def hash_client_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hmac.new(salt, secret.encode(), hashlib.sha256).digest()
    return f"{_SECRET_SCHEME}${_b64(salt)}${_b64(digest)}"


def verify_client_secret(stored: str | None, secret: str) -> bool:
    scheme, salt, expected = _parse_secret_hash(stored)
    # An unknown client still costs one HMAC, so timing does not tell which client ids exist.
    actual = hmac.new(salt, secret.encode(), hashlib.sha256).digest()
    return scheme == _SECRET_SCHEME and hmac.compare_digest(expected, actual)


def _parse_secret_hash(stored: str | None) -> tuple[str, bytes, bytes]:
    if stored is None:
        return "", bytes(16), bytes(32)
    scheme, _, rest = stored.partition("$")
    salt_b64, _, digest_b64 = rest.partition("$")
    try:
        return scheme, base64.urlsafe_b64decode(salt_b64 + "=="), base64.urlsafe_b64decode(digest_b64 + "==")
    except ValueError:  # a damaged row refuses the client rather than failing the request
        return "", bytes(16), bytes(32)


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    """Unsalted SHA-256: the token is 256 random bits, and the hash must be searchable to find its row."""
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
