"""The admission gate in front of Slack HTTP dispatch: at most `limit` listeners at work, later requests
admitted first come first served as listeners finish, and none waits longer than its patience."""

from __future__ import annotations

import asyncio

from bot.adapters.slack.gate import ListenerGate


async def test_requests_wait_for_room_and_are_admitted_in_arrival_order() -> None:
    gate = ListenerGate(limit=2, patience=60)
    order: list[str] = []
    admitted = {name: asyncio.Event() for name in "abcd"}
    release = {name: asyncio.Event() for name in "abcd"}

    async def request(name: str) -> None:
        """A dispatch as bolt does it: the listener task acks inside working(), then keeps working."""
        acked = asyncio.Event()

        async def listener() -> None:
            async with gate.working():
                acked.set()
                await release[name].wait()

        async with gate.admitted_request():
            order.append(name)
            admitted[name].set()
            task = asyncio.create_task(listener())
            await acked.wait()
        await task

    tasks = {name: asyncio.create_task(request(name)) for name in "abcd"}
    await admitted["a"].wait()
    await admitted["b"].wait()
    for _ in range(5):
        await asyncio.sleep(0)  # a few turns of the loop: c and d stay outside
    assert order == ["a", "b"] and gate.busy == 2
    release["b"].set()
    await admitted["c"].wait()
    assert order == ["a", "b", "c"]  # c before d: first come, first served
    for name in "acd":
        release[name].set()
    await asyncio.gather(*tasks.values())
    assert order == ["a", "b", "c", "d"] and gate.busy == 0 and gate.admitted == 0


async def test_a_request_past_its_patience_is_dispatched_anyway() -> None:
    gate = ListenerGate(limit=1, patience=0)
    hold = asyncio.Event()

    async def listener() -> None:
        async with gate.working():
            await hold.wait()

    busy = asyncio.create_task(listener())
    await asyncio.sleep(0)
    assert gate.busy == 1
    async with gate.admitted_request():  # no room, and no patience: admitted after one loop turn
        assert gate.admitted == 1
    hold.set()
    await busy
    assert gate.busy == 0 and gate.admitted == 0


async def test_a_listener_whose_ack_waits_for_its_work_counts_once() -> None:
    """A slash command is acked when its answer is ready, so its dispatch lasts as long as its listener: the
    request must count once (as work), or a finished listener would free no room while its dispatch returns."""
    gate = ListenerGate(limit=2, patience=60)
    started = {i: asyncio.Event() for i in range(3)}
    release = {i: asyncio.Event() for i in range(3)}

    async def listener(i: int) -> None:
        async with gate.working():
            started[i].set()
            await release[i].wait()

    async def request(i: int) -> None:
        async with gate.admitted_request():  # bolt: the listener is a task; the dispatch returns with the ack
            await asyncio.create_task(listener(i))

    tasks = [asyncio.create_task(request(i)) for i in range(3)]
    await asyncio.wait_for(asyncio.gather(started[0].wait(), started[1].wait()), 5)
    assert (gate.busy, gate.admitted) == (2, 0) and not started[2].is_set()  # the third waits for room
    release[0].set()
    await asyncio.wait_for(started[2].wait(), 5)  # one listener done: one more at work
    for i in (1, 2):
        release[i].set()
    await asyncio.gather(*tasks)
    assert (gate.busy, gate.admitted) == (0, 0)
