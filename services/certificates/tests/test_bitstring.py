"""The bitstring of a status list (W3C Bitstring Status List v1.0 §4.1): index 0 is the most significant bit of the
first byte; the encoding is multibase 'u' + base64url (no padding) of GZIP; what is not that is refused."""

import base64
import gzip
import zlib

import pytest

from certificates.statuslists import bitstring


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0b1000_0000), (7, 0, 0b0000_0001), (8, 1, 0b1000_0000), (131_071, 16_383, 0b0000_0001)],
)
def test_index_zero_is_the_leftmost_bit(index: int, byte: int, value: int) -> None:
    bits = bitstring.with_bit(bitstring.empty(131_072), index, 1)
    assert bits[byte] == value
    assert bitstring.get_bit(bits, index) == 1
    assert sum(bits) == value
    assert bitstring.get_bit(bitstring.with_bit(bits, index, 0), index) == 0


@pytest.mark.parametrize("index", [0, 5, 8, 13, 131_071])
def test_the_postgres_bit_number_names_the_same_bit(index: int) -> None:
    # PostgreSQL's set_bit(bytea, n) counts from the least significant bit of each byte.
    number = bitstring.postgres_bit_number(index)
    assert number // 8 == index // 8
    assert 1 << (number % 8) == 0b1000_0000 >> (index % 8)


def test_encoding_round_trips_and_is_deterministic() -> None:
    bits = bitstring.with_bit(bitstring.empty(131_072), 94_567, 1)
    encoded = bitstring.encode(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert encoded == bitstring.encode(bits)  # no timestamp in the GZIP header
    assert bitstring.decode(encoded) == bits
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))) == bits


@pytest.mark.parametrize(
    "encoded",
    [
        "z" + base64.urlsafe_b64encode(gzip.compress(bytes(16))).decode(),  # another multibase
        "u" + base64.urlsafe_b64encode(zlib.compress(bytes(16))).decode(),  # zlib, not GZIP
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16)))[:-6].decode(),  # truncated
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bitstring.MAX_DECODED_BYTES + 1))).decode(),  # a bomb
    ],
)
def test_what_is_not_a_status_list_is_refused(encoded: str) -> None:
    with pytest.raises(bitstring.EncodedListError):
        bitstring.decode(encoded)


def test_an_index_outside_the_list_is_an_error() -> None:
    with pytest.raises(IndexError):
        bitstring.get_bit(bitstring.empty(16), 16)
