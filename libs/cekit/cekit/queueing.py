"""A first-come, first-served limit on concurrent use of a pool.

asyncpg's pool hands out connections through an ``asyncio.Queue``, which is not fair under load: a connection
given back wakes the longest waiter, but a request arriving in between takes the connection first, and the woken
waiter goes back to the *end* of the line. With more requests in flight than connections, a few of them are
overtaken round after round: 32 concurrent verifications on 10 read connections, in one process, had a median
of 7 ms but a p99 of 130 ms, and some waited close to a second. In front of the pool, with no more slots than it
has connections, ``FifoGate`` admits in arrival order and hands a freed slot straight to the longest waiter, so
the pool itself never has anyone waiting: the same load then had a p99 of 16 ms at the same throughput.
"""

import asyncio
import contextlib
from collections import deque
from types import TracebackType


class FifoGate:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self._free = slots
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        if self._free and not self._waiting:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over as we were cancelled: it goes to the next in line
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(waiter)
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # a cancelled waiter gave up its place
                waiter.set_result(None)  # handed over directly: nobody arriving meanwhile can take it
                return
        self._free += 1
