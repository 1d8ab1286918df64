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
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from content.loader import load_bundle

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


# Processes -----------------------------------------------------------------------------------------------
#: Straight to 127.0.0.1: never through a proxy that the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, body: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with _OPENER.open(request, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
    return result


def _get(url: str, timeout: float = 20.0) -> dict[str, Any]:
    with _OPENER.open(url, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
    return result


class Fakes:
    """The fakes process (FakeSlack + FakeDiscord + control API), one per test."""

    def __init__(self, teams: int, people: int) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.faults.fakes_process",
                "--teams",
                str(teams),
                "--people",
                str(people),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # waits on the process's output: its one JSON line
        if not line:
            raise HarnessError(f"the fakes process exited before it started (code {self.proc.wait()})")
        self.info: dict[str, Any] = json.loads(line)
        self.url = str(self.info["control"])

    def react(self, platform: str, channel: str, message: str, user: str, option: str, deliver: bool) -> bool:
        body = {
            "platform": platform,
            "channel": channel,
            "message": message,
            "user": user,
            "option": option,
            "deliver": deliver,
        }
        return bool(_post(self.url + "/react", body)["sent"])

    def snapshot(self, platform: str) -> dict[str, Any]:
        return _get(f"{self.url}/snapshot?platform={platform}")

    def arm_kill(self, platform: str, pid: int, kind: str) -> None:
        _post(self.url + "/arm-kill", {"platform": platform, "pid": pid, "kind": kind})

    def disarm(self) -> None:
        _post(self.url + "/arm-kill", {"pid": 0})

    def command(self, platform: str, channel: str, text: str, options: dict[str, str]) -> str:
        body = {"platform": platform, "channel": channel, "text": text, "options": options}
        return str(_post(self.url + "/command", body)["reply"])

    def forget_nonces(self) -> None:
        _post(self.url + "/forget-nonces", {})

    def teams_bot(self, url: str) -> None:
        _post(self.url + "/teams-bot", {"url": url})

    def plant_duplicate(self, platform: str, channel: str, key: str, parent: str | None) -> None:
        _post(
            self.url + "/plant-duplicate",
            {"platform": platform, "channel": channel, "key": key, "parent": parent},
        )

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the fakes process stops when its input closes
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class BotProcess:
    """One run of `python -m bot run`. Its output goes to a log file; a reader thread signals readiness
    (the app's "running with" line) and exit (end of output), so waits are on events, not on sleeps."""

    READY = "running with"

    def __init__(self, env: dict[str, str], workdir: Path, log_path: Path) -> None:
        self.log_path = log_path
        self.ready = threading.Event()
        self.exited = threading.Event()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,  # no .env there: the settings are exactly `env`
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        with open(self.log_path, "w", encoding="utf-8") as log:
            for line in stream:
                log.write(line)
                log.flush()
                if self.READY in line:
                    self.ready.set()
        self.exited.set()
        self.ready.set()  # wake a start() waiting for readiness

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60.0) -> float:
        if not self.ready.wait(timeout) or self.exited.is_set():
            self.kill()
            raise HarnessError(f"the bot did not start:\n{self.tail()}")
        return time.monotonic() - self.started

    def alive(self) -> bool:
        return not self.exited.is_set() and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = STEP_TIMEOUT) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout)
        return code

    def stop(self) -> int:
        """Graceful stop (SIGTERM), as an orchestrator does; SIGKILL if it does not finish in time."""
        if self.proc.poll() is not None:
            return self.wait()
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            return -signal.SIGKILL

    def tail(self, lines: int = 40) -> str:
        try:
            return "".join(self.log_path.read_text(encoding="utf-8").splitlines(True)[-lines:])
        except OSError:
            return "(no log)"


class Clock:
    """The bot's FileClock: an ISO instant in a file, written atomically; only ever moves forward."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.now = start
        self._write()

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self.now.isoformat(), encoding="utf-8")
        os.replace(tmp, self.path)

    def at_least(self, when: datetime) -> None:
        if when > self.now:
            self.now = when
            self._write()

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self._write()


class Db:
    """Read-only questions to the bot's SQLite file, from outside the bot."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *args: object) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, args))
        finally:
            conn.close()


# Books ---------------------------------------------------------------------------------------------------
@dataclass
class Team:
    spec: TeamSpec
    channel: str
    team_id: int = 0


@dataclass
class RoundBook:
    """What the harness did to one team's round of one day, and so what the database must hold."""

    team: Team
    day: date
    round_id: int | None = None
    post_id: str | None = None
    reacted: dict[str, list[str]] = field(default_factory=dict)  # person → options, in order
    expected: dict[str, str] = field(default_factory=dict)  # person → the answer that must be stored
    excluded: set[str] = field(default_factory=set)  # reacted, but must not be stored
    pending: list[tuple[str, str]] = field(default_factory=list)  # lined up to answer once, not yet done
    changer: tuple[str, str] | None = None  # first answer stored; this second option still to come
    retry: list[tuple[str, str]] = field(default_factory=list)  # Teams: presses that failed, to press again
    delivered: dict[str, int] = field(default_factory=dict)  # person → the bot run their event went to


@dataclass
class Figures:
    platform: str
    seed: int
    trials: int = 0  # kill/restart cycles
    days: int = 0
    rounds: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    states_at_kill: Counter[str] = field(default_factory=Counter)
    reactions_live: int = 0
    reactions_while_down: int = 0
    answers_stored: Counter[str] = field(default_factory=Counter)  # by source: live / reconciled
    hedged_not_counted: int = 0
    late_not_counted: int = 0
    duplicate_posts: int = 0
    duplicate_reveals: int = 0
    missed_rounds: int = 0
    lost_answers: int = 0
    spurious_answers: int = 0
    recount_mismatches: int = 0
    unexpected_exits: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        restarts = self.restart_seconds
        return {
            "platform": self.platform,
            "seed": self.seed,
            "trials": self.trials,
            "days": self.days,
            "rounds": self.rounds,
            "kills": dict(sorted(self.kills.items())),
            "states_at_kill": dict(sorted(self.states_at_kill.items())),
            "reactions_live": self.reactions_live,
            "reactions_while_down": self.reactions_while_down,
            "answers_stored": dict(self.answers_stored),
            "hedged_not_counted": self.hedged_not_counted,
            "late_not_counted": self.late_not_counted,
            "duplicate_posts": self.duplicate_posts,
            "duplicate_reveals": self.duplicate_reveals,
            "missed_rounds": self.missed_rounds,
            "lost_answers": self.lost_answers,
            "spurious_answers": self.spurious_answers,
            "recount_mismatches": self.recount_mismatches,
            "unexpected_exits": self.unexpected_exits,
            "mean_restart_seconds": round(sum(restarts) / len(restarts), 2) if restarts else 0.0,
            "seconds": round(self.seconds, 1),
            "problems": self.problems[:20],
        }


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


# Independent recount -------------------------------------------------------------------------------------
def periods_of(day: date) -> tuple[str, str, str]:
    year, week, _ = day.isocalendar()
    return "all", f"w:{year}-W{week:02d}", f"m:{day.year}-{day.month:02d}"


def recount_problems(db: Db, team_id: int, answer_of: dict[str, str]) -> list[str]:
    """Recount a team's points from its stored answers with README's rules — 10 for a correct answer, plus
    2 per earlier round of an unbroken streak of answered (revealed) rounds, at most 10 — and compare with
    what the bot keeps: each answer's points, member_scores and team_periods for every period."""
    rounds = db.rows(
        "SELECT id, local_date, scenario_id FROM rounds WHERE team_id = ? AND state = 'revealed' "
        "ORDER BY local_date",
        team_id,
    )
    streak: dict[str, tuple[int, int]] = {}  # person → (streak, index of the last round answered)
    scores: dict[tuple[str, str], list[int]] = {}  # (period, person) → [points, answered, correct, first]
    periods: dict[str, list[int]] = {}  # period → [rounds, answers, points]
    problems: list[str] = []
    for index, rnd in enumerate(rounds):
        day = date.fromisoformat(rnd["local_date"])
        answer = answer_of[rnd["scenario_id"]]
        for period in periods_of(day):
            periods.setdefault(period, [0, 0, 0])[0] += 1
        for a in db.rows(
            "SELECT user_id, choice, answered_at, correct, points FROM answers "
            "WHERE round_id = ? AND source <> 'late'",
            rnd["id"],
        ):
            user = a["user_id"]
            last = streak.get(user)
            length = last[0] + 1 if last is not None and last[1] == index - 1 else 1
            streak[user] = (length, index)
            correct = a["choice"] == answer
            points = 10 + min(2 * (length - 1), 10) if correct else 0
            if (a["correct"], a["points"]) != (int(correct), points):
                problems.append(
                    f"round {rnd['id']} {user}: stored correct={a['correct']} points={a['points']}, "
                    f"recount {int(correct)} {points}"
                )
            for period in periods_of(day):
                row = scores.setdefault((period, user), [0, 0, 0, a["answered_at"]])
                row[0] += points
                row[1] += 1
                row[2] += int(correct)
                row[3] = min(row[3], a["answered_at"])
                totals = periods[period]
                totals[1] += 1
                totals[2] += points
    kept = {
        (r["period"], r["user_id"]): [r["points"], r["answered"], r["correct"], r["first_answer_at"]]
        for r in db.rows(
            "SELECT period, user_id, points, answered, correct, first_answer_at FROM member_scores "
            "WHERE team_id = ?",
            team_id,
        )
    }
    for key in sorted(set(kept) | set(scores)):
        if kept.get(key) != scores.get(key):
            problems.append(f"member_scores {key}: kept {kept.get(key)}, recount {scores.get(key)}")
    kept_periods = {
        r["period"]: [r["rounds"], r["answers"], r["points"]]
        for r in db.rows(
            "SELECT period, rounds, answers, points FROM team_periods WHERE team_id = ?", team_id
        )
    }
    for period in sorted(set(kept_periods) | set(periods)):
        if kept_periods.get(period) != periods.get(period):
            problems.append(
                f"team_periods {period}: kept {kept_periods.get(period)}, recount {periods.get(period)}"
            )
    return problems


# The harness -----------------------------------------------------------------------------------------------
class CrashHarness:
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
            self.http_port = _free_port()
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

    def after_death(self, books: list[RoundBook], phase: str) -> None:
        """The bot is dead: account for the kill, let people react while it is down, restart it."""
        code = self.proc.wait()
        kind = self.current
        if code != -signal.SIGKILL or kind is None:
            self.figures.unexpected_exits += 1
            raise HarnessError(
                f"{self.platform}: the bot exited with {code} during {phase}\n{self.proc.tail()}"
            )
        self.fakes.disarm()
        self.plan.pop(0)
        self.figures.trials += 1
        self.figures.kills[kind] += 1
        for book in books:
            state = self._state(book)
            self.figures.states_at_kill[state] += 1
            self._react_while_down(book, state)
        self.clock.advance(LEASE_STEP)
        self.fakes.forget_nonces()  # minutes pass for Discord too: only the history scan finds a post now
        self.start_bot()

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

    # People ----------------------------------------------------------------------------------------------
    def _react(self, book: RoundBook, person: str, option: str, live: bool) -> None:
        assert book.post_id is not None
        if self.platform == "teams" and not live:
            return  # a button cannot be pressed on a bot that is down: the person presses when it is back
        if self.fakes.react(self.platform, book.team.channel, book.post_id, person, option, deliver=live):
            book.delivered.setdefault(person, self.runs)
        elif self.platform == "teams":
            book.retry.append((person, option))  # the press failed in their client: they press again
        book.reacted.setdefault(person, []).append(option)
        if live:
            self.figures.reactions_live += 1
        else:
            self.figures.reactions_while_down += 1

    def _fresh(self, book: RoundBook) -> list[str]:
        """People who have not reacted to this post and are not lined up to."""
        lined_up = {p for p, _ in book.pending}
        return [p for p in self.people if p not in book.reacted and p not in lined_up]

    def _react_while_down(self, book: RoundBook, state: str) -> None:
        """People keep reacting while the bot is down. Before the round is scored each one-option reaction
        must count at the reveal and a person with two options must not (README); after, nothing counts.
        Teams answers are buttons: nobody can answer a bot that is down, so nothing happens here."""
        if book.post_id is None or self.platform == "teams":
            return
        fresh = self._fresh(book)
        if state.startswith(("scored", "revealed")):
            if fresh and self.rng.random() < 0.5:
                person = fresh.pop()
                self._react(book, person, self.rng.choice(OPTIONS), live=False)
                book.excluded.add(person)
                self.figures.late_not_counted += 1
            return
        if book.pending:
            for _ in range(min(len(book.pending), self.rng.randint(1, 3))):
                person, option = book.pending.pop(0)
                self._react(book, person, option, live=False)
                book.expected[person] = option
        elif fresh:
            person = fresh.pop()
            option = self.rng.choice(OPTIONS)
            self._react(book, person, option, live=False)
            book.expected[person] = option
        if fresh and self.rng.random() < 0.6:
            person = fresh.pop()
            first, second = self.rng.sample(OPTIONS, 2)
            self._react(book, person, first, live=False)
            self._react(book, person, second, live=False)
            book.excluded.add(person)
            self.figures.hedged_not_counted += 1
        if book.changer is not None and self.rng.random() < 0.5:
            person, option = book.changer
            self._react(book, person, option, live=False)  # the first answer stays: expected unchanged
            book.changer = None

    # The day ---------------------------------------------------------------------------------------------
    def setup_teams(self) -> None:
        for team in self.teams:
            if self.platform in ("slack", "teams"):
                reply = self.fakes.command(self.platform, team.channel, team.spec.slack_text(), {})
            else:
                reply = self.fakes.command("discord", team.channel, "setup", team.spec.discord_options())
            if "✅" not in reply:
                raise HarnessError(f"setup of {team.channel} failed: {reply[:300]}")
            rows = self.db.rows(
                "SELECT id FROM teams WHERE platform = ? AND channel_id = ?", self.platform, team.channel
            )
            team.team_id = int(rows[0]["id"])

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

    def _rounds_today(self, books: list[RoundBook]) -> list[sqlite3.Row]:
        day = books[0].day.isoformat()
        return self.db.rows(
            "SELECT r.id, r.team_id, r.state, r.message_id, r.reveal_message_id FROM rounds r "
            "JOIN teams t ON t.id = r.team_id WHERE t.platform = ? AND r.local_date = ?",
            self.platform,
            day,
        )

    def _external_kill(self, within: float) -> None:
        """SIGKILL from outside at a random moment: unless the bot dies by itself first."""
        if not self.proc.exited.wait(self.rng.uniform(0, within)):
            self.proc.kill()

    def post_phase(self, books: list[RoundBook]) -> None:
        day = books[0].day
        kind = self.current
        if kind == "post-unacked":
            self.fakes.arm_kill(self.platform, self.proc.pid, "round")
        self.clock.at_least(max(t.spec.post_at(day) for t in self.teams))
        if kind == "external-post":
            self._external_kill(0.25)

        def posted() -> bool:
            rows = self._rounds_today(books)
            return len(rows) == len(books) and all(r["state"] != "claimed" for r in rows)

        while not self.until(posted, f"the {day} posts"):
            self.after_death(books, "post")
        self.fakes.disarm()
        for book in books:
            self._state(book)
            assert book.post_id is not None, (
                f"{self.platform}: round {book.round_id} posted but not on the platform"
            )

    def answer_phase(self, books: list[RoundBook]) -> None:
        day = books[0].day
        answers_at = self.clock.now + timedelta(minutes=10)
        if answers_at >= min(t.spec.close_at(day) for t in self.teams):
            raise HarnessError(f"{self.platform}: too many restarts on {day}: the answer window is over")
        self.clock.at_least(answers_at)
        # Who answers what: one person changes their mind (the first answer locks), most answer once, some
        # not at all; the one-answer people react in a random order across the teams.
        for book in books:
            fresh = self._fresh(book)
            self.rng.shuffle(fresh)
            book.pending += [(p, self.rng.choice(OPTIONS)) for p in fresh[1:] if self.rng.random() < 0.8]
            if fresh:
                self._change_mind(books, book, fresh[0])
        script = [(book, p, o) for book in books for p, o in book.pending]
        self.rng.shuffle(script)
        kill_at = self.rng.randrange(len(script) + 1) if self.current == "external-answers" else -1
        for index in range(len(script) + 1):
            if index == kill_at and self.proc.alive():
                self.proc.kill()
            if not self.proc.alive():
                self.after_death(books, "answers")
            if index == len(script):
                break
            book, person, option = script[index]
            if (person, option) not in book.pending:
                continue  # reacted while the bot was down
            book.pending.remove((person, option))
            self._react(book, person, option, live=True)
            book.expected[person] = option
        for book in books:
            if book.changer is not None:
                self._react(book, *book.changer, live=self.proc.alive())
                book.changer = None
        self._press_again(books)
        # Every event delivered to the bot that is running now must be stored by it (events sent to a run
        # that was killed may be lost: those answers are found on the post at the reveal).
        while not self.until(lambda: self._live_stored(books), "the answers delivered to the bot"):
            self.after_death(books, "answers")

    def _press_again(self, books: list[RoundBook]) -> None:
        """Teams: the presses that failed (the bot died under them) are pressed again once it is back."""
        while any(book.retry for book in books):
            if not self.proc.alive():
                self.after_death(books, "answers")
            for book in books:
                retry, book.retry = book.retry, []
                for person, option in retry:
                    self._react(book, person, option, live=True)

    def _live_stored(self, books: list[RoundBook]) -> bool:
        for book in books:
            owed = {p for p, run in book.delivered.items() if run == self.runs}
            stored = {
                r["user_id"]
                for r in self.db.rows(
                    "SELECT user_id FROM answers WHERE round_id = ? AND source <> 'late'", book.round_id
                )
            }
            if not owed <= stored:
                return False
        return True

    def _change_mind(self, books: list[RoundBook], book: RoundBook, person: str) -> None:
        """A first answer, live; once it is stored a second option is lined up (sent later, live or while
        the bot is down). If the bot dies before storing the first, the person stays a one-option answerer."""
        first, second = self.rng.sample(OPTIONS, 2)
        self._react(book, person, first, live=True)
        book.expected[person] = first

        def stored() -> bool:
            return bool(
                self.db.rows(
                    "SELECT 1 FROM answers WHERE round_id = ? AND user_id = ? AND source <> 'late'",
                    book.round_id,
                    person,
                )
            )

        while not self.until(stored, f"the first answer of {person}"):
            self.after_death(books, "answers")
            if not stored():
                return
        book.changer = (person, second)

    def reveal_phase(self, books: list[RoundBook]) -> None:
        day = books[0].day
        kind = self.current
        if kind == "reveal-unacked":
            self.fakes.arm_kill(self.platform, self.proc.pid, "reveal")
        self.clock.at_least(max(t.spec.close_at(day) for t in self.teams))
        if kind == "external-reveal":
            self._external_kill(0.25)

        def revealed() -> bool:
            rows = self._rounds_today(books)
            return len(rows) == len(books) and all(
                r["state"] == "revealed" and r["reveal_message_id"] is not None for r in rows
            )

        while not self.until(revealed, f"the {day} reveals"):
            self.after_death(books, "reveal")
        self.fakes.disarm()

    # Checks ----------------------------------------------------------------------------------------------
    def problem(self, text: str) -> None:
        self.figures.problems.append(f"{self.platform}: {text}")

    def check_day(self, books: list[RoundBook]) -> None:
        snapshot = self.fakes.snapshot(self.platform)
        for book in books:
            channel = snapshot["channels"][book.team.channel]
            rows = self.db.rows(
                "SELECT id, state, message_id, reveal_message_id FROM rounds WHERE team_id = ? AND local_date = ?",
                book.team.team_id,
                book.day.isoformat(),
            )
            if len(rows) != 1 or rows[0]["state"] != "revealed" or rows[0]["reveal_message_id"] is None:
                self.figures.missed_rounds += 1
                self.problem(
                    f"{book.day} team {book.team.team_id}: no revealed round ({[dict(r) for r in rows]})"
                )
                continue
            rnd = rows[0]
            self.figures.rounds += 1
            posts = [m for m in channel if m["key"] == f"round-{rnd['id']}"]
            reveals = [m for m in channel if m["key"] == f"reveal-{rnd['id']}"]
            if len(posts) != 1:
                self.figures.duplicate_posts += max(len(posts) - 1, 0)
                self.figures.missed_rounds += int(not posts)
                self.problem(f"round {rnd['id']}: {len(posts)} scenario posts on the platform")
            if len(reveals) != 1:
                self.figures.duplicate_reveals += max(len(reveals) - 1, 0)
                self.problem(f"round {rnd['id']}: {len(reveals)} reveals on the platform")
            if posts and (posts[0]["id"] != rnd["message_id"] or posts[0]["parent"] is not None):
                self.problem(f"round {rnd['id']}: the post on record is not the one on the platform")
            if (
                reveals
                and posts
                and (reveals[0]["parent"] != posts[0]["id"] or reveals[0]["id"] != rnd["reveal_message_id"])
            ):
                self.problem(f"round {rnd['id']}: the reveal is not the reply on record")
            stored = {
                r["user_id"]: r
                for r in self.db.rows(
                    "SELECT user_id, choice, source, points FROM answers WHERE round_id = ?", rnd["id"]
                )
            }
            for person, option in book.expected.items():
                got = stored.get(person)
                if got is None or got["choice"] != option or got["points"] is None or got["source"] == "late":
                    self.figures.lost_answers += 1
                    self.problem(f"round {rnd['id']}: {person} answered {option}, stored {got and dict(got)}")
            for person, got in stored.items():
                self.figures.answers_stored[str(got["source"])] += 1
                if person not in book.expected and got["source"] != "late":
                    self.figures.spurious_answers += 1
                    self.problem(f"round {rnd['id']}: {person} stored ({dict(got)}) but must not count")
        for team in self.teams:
            for text in recount_problems(self.db, team.team_id, self.answer_of):
                self.figures.recount_mismatches += 1
                self.problem(f"{books[0].day}: {text}")

    def check_all(self) -> None:
        """Across the whole run: every key once on the platform, no bot post outside a round, one round per
        team and working day (none on weekends, none skipped)."""
        snapshot = self.fakes.snapshot(self.platform)
        days = {b.day.isoformat() for b in self.books}
        for team in self.teams:
            channel = snapshot["channels"][team.channel]
            keys = Counter(m["key"] for m in channel if m["bot"])
            extra = {k: n for k, n in keys.items() if n > 1}
            if extra or "" in keys:
                self.problem(f"channel {team.channel}: keys posted more than once or unkeyed: {extra}")
            rounds = self.db.rows(
                "SELECT local_date, state FROM rounds WHERE team_id = ? ORDER BY local_date", team.team_id
            )
            if sorted(r["local_date"] for r in rounds) != sorted(days) or any(
                r["state"] != "revealed" for r in rounds
            ):
                self.problem(
                    f"team {team.team_id}: rounds {[tuple(r) for r in rounds]} for days {sorted(days)}"
                )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def duplicate_count(snapshot: dict[str, Any]) -> int:
    """Bot messages beyond the first under each key, over every channel (used to prove the check bites)."""
    total = 0
    for channel in snapshot["channels"].values():
        keys = Counter(m["key"] for m in channel if m["bot"] and m["key"])
        total += sum(n - 1 for n in keys.values())
    return total
