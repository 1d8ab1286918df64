"""The crash harness: a real bot process, SIGKILLed at chosen and random points of the daily cycle.

Three processes: the harness (this code, in pytest), the fakes (tests/faults/fakes_process.py: FakeSlack,
FakeDiscord and FakeTeams plus a control API) and the bot (`python -m bot run`, exactly what production runs). Time comes
from a FileClock (CLOCK_FILE) that the harness moves day by day; the scheduler looks every TICK_SECONDS
(0.05 s), so a working day takes about a second. One SQLite file is shared by every run of the bot.

Each kill follows a plan of kinds (KINDS), shuffled under a printed seed:
- a named crash point (bot/faults.py): armed through RESPBOT_CRASH_AT / RESPBOT_CRASH_AFTER when
  the bot (re)starts, the process kills itself the N-th time it gets there;
- `post-unacked` / `reveal-unacked`: the fakes process kills the bot the moment the platform has stored its
  scenario post / reveal, before the bot hears back;
- `external-*`: the harness SIGKILLs the bot at a random moment of the post, answer or reveal phase.

After a kill the harness reads the database to see where each round stands, lets people react while the bot
is down (left on the post, never delivered), restarts the bot — armed with the next planned kill when that is
a crash point, so a day can see a second kill while it recovers from the first — moves the clock past the
2-minute work leases the dead process held, and lets the day finish. After every day it checks, against its
own books and the platform's state rather than the bot's word: one scenario post and one reveal per team and
day, no post or reveal twice, every answer that must count stored with the right choice and none that must
not, and leaderboard aggregates equal to a recount from the stored answers under the README's scoring rules.

The pieces: plan.py (kinds of kill, teams, plan), processes.py (fakes, bot process, clock, database),
books.py (the harness's books and figures), bot_runner.py (the bot's lifecycle), people.py (reactions and
the restart after a kill), day.py (the day's phases), checks.py and recount.py (the checks). This module
puts them together (CrashHarness) and is what the tests import.
"""

from __future__ import annotations

import time

from tests.faults.books import Figures, RoundBook, Team
from tests.faults.checks import Checks
from tests.faults.day import DayDriver
from tests.faults.plan import (
    CRASH_POINTS,
    EXTERNAL_KILLS,
    FAKE_KILLS,
    KINDS,
    MAX_DAYS_PER_KILL,
    OPTIONS,
    TEAMS,
    HarnessError,
    TeamSpec,
    make_plan,
    working_days,
)
from tests.faults.processes import BotProcess, Clock, Db, Fakes
from tests.faults.recount import duplicate_count, periods_of, recount_problems

__all__ = [
    "BotProcess",
    "CRASH_POINTS",
    "Clock",
    "CrashHarness",
    "Db",
    "EXTERNAL_KILLS",
    "FAKE_KILLS",
    "Fakes",
    "Figures",
    "HarnessError",
    "KINDS",
    "OPTIONS",
    "RoundBook",
    "TEAMS",
    "Team",
    "TeamSpec",
    "duplicate_count",
    "make_plan",
    "periods_of",
    "recount_problems",
    "working_days",
]


class CrashHarness(DayDriver, Checks):
    """One platform's run: days driven until the plan of kills is used up, each day checked, then a
    graceful stop and the checks over the whole run."""

    def run(self) -> Figures:
        began = time.monotonic()
        self.start_bot()
        try:
            self.setup_teams()
            for day in working_days(self.start):
                if not self.plan:
                    break
                if self.figures.days > MAX_DAYS_PER_KILL * (self.figures.trials + 1):
                    raise HarnessError(
                        f"{self.platform}: {self.current} has not happened in {self.figures.days} days"
                    )
                books = [RoundBook(team, day) for team in self.teams]
                self.books += books
                self.post_phase(books)
                self.answer_phase(books)
                self.reveal_phase(books)
                self.figures.days += 1
                self.check_day(books)
            code = self.proc.stop()
            if code != 0:
                self.figures.problems.append(f"graceful stop exited with {code}")
            self.check_all()
        finally:
            if self.bot is not None and self.bot.alive():
                self.bot.kill()
            self.figures.seconds = time.monotonic() - began
        return self.figures
