"""Time-ordered ids (UUIDv7, RFC 9562 §5.7): ids made in one call sort in order, after every earlier id, and
never repeat."""

import time
import uuid

from cekit.ids import uuid7, uuid7s


def test_a_batch_of_ids_is_ascending_unique_and_version_7() -> None:
    before = uuid7()
    batch = uuid7s(10_000)  # more than the 4,096 a millisecond's sequence holds
    after = uuid7()
    assert [before, *batch, after] == sorted([before, *batch, after])
    assert len({before, *batch, after}) == 10_002
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in batch)
    # The ids behave as the ones uuid.UUID makes itself: equal, same hash, same text, same order.
    remade = [uuid.UUID(str(i)) for i in batch]
    assert remade == batch
    assert [hash(i) for i in remade] == [hash(i) for i in batch]
    assert [uuid.UUID(int=i.int) for i in batch] == remade
    assert sorted(remade) == batch


def test_the_time_in_an_id_is_the_time_it_was_made() -> None:
    made_ms = uuid7().int >> 80
    assert abs(made_ms - time.time_ns() // 1_000_000) < 5_000
