"""Group commit in the core: answers delivered together share one write, each caller learns its own
outcome only after the write, a failed write reaches only its own callers, and nothing waits on a timer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.core.answer_batcher import AnswerBatcher
from bot.core.events import UserRef
from bot.core.messages import TextReply
from bot.core.ports import Repository
from bot.core.ports.answer_batch import AnswerRow
from content.schema import Party
from tests.core.test_day_cycle import MONDAY, setup_team
from tests.fakes.harness import Harness

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def row(uid: str, round_id: int = 1) -> AnswerRow:
    return AnswerRow(round_id, UserRef("slack", "T1", uid, uid), Party.AWS, NOW)


class FakeStore:
    """Keeps (round, person) pairs; each call is one 'transaction'. `gate` holds a write until released."""

    def __init__(self) -> None:
        self.stored: set[tuple[int, str]] = set()
        self.calls: list[list[str]] = []
        self.gate: asyncio.Event | None = None
        self.fail_with: Exception | None = None
        self.entered = asyncio.Event()  # set when a write has started

    async def record_answers(self, rows: Sequence[AnswerRow]) -> list[bool]:
        self.calls.append([r.user.user_id for r in rows])
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None and len(rows) > 1:
            raise self.fail_with
        if self.fail_with is not None and rows[0].user.user_id == "bad":
            raise self.fail_with
        out = []
        for r in rows:
            key = (r.round_id, r.user.user_id)
            out.append(key not in self.stored)
            self.stored.add(key)
        return out


async def test_answers_delivered_together_share_one_write_and_each_learns_its_outcome() -> None:
    store = FakeStore()
    store.stored.add((1, "old"))
    batcher = AnswerBatcher(store)
    results = await asyncio.gather(*(batcher.record(row(uid)) for uid in ("a", "b", "old", "a", "c")))
    assert results == [True, True, False, False, True]
    assert store.calls == [["a", "b", "old", "a", "c"]] and batcher.batches == 1


async def test_a_lone_answer_is_written_at_once() -> None:
    store = FakeStore()
    batcher = AnswerBatcher(store)
    assert await batcher.record(row("a")) is True
    assert await batcher.record(row("a")) is False
    assert store.calls == [["a"], ["a"]]


async def test_answers_arriving_during_a_write_go_together_in_the_next_one() -> None:
    store = FakeStore()
    store.gate = asyncio.Event()
    batcher = AnswerBatcher(store)
    first = asyncio.create_task(batcher.record(row("a")))
    await store.entered.wait()  # the first write is under way (and held)
    later = [asyncio.create_task(batcher.record(row(uid))) for uid in ("b", "c", "d")]
    await asyncio.sleep(0)
    assert not first.done() and store.calls == [["a"]]  # nobody is told before the write returns
    store.gate.set()
    assert await first is True and await asyncio.gather(*later) == [True, True, True]
    assert store.calls == [["a"], ["b", "c", "d"]]


async def test_a_batch_never_exceeds_the_limit() -> None:
    store = FakeStore()
    batcher = AnswerBatcher(store, limit=4)
    results = await asyncio.gather(*(batcher.record(row(f"u{i}")) for i in range(10)))
    assert all(results) and [len(c) for c in store.calls] == [4, 4, 2]


async def test_a_failed_write_is_retried_row_by_row_and_only_the_bad_row_fails() -> None:
    store = FakeStore()
    store.fail_with = RuntimeError("constraint")
    batcher = AnswerBatcher(store)
    results = await asyncio.gather(
        *(batcher.record(row(uid)) for uid in ("a", "bad", "b")), return_exceptions=True
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], RuntimeError)
    assert store.calls == [["a", "bad", "b"], ["a"], ["bad"], ["b"]]


async def test_a_cancelled_flush_fails_the_waiting_callers_instead_of_hanging() -> None:
    store = FakeStore()
    store.gate = asyncio.Event()
    batcher = AnswerBatcher(store)
    waiting = asyncio.create_task(batcher.record(row("a")))
    await store.entered.wait()
    assert batcher._flusher is not None
    batcher._flusher.cancel()
    with pytest.raises(RuntimeError, match="stopped"):
        await waiting


async def test_a_flush_cancelled_before_it_ever_ran_neither_hangs_its_callers_nor_later_answers() -> None:
    store = FakeStore()
    batcher = AnswerBatcher(store)
    waiting = asyncio.create_task(batcher.record(row("a")))
    await asyncio.sleep(0)  # the answer is handed over; its flush task is created but has not run yet
    assert batcher._flusher is not None
    batcher._flusher.cancel()
    with pytest.raises(RuntimeError, match="stopped"):
        await asyncio.wait_for(waiting, 5)
    assert await asyncio.wait_for(batcher.record(row("b")), 5) is True  # a new flush for the next answer
    assert store.calls == [["b"]]


async def test_answers_arriving_together_through_the_engine_share_a_transaction(repo: Repository) -> None:
    """The real path on every backend: 30 people answer at once, one of them twice with different options;
    each gets the right receipt, the first answer counts, and the writes were grouped."""
    h = Harness.build(repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    people = [f"u{i:02d}" for i in range(30)]
    await asyncio.gather(
        *(h.answer(post, uid, Party.AWS) for uid in people), h.answer(post, "u00", Party.SHARED)
    )
    stored = {a.user.user_id: a.choice for a in await repo.answers_for_round(card.round_id, "console", "W1")}
    assert stored == {uid: Party.AWS for uid in people}
    receipts = [
        (c.target, c.card.text) for c in h.adapter.of_kind("ephemeral") if isinstance(c.card, TextReply)
    ]
    assert sorted(uid for uid, text in receipts if "locked in" in text) == people
    assert [uid for uid, text in receipts if "first answer" in text] == ["u00"]
    batcher = h.engine.answers.batcher
    assert batcher is not None and batcher.batches < len(people)
