"""The one-write-per-response transport under uvicorn's protocol."""

import asyncio
from typing import Any

from gateway.server import FLUSH_BYTES, CoalescingTransport


class _Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def test_writes_in_one_loop_step_leave_as_one() -> None:
    inner = _Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"{}")
    assert inner.writes == []
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]


async def test_close_sends_what_is_pending_first() -> None:
    inner = _Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"last words")
    transport.close()
    assert inner.writes == [b"last words"]
    assert inner.closed
    await asyncio.sleep(0)
    assert inner.writes == [b"last words"]  # the scheduled flush finds nothing left


async def test_large_writes_do_not_wait_for_the_step_to_end() -> None:
    inner = _Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"x" * FLUSH_BYTES)
    assert inner.writes == [b"x" * FLUSH_BYTES]
    assert transport.get_write_buffer_size() == 0
