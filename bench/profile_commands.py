"""`python -m bench.profile_commands [N]`: where the engine's CPU goes for `leaderboard`, `stats` and `help`.

Not a benchmark row: a profiling aid. The same SQLite history as `bench/ack.py` (one team, 500 members, five
revealed rounds), then N (default 2,000) of each command through `Engine.handle`, one after another, under
cProfile; prints µs per command and the top functions by cumulative time for each.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import now
from bench.slack_load import CHANNEL, members_of, populate
from bot.core.engine import Engine, EngineConfig
from bot.core.events import ChannelRef, CommandIssued, UserRef
from content.loader import load_bundle
from storage.sqlite import SqliteRepository
from tests.fakes.clock import FakeClock
from tests.fakes.recording import RecordingAdapter

TEAM = "T0PROF"
COMMANDS = ("leaderboard", "stats", "help")


async def profile(n: int, top: int = 12) -> str:
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        path = str(Path(tmp) / "profile.db")
        today = datetime.now(UTC).date()
        await populate(path, [TEAM], 500, 5, today - timedelta(days=1))
        repo = await SqliteRepository.open(path)
        try:
            clock = FakeClock(datetime.now(UTC))
            engine = Engine(
                repo, load_bundle(), clock, {"slack": RecordingAdapter("slack")}, EngineConfig(seed=1)
            )
            users = [UserRef("slack", TEAM, uid, f"Member {uid}") for uid in members_of(TEAM, 500)]
            channel = ChannelRef("slack", TEAM, CHANNEL)
            for text in COMMANDS:
                events = [
                    CommandIssued(users[i % len(users)], channel, text, False, clock.now()) for i in range(n)
                ]
                for event in events[:50]:  # warm-up: imports, caches, statement preparation
                    await engine.handle(event)
                began, cpu = now(), time.process_time()
                for event in events:  # unprofiled: wall and CPU time (both threads: loop and SQLite)
                    await engine.handle(event)
                elapsed, used = now() - began, time.process_time() - cpu
                profiler = cProfile.Profile()
                profiler.enable()
                for event in events:
                    await engine.handle(event)
                profiler.disable()
                out.write(
                    f"\n=== {text}: {elapsed / n * 1e6:.0f} µs wall, {used / n * 1e6:.0f} µs CPU per command\n"
                )
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(top)
        finally:
            await repo.close()
    return out.getvalue()


if __name__ == "__main__":
    print(asyncio.run(profile(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)))
