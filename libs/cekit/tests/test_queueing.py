"""The gate in front of a read pool (``cekit.db.Reader``): under load, requests get their turn in the order they
asked for it (no request overtaken again and again, which is what made the slowest 1 % wait 4 to 8 times
the median), and one given up while waiting takes no turn with it."""

import asyncio

import pytest

from cekit.queueing import FifoGate


async def test_turns_are_given_in_arrival_order_and_a_newcomer_does_not_jump_the_line() -> None:
    gate = FifoGate(2)
    admitted: list[str] = []
    done = {name: asyncio.Event() for name in "abcdef"}

    async def use(name: str) -> None:
        async with gate:
            admitted.append(name)
            await done[name].wait()

    tasks = {name: asyncio.create_task(use(name)) for name in "abcd"}
    await asyncio.sleep(0)
    assert admitted == ["a", "b"]  # c and d wait
    done["a"].set()
    tasks["e"] = asyncio.create_task(use("e"))  # arrives as a's turn ends: behind c and d
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert admitted == ["a", "b", "c"]
    for name in "bcde":
        done[name].set()
    await asyncio.wait_for(asyncio.gather(*tasks.values()), 5)
    assert admitted == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("handed_over", [False, True])
async def test_a_request_given_up_while_waiting_takes_no_turn_with_it(handed_over: bool) -> None:
    gate = FifoGate(1)
    admitted: list[str] = []

    async def use(name: str) -> None:
        async with gate:
            admitted.append(name)

    await gate.__aenter__()  # the one slot is taken
    gone, last = asyncio.create_task(use("gone")), asyncio.create_task(use("last"))
    await asyncio.sleep(0)  # both wait
    if handed_over:  # the slot reaches the first waiter in the same instant as its cancellation
        await gate.__aexit__(None, None, None)
        gone.cancel()
    else:
        gone.cancel()
        await asyncio.sleep(0)
        await gate.__aexit__(None, None, None)
    await asyncio.wait_for(last, 5)  # a lost turn would leave it waiting for ever
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert admitted == ["last"]
    async with gate:  # and the slot is free again
        pass
