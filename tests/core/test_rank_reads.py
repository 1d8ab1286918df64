"""Rank reads in the core: people asking for their rank on one board at the same moment share one query,
each gets their own rank, a read under way is not joined late, and a failed read reaches only its callers.
Every wait is bounded (`within`), so a regression that leaves a caller waiting fails instead of hanging."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from bot.core.model import ScoreRow
from bot.core.rank_reads import RankReads

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
T = TypeVar("T")


async def within(waiting: Awaitable[T]) -> T:
    """A bound, not a pause: the answer is normally there at once."""
    return await asyncio.wait_for(waiting, 5)


def score(uid: str, points: int) -> ScoreRow:
    return ScoreRow(uid, uid.upper(), points, 1, 1, NOW)


class FakeScores:
    """A board per (team, period): the people in order. Each `ranks_of` call is one query; `gate` holds
    a query until released."""

    def __init__(self, boards: dict[tuple[int, str], list[str]]) -> None:
        self.boards = boards
        self.calls: list[tuple[int, str, list[str]]] = []
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.fail_with: Exception | None = None

    async def ranks_of(
        self, team_id: int, period: str, user_ids: Sequence[str]
    ) -> dict[str, tuple[int, ScoreRow]]:
        self.calls.append((team_id, period, list(user_ids)))
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        order = self.boards.get((team_id, period), [])
        return {u: (order.index(u) + 1, score(u, 100 - order.index(u))) for u in user_ids if u in order}


def reads(store: FakeScores, limit: int = 500) -> RankReads:
    return RankReads(store, limit)  # type: ignore[arg-type]  # the fake has the one method RankReads uses


async def test_people_asking_together_share_one_query_and_each_gets_their_own_rank() -> None:
    store = FakeScores({(1, "all"): ["a", "b", "c"]})
    ranks = reads(store)
    found = await within(asyncio.gather(*(ranks.rank_of(1, "all", u) for u in ("c", "a", "nobody", "c"))))
    assert [f[0] if f else None for f in found] == [3, 1, None, 3]
    assert found[1] is not None and found[1][1].user_id == "a"
    assert store.calls == [(1, "all", ["c", "a", "nobody"])]  # one query, each person once
    assert ranks.queries == 1


async def test_each_board_is_its_own_query() -> None:
    store = FakeScores({(1, "all"): ["a", "b"], (1, "w:2026-W49"): ["b", "a"], (2, "all"): ["z"]})
    ranks = reads(store)
    found = await within(
        asyncio.gather(
            ranks.rank_of(1, "all", "a"), ranks.rank_of(1, "w:2026-W49", "a"), ranks.rank_of(2, "all", "z")
        )
    )
    assert [f[0] if f else None for f in found] == [1, 2, 1]
    assert sorted((team, period) for team, period, _ in store.calls) == [
        (1, "all"),
        (1, "w:2026-W49"),
        (2, "all"),
    ]


async def test_a_request_made_during_a_read_waits_for_the_next_one() -> None:
    store = FakeScores({(1, "all"): ["a", "b", "c"]})
    store.gate = asyncio.Event()
    ranks = reads(store)
    first = asyncio.ensure_future(ranks.rank_of(1, "all", "a"))
    await within(store.entered.wait())  # the read of "a" is under way
    second = asyncio.ensure_future(ranks.rank_of(1, "all", "b"))
    third = asyncio.ensure_future(ranks.rank_of(1, "all", "c"))
    await asyncio.sleep(0)  # one turn of the loop: both requests are made
    assert set(ranks._waiting[(1, "all")]) == {"b", "c"}  # queued for the next read ...
    assert store.calls == [(1, "all", ["a"])]  # ... not joined to the one already made
    store.gate.set()
    assert [r[0] for r in await within(asyncio.gather(first, second, third)) if r] == [1, 2, 3]
    assert store.calls == [(1, "all", ["a"]), (1, "all", ["b", "c"])]  # everyone who came meanwhile, together


async def test_no_more_than_the_limit_in_one_query() -> None:
    people = [f"u{i}" for i in range(5)]
    store = FakeScores({(1, "all"): people})
    ranks = reads(store, limit=2)
    found = await within(asyncio.gather(*(ranks.rank_of(1, "all", u) for u in people)))
    assert [f[0] if f else None for f in found] == [1, 2, 3, 4, 5]
    assert [len(ids) for _, _, ids in store.calls] == [2, 2, 1]


async def test_a_failed_read_reaches_its_own_callers_and_the_next_read_works() -> None:
    store = FakeScores({(1, "all"): ["a", "b"]})
    store.fail_with = RuntimeError("database gone")
    ranks = reads(store)
    outcomes = await within(
        asyncio.gather(ranks.rank_of(1, "all", "a"), ranks.rank_of(1, "all", "b"), return_exceptions=True)
    )
    assert all(isinstance(o, RuntimeError) and "database gone" in str(o) for o in outcomes)
    store.fail_with = None
    found = await within(ranks.rank_of(1, "all", "b"))
    assert found is not None and found[0] == 2


async def test_a_caller_that_gives_up_does_not_cost_the_others_their_rank() -> None:
    store = FakeScores({(1, "all"): ["a", "b"]})
    store.gate = asyncio.Event()
    ranks = reads(store)
    quitter = asyncio.ensure_future(ranks.rank_of(1, "all", "a"))
    stayer = asyncio.ensure_future(ranks.rank_of(1, "all", "b"))
    await within(store.entered.wait())
    quitter.cancel()
    store.gate.set()
    found = await within(stayer)
    assert found is not None and found[0] == 2
    with pytest.raises(asyncio.CancelledError):
        await quitter


async def test_a_reader_cancelled_mid_read_fails_its_waiting_callers_instead_of_leaving_them_hanging() -> (
    None
):
    store = FakeScores({(1, "all"): ["a"]})
    store.gate = asyncio.Event()
    ranks = reads(store)
    waiting = asyncio.ensure_future(ranks.rank_of(1, "all", "a"))
    await within(store.entered.wait())
    (reader,) = ranks._readers.values()
    reader.cancel()
    with pytest.raises(RuntimeError, match="stopped before the rank was read"):
        await within(waiting)
    store.gate = None
    found = await within(ranks.rank_of(1, "all", "a"))  # a new reader starts for the next request
    assert found is not None and found[0] == 1


async def test_a_reader_cancelled_before_it_ever_ran_does_not_leave_its_board_stuck() -> None:
    store = FakeScores({(1, "all"): ["a", "b"]})
    ranks = reads(store)
    waiting = asyncio.ensure_future(ranks.rank_of(1, "all", "a"))
    await asyncio.sleep(0)  # the request is made; its reader is created but has not run yet
    (reader,) = ranks._readers.values()
    reader.cancel()
    with pytest.raises(RuntimeError, match="stopped before the rank was read"):
        await within(waiting)
    found = await within(ranks.rank_of(1, "all", "b"))  # the board is read again for the next request
    assert found is not None and found[0] == 2 and store.calls == [(1, "all", ["b"])]
