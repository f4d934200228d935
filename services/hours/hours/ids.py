"""Time-ordered record ids (the UUIDv7 layout of RFC 9562): new rows land at the right edge of the primary-key
index instead of all over it, and the records of one batch sort in input order."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_sequence = 0


def uuid7() -> uuid.UUID:
    """48-bit Unix milliseconds, a 12-bit sequence that keeps ids of the same millisecond in order, 62 random
    bits."""
    global _last_ms, _sequence
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _sequence += 1
            if _sequence > 0xFFF:  # more than 4,096 ids in one millisecond: borrow the next one
                _last_ms += 1
                _sequence = 0
            ms = _last_ms
        else:
            _last_ms, _sequence = ms, 0
        sequence = _sequence
    random = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (sequence << 64) | (0b10 << 62) | random
    return uuid.UUID(int=value)
