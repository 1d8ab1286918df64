"""`respbot demo` and `respbot learn`: the whole product loop in a terminal, on a fake clock.

The demo runs a simulated team channel: each working day the scenario is posted, you answer (a, c, s), a few
simulated teammates answer, the window closes, the reveal and the boards follow. `--days N` fast-forwards
N working days; `--script FILE|-` reads your answers one per line (blank = skip); `--seed N` repeats a run.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.adapters.console import PLATFORM, WORKSPACE, ConsoleAdapter, key_party
from bot.core.clock import ManualClock
from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ButtonPressed, ChannelRef, CommandIssued, PostRef, UserRef
from bot.core.messages import OPTIONS, Button, Card, LessonCard, PracticeCard, TextReply, option_for
from bot.core.model import RoundState
from bot.core.schedule_math import close_at, local_instant, post_at
from content.loader import ContentBundle
from storage import open_repository, parse_database_url, redact_url
from storage.urls import SqliteTarget

TEAM_TZ = "Europe/Berlin"
DEFAULT_START = date(2026, 6, 1)  # a Monday; fixed so that a seed repeats the same run
YOU = UserRef(PLATFORM, WORKSPACE, "you", "You")
CHANNEL = ChannelRef(PLATFORM, WORKSPACE, "cloud-team")


@dataclass(frozen=True, slots=True)
class Teammate:
    user: UserRef
    skill: float  # chance of answering right


TEAMMATES = (
    Teammate(UserRef(PLATFORM, WORKSPACE, "priya", "Priya"), 0.85),
    Teammate(UserRef(PLATFORM, WORKSPACE, "marco", "Marco"), 0.7),
    Teammate(UserRef(PLATFORM, WORKSPACE, "lena", "Lena"), 0.6),
    Teammate(UserRef(PLATFORM, WORKSPACE, "sam", "Sam"), 0.45),
)

AnswerSource = Callable[[str], str | None]  # prompt → a line, or None at end of input


def line_reader(stream: TextIO, echo: ConsoleAdapter | None) -> AnswerSource:
    """Answers from a script: one per line; `#` starts a comment; end of input means no answer."""

    def read(prompt: str) -> str | None:
        while True:
            line = stream.readline()
            if not line:
                return None
            text = line.split("#", 1)[0].strip()
            if line.strip().startswith("#"):
                continue
            if echo is not None:
                echo.say(f"{prompt}{text}")
            return text

    return read


def prompt_reader(stream_in: TextIO, console: ConsoleAdapter) -> AnswerSource:
    def read(prompt: str) -> str | None:
        console.console.print(prompt, end="", markup=False)
        line = stream_in.readline()
        return None if not line else line.strip()

    return read


async def _open_engine(
    content: ContentBundle,
    adapter: ConsoleAdapter,
    clock: ManualClock,
    seed: int,
    db_url: str | None,
    timezone: str = TEAM_TZ,
) -> tuple[Engine, tempfile.TemporaryDirectory[str] | None]:
    """The engine on `db_url`, or on a temporary file removed at the end (also when opening fails)."""
    tmp = None
    if db_url is None:
        tmp = tempfile.TemporaryDirectory(prefix="respbot-demo-")
        db_url = f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    try:
        repo = await open_repository(db_url)
    except BaseException:
        if tmp is not None:
            tmp.cleanup()
        raise
    engine = Engine(
        repo,
        content,
        clock,
        {PLATFORM: adapter},
        EngineConfig(seed=seed, default_timezone=timezone, onboarding="off"),
    )
    return engine, tmp


async def run_demo(
    content: ContentBundle,
    adapter: ConsoleAdapter,
    read: AnswerSource,
    days: int,
    seed: int,
    start: date = DEFAULT_START,
    db_url: str | None = None,
    timezone: str = TEAM_TZ,
) -> int:
    clock = ManualClock(local_instant(start, datetime.min.time(), timezone) + timedelta(hours=8))
    engine, tmp = await _open_engine(content, adapter, clock, seed, db_url, timezone)
    rng = random.Random(seed)
    try:
        start = await _continue_after(engine, start)
        clock.set(local_instant(start, datetime.min.time(), timezone) + timedelta(hours=8))
        await adapter.start(engine.handle)
        await _command(engine, adapter, f"setup time 09:30 tz {timezone} days mon-fri window 4h", clock)
        team = await engine.repo.get_team(CHANNEL)
        assert team is not None
        day = start
        played = 0
        quit_requested = False
        while played < days and not quit_requested:
            if day.weekday() not in team.settings.days:
                day += timedelta(days=1)
                continue
            adapter.say(f"\n===== {day:%A %d %B %Y} — day {played + 1} of {days} =====")
            clock.set(post_at(team.settings, day))
            await engine.tick()
            rnd = await engine.repo.round_on(team.id, day)
            if rnd is None or rnd.message_id is None or rnd.state is not RoundState.POSTED:
                adapter.say("(no round today)")
            else:
                quit_requested = await _play_round(engine, adapter, read, rng, rnd.id, rnd.message_id, clock)
            clock.set(close_at(team.settings, day))
            await engine.tick()
            played += 1
            day += timedelta(days=1)
        adapter.say("\n===== Leaderboards =====")
        await _command(engine, adapter, "leaderboard week", clock)
        await _command(engine, adapter, "leaderboard all", clock)
        await _command(engine, adapter, "stats", clock)
        return 0
    finally:
        await engine.repo.close()
        if tmp is not None:
            tmp.cleanup()


async def _continue_after(engine: Engine, start: date) -> date:
    """On a kept database (--db, or DATABASE_URL under `run`) the demo goes on after its last round rather
    than replaying days that already have one."""
    team = await engine.repo.get_team(CHANNEL)
    last = await engine.repo.previous_round(team.id, date.max) if team is not None else None
    return max(start, last.local_date + timedelta(days=1)) if last is not None else start


async def _command(engine: Engine, adapter: ConsoleAdapter, text: str, clock: ManualClock) -> None:
    event = CommandIssued(YOU, CHANNEL, text, True, clock.now(), "cloud-team")
    for card in await engine.handle(event):
        adapter.show(card, f"/responsibility {text.split()[0]}")


async def _play_round(
    engine: Engine,
    adapter: ConsoleAdapter,
    read: AnswerSource,
    rng: random.Random,
    round_id: int,
    message_id: str,
    clock: ManualClock,
) -> bool:
    """Teammates and you answer. Returns True if you asked to quit."""
    post = PostRef(CHANNEL, message_id)
    rnd = await engine.repo.get_round(round_id)
    assert rnd is not None
    answer = engine.content.scenarios[rnd.scenario_id].answer
    early, late = TEAMMATES[:2], TEAMMATES[2:]

    async def teammate(mate: Teammate) -> None:
        if rng.random() < 0.15:
            return  # skips today
        if rng.random() < mate.skill:
            opt = option_for(answer)
        else:
            opt = rng.choice([o for o in OPTIONS if o.party is not answer])
        clock.advance(timedelta(minutes=rng.randint(3, 40)))
        adapter.react(post, mate.user, opt.party)
        await engine.handle(AnswerGiven(post, mate.user, opt.party, clock.now()))
        adapter.say(f"  {mate.user.display_name} reacted")

    for mate in early:
        await teammate(mate)
    quit_requested = False
    while True:
        line = read("Your answer — a (AWS), c (Customer), s (Shared), Enter to skip, q to quit: ")
        if line is None or line == "":
            adapter.say("  (you skipped today)")
            break
        if line.lower() in ("q", "quit", "exit"):
            quit_requested = True
            break
        choice = key_party(line)
        if choice is None:
            adapter.say(f"  {line!r} is not an answer; type a, c or s")
            continue
        clock.advance(timedelta(minutes=5))
        adapter.react(post, YOU, choice)
        await engine.handle(AnswerGiven(post, YOU, choice, clock.now()))
        break
    for mate in late:
        await teammate(mate)
    return quit_requested


async def run_course(
    content: ContentBundle,
    adapter: ConsoleAdapter,
    read: AnswerSource,
    db_url: str | None,
    timezone: str = TEAM_TZ,
) -> int:
    """Take the onboarding course in the terminal: each lesson, its check question, feedback, next.
    Progress lives in `db_url` (the CLI's default is a file in the user's data folder), and it says where."""
    clock = ManualClock(local_instant(DEFAULT_START, datetime.min.time(), timezone) + timedelta(hours=9))
    engine, tmp = await _open_engine(content, adapter, clock, 0, db_url, timezone)
    saved = (
        "This run keeps no progress (pass --db sqlite:///FILE to keep it)"
        if db_url is None
        else f"Your progress is saved in {where(db_url)}; run `respbot learn` again to continue"
    )
    try:
        await adapter.start(engine.handle)
        if db_url is not None:
            adapter.say(f"(Progress is kept in {where(db_url)}; --db chooses another place.)")
        await _command(engine, adapter, "learn", clock)
        while True:
            progress = await engine.repo.course_progress(YOU)
            if progress is None:
                return 1
            lesson_card = engine.onboarding.lesson_card(progress.lesson_index)
            if progress.answered_current:
                if progress.lesson_index >= len(engine.onboarding.lessons) - 1:
                    return 0
                replies = await _press(engine, "lesson-next", "", clock)
                _show_all(adapter, replies)
                continue
            choice = _ask_button(adapter, read, lesson_card)
            if choice is None:
                adapter.say(f"{saved}.")
                return 0
            replies = await _press(engine, choice.action, choice.value, clock)
            _show_all(adapter, [r for r in replies if not isinstance(r, LessonCard)])
    finally:
        await engine.repo.close()
        if tmp is not None:
            tmp.cleanup()


def where(db_url: str) -> str:
    """A database as a person would look for it: a file's absolute path, or the URL without its password."""
    target = parse_database_url(db_url)
    return target.shown if isinstance(target, SqliteTarget) else redact_url(db_url)


def _show_all(adapter: ConsoleAdapter, cards: list[Card]) -> None:
    for card in cards:
        if isinstance(card, TextReply | LessonCard | PracticeCard):
            adapter.show(card)


def _ask_button(adapter: ConsoleAdapter, read: AnswerSource, card: LessonCard) -> Button | None:
    while True:
        line = read(f"Your answer (1-{len(card.buttons)}, q to stop): ")
        if line is None or line.lower() in ("q", "quit"):
            return None
        if line.isdigit() and 1 <= int(line) <= len(card.buttons):
            return card.buttons[int(line) - 1]
        adapter.say(f"  type a number from 1 to {len(card.buttons)}")


async def _press(engine: Engine, action: str, value: str, clock: ManualClock) -> list[Card]:
    return list(await engine.handle(ButtonPressed(YOU, None, action, value, clock.now())))
