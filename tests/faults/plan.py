"""What the crash harness kills and when: the kinds of kill, the teams, the seeded plan, the days.

See tests/faults/harness.py for how the pieces fit together.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
#: Longer than the bot's work lease (bot/core/rounds.py LEASE, 2 minutes): after a restart the clock moves
#: on by this much, so whatever the dead process had leased is free again.
LEASE_STEP = timedelta(minutes=3)
TICK_SECONDS = "0.05"
#: How long any one step of a day may take before the harness gives up (a hung bot is a failure too).
STEP_TIMEOUT = 30.0
#: Every planned kill happens within a day or two; a plan that stops moving is a failure, not a long run.
MAX_DAYS_PER_KILL = 4

CRASH_POINTS = (
    "after-claim",
    "mid-seeding",
    "after-post",
    "after-answer",
    "after-close",
    "mid-scoring",
    "after-scoring",
)
FAKE_KILLS = ("post-unacked", "reveal-unacked")
EXTERNAL_KILLS = ("external-post", "external-answers", "external-reveal")
KINDS = CRASH_POINTS + FAKE_KILLS + EXTERNAL_KILLS
OPTIONS = ("aws", "customer", "shared")


class HarnessError(AssertionError):
    """The harness could not drive the day (a timeout, a bot that died on its own): a failure."""


@dataclass(frozen=True)
class TeamSpec:
    """A team as an admin sets it up. The harness works out post and close instants on its own."""

    tz: str
    post: dtime
    window: timedelta | None = None
    until: dtime | None = None

    def slack_text(self) -> str:
        win = f"until {self.until:%H:%M}" if self.until else f"{int(self.window_minutes())}m"
        return f"setup time {self.post:%H:%M} tz {self.tz} window {win}"

    def discord_options(self) -> dict[str, str]:
        win = f"until {self.until:%H:%M}" if self.until else f"{int(self.window_minutes())}m"
        return {"time": f"{self.post:%H:%M}", "tz": self.tz, "window": win}

    def window_minutes(self) -> float:
        return (self.window or timedelta(hours=4)).total_seconds() / 60

    def post_at(self, day: date) -> datetime:
        return datetime.combine(day, self.post, tzinfo=ZoneInfo(self.tz)).astimezone(UTC)

    def close_at(self, day: date) -> datetime:
        if self.until is not None:
            return datetime.combine(day, self.until, tzinfo=ZoneInfo(self.tz)).astimezone(UTC)
        return self.post_at(day) + (self.window or timedelta(hours=4))


#: Two teams per platform: one on UTC, one on Berlin time (the DST change moves its post an hour in UTC).
TEAMS = (
    TeamSpec("UTC", dtime(9, 0), window=timedelta(hours=4)),
    TeamSpec("Europe/Berlin", dtime(10, 0), until=dtime(14, 0)),
)


def make_plan(rng: random.Random, trials: int, kinds: tuple[str, ...] = KINDS) -> list[str]:
    """`trials` kills, every kind as often as the others (±1), in a seeded random order."""
    plan: list[str] = []
    while len(plan) < trials:
        block = list(kinds)
        rng.shuffle(block)
        plan += block
    return plan[:trials]


def working_days(start: date) -> Iterator[date]:
    day = start
    while True:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)
