"""Encryption at rest of personal information (national ID numbers) and its keyed lookup index.

AES-256-GCM with the row's id as associated data, so a ciphertext copied onto another row does not decrypt.
Each ciphertext names the key that made it: keys rotate by adding a new active key and re-encrypting at
leisure, while old ciphertexts still decrypt. Lookups use a keyed HMAC-SHA-256 of the normalised value
(a blind index): equality search without storing anything an attacker could reverse by enumeration.
"""

import base64
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class PiiKeyError(ValueError):
    """A key is missing or malformed, or a ciphertext does not belong to its row."""


def _decode_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise PiiKeyError("a PII key is not valid base64") from exc
    if len(key) != 32:
        raise PiiKeyError("a PII key must be 32 bytes (256 bits)")
    return key


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@dataclass(frozen=True)
class PiiCipher:
    """``keys``: key id -> base64 key; ``active``: the id new ciphertexts use; ``index_key``: HMAC key."""

    keys: dict[str, str]
    active: str
    index_key: str
    _index_key: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise PiiKeyError(f"the active PII key {self.active!r} is not among the configured keys")
        for key_id, key in self.keys.items():
            if not key_id or len(key_id.encode()) > 255:
                raise PiiKeyError("PII key ids are 1 to 255 bytes")
            _decode_key(key)  # a bad key fails at start-up, not at the first read
        # Decoded once: the blind index is computed for every ID number of a 1,000-item lookup.
        object.__setattr__(self, "_index_key", _decode_key(self.index_key))

    def encrypt(self, plaintext: str, row_id: str) -> bytes:
        key_id = self.active.encode()
        nonce = os.urandom(12)
        sealed = AESGCM(_decode_key(self.keys[self.active])).encrypt(nonce, plaintext.encode(), row_id.encode())
        return _VERSION + bytes([len(key_id)]) + key_id + nonce + sealed

    def decrypt(self, blob: bytes, row_id: str) -> str:
        if not blob or blob[:1] != _VERSION:
            raise PiiKeyError("unknown ciphertext format")
        length = blob[1]
        key_id = blob[2 : 2 + length].decode()
        nonce = blob[2 + length : 14 + length]
        sealed = blob[14 + length :]
        if key_id not in self.keys:
            raise PiiKeyError(f"the ciphertext was made with key {key_id!r}, which is not configured")
        try:
            return AESGCM(_decode_key(self.keys[key_id])).decrypt(nonce, sealed, row_id.encode()).decode()
        except InvalidTag as exc:
            raise PiiKeyError("the ciphertext does not belong to this row or was altered") from exc

    def key_id_of(self, blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode()

    def blind_index(self, normalised: str) -> bytes:
        # hmac.digest: OpenSSL's one-shot HMAC, a third of the cost of building an hmac object per value.
        return hmac.digest(self._index_key, normalised.encode(), "sha256")


def mask_id_number(number: str) -> str:
    """``130102********123X``: region prefix and last four characters, as shown to those without rights."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
