"""`answers`: answer events stored per second through the real engine into a SQLite file.

20,000 members (quick: 2,000) answer one open round. Each event goes through `Engine.handle` exactly as an
adapter delivers it (round lookup, first-answer lock, durable store, receipt) into a SQLite file with the
production settings (WAL, synchronous=NORMAL). Events are delivered 50 at a time, as the adapters deliver
them (every Slack event and Discord dispatch is its own task), so answers that arrive together are stored
by the engine's group commit (bot/core/answer_batcher.py) in one transaction. The note also gives the rate
with one event at a time (no batching possible). Baseline: the same answer rows inserted with raw aiosqlite,
one row per commit, one after another, into a file with the same settings. Three interleaved runs of each;
medians reported.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bench.common import Result, Target, now
from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ChannelRef, CommandIssued, PostRef, UserRef
from content.loader import load_bundle
from content.schema import Party
from storage.sqlite import SqliteRepository
from tests.fakes.clock import FakeClock
from tests.fakes.recording import RecordingAdapter

TOKENS = (Party.AWS, Party.CUSTOMER, Party.SHARED)
IN_FLIGHT = 50
TARGET = Target(full="≥ 5,000/s and ≥ 1.0× raw per-row", quick="≥ 5,000/s and ≥ 1.0× raw per-row")


@dataclass
class EngineRun:
    rate: float  # answers per second
    batches: int  # transactions the group commit wrote (0 where the engine has none)


async def _engine_run(path: Path, members: int, in_flight: int) -> EngineRun:
    repo = await SqliteRepository.open(str(path))
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    clock = FakeClock(start)
    adapter = RecordingAdapter("slack")
    engine = Engine(repo, load_bundle(), clock, {"slack": adapter}, EngineConfig(seed=1))
    channel = ChannelRef("slack", "T1", "C1")
    admin = UserRef("slack", "T1", "admin")
    await engine.handle(CommandIssued(admin, channel, "setup time 09:30 tz UTC", True, start))
    clock.advance(timedelta(minutes=30))
    await engine.tick()
    post = adapter.by_key[next(iter(adapter.by_key))]
    events = [
        AnswerGiven(
            PostRef(channel, post.message_id), UserRef("slack", "T1", f"U{i:06d}"), TOKENS[i % 3], clock.now()
        )
        for i in range(members)
    ]
    todo = iter(events)

    async def deliver() -> None:
        for event in todo:
            await engine.handle(event)

    began = now()
    await asyncio.gather(*(deliver() for _ in range(in_flight)))
    elapsed = now() - began
    stored = await repo.db.fetchval("SELECT COUNT(*) FROM answers")
    await repo.close()
    receipts = sum(1 for call in adapter.calls if call.kind == "ephemeral" and "locked in" in str(call.card))
    if stored != members or receipts != members:
        raise RuntimeError(f"stored {stored} answers and sent {receipts} receipts, not {members}")
    batcher = getattr(engine.answers, "batcher", None)
    return EngineRun(members / elapsed, getattr(batcher, "batches", 0))


async def _raw_run(path: Path, members: int) -> float:
    db = await aiosqlite.connect(str(path), isolation_level=None)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA synchronous=NORMAL")
    await db.execute(
        "CREATE TABLE answers (round_id INTEGER, user_id TEXT, display_name TEXT, choice TEXT, "
        "answered_at BIGINT, source TEXT, PRIMARY KEY (round_id, user_id))"
    )
    rows = [(1, f"U{i:06d}", f"U{i:06d}", ("aws", "customer", "shared")[i % 3], 1_700_000_000_000, "live")
            for i in range(members)]  # fmt: skip
    began = now()
    for row in rows:
        await db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", row)
    elapsed = now() - began
    await db.close()
    return members / elapsed


async def run(quick: bool) -> Result:
    members = 2_000 if quick else 20_000
    runs: list[EngineRun] = []
    singles: list[float] = []
    bases: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as tmp:
        for i in range(3):  # interleaved, so all see the same machine noise; medians are reported
            runs.append(await _engine_run(Path(tmp) / f"engine{i}.db", members, IN_FLIGHT))
            singles.append((await _engine_run(Path(tmp) / f"single{i}.db", members, 1)).rate)
            bases.append(await _raw_run(Path(tmp) / f"raw{i}.db", members))
    rate, base = statistics.median(r.rate for r in runs), statistics.median(bases)
    batches = statistics.median(r.batches for r in runs)
    ratio = rate / base
    return Result(
        "answers", round(rate, 1), "answers/s", round(base, 1), round(ratio, 3), TARGET.of(quick),
        rate >= 5000 and ratio >= 1.0,
        f"{members} members, one open round, {IN_FLIGHT} events in flight: {batches:g} transactions "
        f"({members / max(batches, 1):.1f} answers each), receipts after commit; one event at a time "
        f"{statistics.median(singles):.0f}/s; raw baseline one row per commit",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
