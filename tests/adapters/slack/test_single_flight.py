"""SingleFlight: callers asking for the same key while a call runs share it — its answer or its error."""

from __future__ import annotations

import asyncio
import gc

import pytest

from bot.adapters.slack.single_flight import SingleFlight


class Calls:
    """A call that waits until released, counting how often it was made."""

    def __init__(self) -> None:
        self.made = 0
        self.release = asyncio.Event()

    async def answer(self, value: str) -> str:
        self.made += 1
        await self.release.wait()
        return value

    async def error(self) -> str:
        self.made += 1
        await self.release.wait()
        raise ConnectionError("users.info failed")


async def test_callers_of_one_key_share_one_call_and_other_keys_get_their_own() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    calls = Calls()
    same = [asyncio.create_task(flights.run("U1", lambda: calls.answer("Ann"))) for _ in range(10)]
    other = asyncio.create_task(flights.run("U2", lambda: calls.answer("Bob")))
    await asyncio.sleep(0)  # every caller has asked
    assert len(flights) == 2
    calls.release.set()
    assert await asyncio.gather(*same) == ["Ann"] * 10
    assert await other == "Bob"
    assert calls.made == 2 and len(flights) == 0


async def test_a_finished_call_is_not_reused() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    calls = Calls()
    calls.release.set()
    assert await flights.run("U1", lambda: calls.answer("Ann")) == "Ann"
    assert await flights.run("U1", lambda: calls.answer("Ann again")) == "Ann again"
    assert calls.made == 2


async def test_an_error_reaches_every_caller_and_the_next_call_is_fresh() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    calls = Calls()
    waiting = [asyncio.create_task(flights.run("U1", calls.error)) for _ in range(3)]
    await asyncio.sleep(0)
    calls.release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results) and calls.made == 1
    assert await flights.run("U1", lambda: calls.answer("Ann")) == "Ann"


async def test_a_cancelled_caller_leaves_the_call_running_for_the_others() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    calls = Calls()
    leaver = asyncio.create_task(flights.run("U1", lambda: calls.answer("Ann")))
    stayer = asyncio.create_task(flights.run("U1", lambda: calls.answer("Ann")))
    await asyncio.sleep(0)
    leaver.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaver
    calls.release.set()
    assert await stayer == "Ann" and calls.made == 1


async def test_an_error_nobody_waited_for_is_not_reported_as_never_retrieved() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    calls = Calls()
    reported: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: reported.append(context))
    only = asyncio.create_task(flights.run("U1", calls.error))
    await asyncio.sleep(0)
    (flight,) = flights._flights.values()
    only.cancel()
    calls.release.set()
    await asyncio.wait([flight])  # the call finishes on its own, its only caller gone
    await asyncio.sleep(0)  # its done callbacks run
    assert len(flights) == 0
    del flight
    gc.collect()
    assert calls.made == 1 and reported == []
