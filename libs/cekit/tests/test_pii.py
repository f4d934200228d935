"""ID numbers at rest: encrypted per row, rotatable keys, a blind index for lookups, masking for display."""

import pytest

from cekit.pii import PiiCipher, PiiKeyError, mask_id_number, new_key

ID = "11010519491231002X"


def cipher(active: str = "k1", **keys: str) -> PiiCipher:
    return PiiCipher(keys=keys or {"k1": new_key()}, active=active, index_key=new_key())


def test_round_trip_and_no_plaintext_in_the_blob() -> None:
    c = cipher()
    blob = c.encrypt(ID, "row-1")
    assert ID.encode() not in blob
    assert c.decrypt(blob, "row-1") == ID
    assert c.encrypt(ID, "row-1") != blob  # a fresh nonce each time


def test_a_ciphertext_moved_to_another_row_does_not_decrypt() -> None:
    c = cipher()
    with pytest.raises(PiiKeyError, match="does not belong"):
        c.decrypt(c.encrypt(ID, "row-1"), "row-2")


def test_rotation_keeps_old_ciphertexts_readable() -> None:
    k1, k2 = new_key(), new_key()
    old = PiiCipher(keys={"k1": k1}, active="k1", index_key=new_key())
    blob = old.encrypt(ID, "row-1")
    rotated = PiiCipher(keys={"k1": k1, "k2": k2}, active="k2", index_key=old.index_key)
    assert rotated.decrypt(blob, "row-1") == ID
    assert rotated.key_id_of(rotated.encrypt(ID, "row-1")) == "k2"
    retired = PiiCipher(keys={"k2": k2}, active="k2", index_key=old.index_key)
    with pytest.raises(PiiKeyError, match="not configured"):
        retired.decrypt(blob, "row-1")


def test_the_blind_index_is_keyed_and_stable() -> None:
    a, b = cipher(), cipher()
    assert a.blind_index(ID) == a.blind_index(ID)
    assert a.blind_index(ID) != b.blind_index(ID)


def test_bad_keys_are_refused_at_start() -> None:
    with pytest.raises(PiiKeyError, match="32 bytes"):
        PiiCipher(keys={"k1": "c2hvcnQ"}, active="k1", index_key=new_key())
    with pytest.raises(PiiKeyError, match="active"):
        PiiCipher(keys={"k1": new_key()}, active="k9", index_key=new_key())


def test_masking() -> None:
    assert mask_id_number("13010219900307123X") == "130102********123X"
