"""`answers`: answer events stored per second through the real engine into a SQLite file.

20,000 members (quick: 2,000) answer one open round. Each event goes through `Engine.handle` exactly as an
adapter delivers it (round lookup, first-answer lock, receipt) into a SQLite file with the production settings
(WAL, synchronous=NORMAL, one commit per answer). Baseline: the same answer rows inserted with raw aiosqlite,
one commit per row, into a file with the same settings. Three interleaved runs of each; medians reported.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bench.common import Result, now
from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ChannelRef, CommandIssued, PostRef, UserRef
from content.loader import load_bundle
from content.schema import Party
from storage.sqlite import SqliteRepository
from tests.fakes.clock import FakeClock
from tests.fakes.recording import RecordingAdapter

TOKENS = (Party.AWS, Party.CUSTOMER, Party.SHARED)


async def _engine_run(path: Path, members: int) -> float:
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
    began = now()
    for event in events:
        await engine.handle(event)
    elapsed = now() - began
    stored = await repo.db.fetchval("SELECT COUNT(*) FROM answers")
    await repo.close()
    if stored != members:
        raise RuntimeError(f"stored {stored} answers, expected {members}")
    return members / elapsed


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
    rates, bases = [], []
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as tmp:
        for i in range(3):  # interleaved, so both sides see the same machine noise; medians are reported
            rates.append(await _engine_run(Path(tmp) / f"engine{i}.db", members))
            bases.append(await _raw_run(Path(tmp) / f"raw{i}.db", members))
    rate, base = statistics.median(rates), statistics.median(bases)
    ratio = rate / base
    return Result(
        "answers", round(rate, 1), "answers/s", round(base, 1), round(ratio, 3), "≥ 5,000/s and ratio ≥ 0.5",
        rate >= 5000 and ratio >= 0.5, f"{members} members, one open round, one commit per answer",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
