"""Runs the bot for the crash harness: one process per run, armed with the next planned crash point."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from content.loader import load_bundle
from tests.faults.books import Figures, RoundBook, Team
from tests.faults.plan import CRASH_POINTS, ROOT, STEP_TIMEOUT, TEAMS, TICK_SECONDS, HarnessError
from tests.faults.processes import BotProcess, Clock, Db, Fakes, free_port


class BotRunner:
    """The state of one harness run and the bot's lifecycle: its settings, (re)starts, waits and where
    each round stands. The people, the day and the checks build on this (people.py, day.py, checks.py)."""

    def __init__(
        self,
        platform: str,
        fakes: Fakes,
        workdir: Path,
        seed: int,
        plan: list[str],
        start: date,
    ) -> None:
        self.platform = platform
        self.fakes = fakes
        self.info: dict[str, Any] = fakes.info[platform]
        self.workdir = workdir
        self.rng = random.Random(seed)
        self.plan = list(plan)
        self.start = start
        self.db_path = workdir / "bot.db"
        self.db = Db(self.db_path)
        self.clock = Clock(workdir / "clock", datetime.combine(start - timedelta(days=1), dtime(12), UTC))
        self.teams = [
            Team(spec, channel) for spec, channel in zip(TEAMS, self.info["channels"], strict=False)
        ]
        self.people: list[str] = list(self.info["people"])
        self.answer_of = {sid: s.answer.value for sid, s in load_bundle().scenarios.items()}
        self.figures = Figures(platform, seed)
        self.bot: BotProcess | None = None
        self.scenario_seed = str(self.rng.randrange(1000))  # the bot's SEED: the same for every run
        self.runs = 0
        self.books: list[RoundBook] = []
        self.http_port = 0
        if platform == "teams":  # Teams calls the bot: one fixed port for every run, known to the fakes
            self.http_port = free_port()
            fakes.teams_bot(f"http://127.0.0.1:{self.http_port}/api/messages")

    # Bot lifecycle -------------------------------------------------------------------------------------------
    @property
    def current(self) -> str | None:
        return self.plan[0] if self.plan else None

    def _env(self, crash: tuple[str, int] | None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(
                ("RESPBOT_CRASH", "SLACK_", "DISCORD_", "TEAMS_", "DATABASE_URL", "CLOCK_FILE")
            )
        }
        env.update(
            PYTHONPATH=str(ROOT),
            DATABASE_URL=f"sqlite:///{self.db_path}",
            CLOCK_FILE=str(self.clock.path),
            TICK_SECONDS=TICK_SECONDS,
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(self.http_port),
            ONBOARDING="off",
            LOG_LEVEL="INFO",
            SEED=self.scenario_seed,
        )
        if self.platform == "slack":
            env.update(
                SLACK_API_BASE_URL=self.info["api_url"],
                SLACK_BOT_TOKEN=self.info["bot_token"],
                SLACK_APP_TOKEN=self.info["app_token"],
                SLACK_MODE="socket",
            )
        elif self.platform == "teams":
            env.update(
                TEAMS_APP_ID=self.info["app_id"],
                TEAMS_APP_PASSWORD=self.info["app_password"],
                TEAMS_OPENID_METADATA_URL=self.info["metadata_url"],
                TEAMS_TOKEN_URL=self.info["token_url"],
                TEAMS_GRAPH_URL=self.info["graph_url"],
            )
        else:
            env.update(
                DISCORD_TOKEN=self.info["token"],
                DISCORD_API_BASE_URL=self.info["api_url"],
                DISCORD_GATEWAY_URL=self.info["gateway_url"],
            )
        if crash is not None:
            env.update(RESPBOT_CRASH_AT=crash[0], RESPBOT_CRASH_AFTER=str(crash[1]))
        return env

    def start_bot(self) -> None:
        """Start the bot, carrying the next planned kill if that is a crash point."""
        kind = self.current
        crash = None
        if kind in CRASH_POINTS:
            most = 3 if kind == "after-answer" else len(self.teams)
            crash = (kind, self.rng.randint(1, most))
        self.runs += 1
        self.bot = BotProcess(self._env(crash), self.workdir, self.workdir / f"bot-{self.runs:03d}.log")
        seconds = self.bot.wait_ready()
        if self.runs > 1:
            self.figures.restart_seconds.append(seconds)

    @property
    def proc(self) -> BotProcess:
        assert self.bot is not None
        return self.bot

    def until(self, condition: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT) -> bool:
        """True once `condition` holds, False if the bot died first. The bot's database and the fakes live
        in other processes with nothing to subscribe to, so this polls — 20 ms apart, bounded by `timeout`,
        and woken at once by the bot's exit."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return True
            if not self.proc.alive():
                return False
            if time.monotonic() > deadline:
                raise HarnessError(f"{self.platform}: timed out waiting for {what}\n{self.proc.tail()}")
            self.proc.exited.wait(0.02)

    def _state(self, book: RoundBook) -> str:
        """Where a round stands, from the database and the platform: the coverage of the kill points."""
        rows = self.db.rows(
            "SELECT id, state, message_id, reveal_message_id FROM rounds WHERE team_id = ? AND local_date = ?",
            book.team.team_id,
            book.day.isoformat(),
        )
        if not rows:
            return "no round"
        rnd = rows[0]
        book.round_id = int(rnd["id"])
        posts = self._messages(book.team.channel, f"round-{book.round_id}")
        on_record = [p["id"] for p in posts if p["id"] == rnd["message_id"]]
        book.post_id = (on_record or [p["id"] for p in posts] or [None])[0]
        state = str(rnd["state"])
        if state == "claimed":
            return "claimed, on the platform" if posts else "claimed, not posted"
        if state == "revealed" and rnd["reveal_message_id"] is None:
            replies = self._messages(book.team.channel, f"reveal-{book.round_id}")
            return "scored, reveal on the platform" if replies else "scored, reveal not posted"
        return state

    def _messages(self, channel: str, key: str) -> list[dict[str, Any]]:
        snapshot = self.fakes.snapshot(self.platform)
        return [m for m in snapshot["channels"][channel] if m["key"] == key]
