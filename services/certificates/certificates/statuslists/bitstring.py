"""The bitstring of a W3C Bitstring Status List (v1.0 §4.1, §3.1): pure functions, no I/O.

Index 0 is the left-most bit: the most significant bit of the first byte. The published ``encodedList`` is the
bitstring GZIP-compressed, then base64url-encoded without padding behind the multibase prefix ``u``.
"""

import base64
import gzip
import zlib

MULTIBASE_BASE64URL = "u"
# A list of 8 × 131,072 entries is 128 KiB raw; anything that inflates beyond this is not a status list.
MAX_DECODED_BYTES = 16 * 1024 * 1024


class EncodedListError(ValueError):
    """The ``encodedList`` is not multibase base64url of a GZIP stream (or inflates beyond reason)."""


def empty(size: int) -> bytes:
    if size <= 0 or size % 8:
        raise ValueError("a status list has a positive number of entries, a multiple of 8")
    return bytes(size // 8)


def get_bit(bits: bytes, index: int) -> int:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status list index {index} is outside the list of {len(bits) * 8} entries")
    return (bits[index // 8] >> (7 - index % 8)) & 1


def with_bit(bits: bytes, index: int, value: int) -> bytes:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status list index {index} is outside the list of {len(bits) * 8} entries")
    out = bytearray(bits)
    mask = 1 << (7 - index % 8)
    out[index // 8] = out[index // 8] | mask if value else out[index // 8] & ~mask
    return bytes(out)


def postgres_bit_number(index: int) -> int:
    """The same bit for PostgreSQL's ``get_bit`` / ``set_bit`` on bytea, which count from the *least*
    significant bit of each byte."""
    return (index // 8) * 8 + 7 - index % 8


def encode(bits: bytes) -> str:
    # mtime=0: the same bits always give the same string, so every replica serves the same list (and ETag).
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(gzip.compress(bits, 9, mtime=0)).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith(MULTIBASE_BASE64URL):
        raise EncodedListError("the encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise EncodedListError("the encodedList is not base64url") from exc
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing only
    try:
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES + 1)
    except zlib.error as exc:
        raise EncodedListError("the encodedList is not a GZIP stream") from exc
    if len(bits) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise EncodedListError("the encodedList inflates beyond any status list")
    if not inflater.eof:
        raise EncodedListError("the encodedList's GZIP stream is truncated")
    return bits
