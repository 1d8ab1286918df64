"""The `/responsibility` commands: the typed values a command parses to, and the one table that declares
every command and option (see bot/core/command_spec.py for what is derived from it).

Adding a command: a dataclass here, a `CommandSpec` in TABLE, and its handler in bot/core/command_runner.py
(tests/core/test_command_table.py fails until all three agree).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.core.command_spec import Choice, CommandSpec, Kind, Option, UsageError, names_of
from bot.core.command_values import Window, parse_duration, quote, read_args, split_words
from bot.core.leaderboard import Period
from bot.core.model import AnswerMode, Difficulty

__all__ = ["TABLE", "UsageError", "parse", "parse_with_spec", "spec_for", "split_words"]

MAX_INPUT = 500


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Quiz:
    topic: str | None = None
    level: str | None = None  # easy | medium | hard


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: Period | None  # None = the ranking of teams


@dataclass(frozen=True, slots=True)
class Stats:
    target: str | None  # a user id, or None for yourself


@dataclass(frozen=True, slots=True)
class Lookup:
    question: str  # a whole question; the old `lookup SERVICE CONTROL…` form is one too


@dataclass(frozen=True, slots=True)
class Learn:
    pass


@dataclass(frozen=True, slots=True)
class Flag:
    scenario_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ForgetMe:
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Setup:
    post_time: time | None = None
    timezone: str | None = None
    days: frozenset[int] | None = None
    window_minutes: int | None = None
    close_time: time | None = None
    mode: AnswerMode | None = None
    receipts: bool | None = None
    announce_course: bool | None = None
    difficulty: Difficulty | None = None
    reminder_minutes: int | None = None  # 0 = off
    ping: str | None = None  # "" = nobody
    recap: str | None = None  # auto | off | "fri 16:00"
    season: bool | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class PostNow:
    pass


@dataclass(frozen=True, slots=True)
class Export:
    period: Period


@dataclass(frozen=True, slots=True)
class Onboarding:
    pass


@dataclass(frozen=True, slots=True)
class Flags:
    clear: str | None = None


@dataclass(frozen=True, slots=True)
class Audit:
    pass


@dataclass(frozen=True, slots=True)
class Dashboard:
    pass


@dataclass(frozen=True, slots=True)
class Suggest:
    answer: str | None = None  # aws | customer | shared; None: show how (or the platform's form)
    link: str = ""
    text: str = ""  # PROMPT… | EXPLANATION…


@dataclass(frozen=True, slots=True)
class Review:
    action: str = "list"  # list | approve | edit | reject
    number: int | None = None
    text: str = ""


def _build_review(v: Mapping[str, Any]) -> Review:
    action = v.get("action", "list")
    raw = str(v.get("number", "")).lstrip("#")  # not a number: the runner says what is needed
    return Review(action, int(raw) if raw.isdigit() else None, str(v.get("text", "")))


Command = (
    Help
    | Quiz
    | Leaderboard
    | Stats
    | Lookup
    | Learn
    | Flag
    | ForgetMe
    | Setup
    | Pause
    | Resume
    | PostNow
    | Export
    | Onboarding
    | Flags
    | Audit
    | Dashboard
    | Suggest
    | Review
)


def _build_setup(v: Mapping[str, Any]) -> Setup:
    window: Window | None = v.get("window")
    mode = v.get("mode")
    return Setup(
        post_time=v.get("time"),
        timezone=v.get("tz"),
        days=v.get("days"),
        window_minutes=window.minutes if window else None,
        close_time=window.until if window else None,
        mode=AnswerMode(mode) if mode else None,
        receipts=v.get("receipts"),
        announce_course=v.get("course-announce"),
        difficulty=Difficulty(v["difficulty"]) if "difficulty" in v else None,
        reminder_minutes=_reminder(v["reminder"]) if "reminder" in v else None,
        ping=v.get("ping"),
        recap=v.get("recap"),
        season=v.get("season"),
    )


def _reminder(value: str) -> int:
    """`off` → 0, else a lead time before the close between 5 minutes and 12 hours."""
    return 0 if value.lower() == "off" else parse_duration(value, "reminder", 5, 12 * 60)


def _build_flag(v: Mapping[str, Any]) -> Flag:
    reason = str(v.get("reason", "")).strip()
    if len(reason) < 3:
        raise ValueError("please say briefly what is wrong or unclear")
    return Flag(v["scenario"], reason[:300])


def _board(v: Mapping[str, Any]) -> Period | None:
    chosen = v.get("period", "week")
    return None if chosen == "teams" else Period(chosen)


_REMINDERS = tuple(Choice(v, v) for v in ("off", "15m", "30m", "60m", "2h", "4h"))
_PERIODS = (Choice("week", "This week"), Choice("month", "This month"), Choice("all", "All time"))

#: Every `/responsibility` command, in the order `help` lists them.
TABLE: tuple[CommandSpec, ...] = (
    CommandSpec("help", "what the bot does and every command", lambda v: Help(str(v["topic"]).lower() if "topic" in v else None),
                (Option("topic", Kind.WORD, "A command to explain"),)),
    CommandSpec("quiz", "a private practice question now (missed ones come back later)",
                lambda v: Quiz(v.get("topic"), v.get("level")),
                (Option("topic", Kind.WORD, "Only this topic, e.g. iam", placeholder="TOPIC"),
                 Option("level", Kind.CHOICE, "Only this level",
                        (Choice("easy", "Easy"), Choice("medium", "Medium"), Choice("hard", "Hard")), bare=True)),
                keyed=True, aliases=("practice",), example="practice topic iam"),
    CommandSpec("leaderboard", "this team's board, or the ranking of teams",
                lambda v: Leaderboard(_board(v)),
                (Option("period", Kind.CHOICE, "Which board (default: this week)",
                        (*_PERIODS, Choice("teams", "Teams (points per member)"))),),
                aliases=("top",), example="leaderboard month"),
    CommandSpec("stats", "points, accuracy, streaks and weakest topics",
                lambda v: Stats(v.get("person")),
                (Option("person", Kind.MENTION, "Someone else's stats (default: yours)"),)),
    CommandSpec("lookup", "who is responsible, e.g. `lookup who patches the database on rds`",
                lambda v: Lookup(v["question"]),
                (Option("question", Kind.TEXT, "Your question, e.g. who encrypts data in s3", required=True,
                        placeholder="QUESTION"),),
                example="lookup who backs up dynamodb"),
    CommandSpec("learn", "start or resume the short onboarding course", lambda v: Learn(),
                aliases=("course",)),
    CommandSpec("flag", "report a question as wrong or unclear", _build_flag,
                (Option("scenario", Kind.SCENARIO, "The scenario id shown under the question",
                        required=True),
                 Option("reason", Kind.TEXT, "What is wrong", required=True, placeholder="REASON")),
                example="flag ec2-ssh-open the answer is outdated"),
    CommandSpec("forget-me", "delete everything the bot stores about you",
                lambda v: ForgetMe(bool(v.get("confirm"))),
                (Option("confirm", Kind.FLAG, "Delete now"),), keyed=True),
    CommandSpec("setup", "make this channel a team (or change its settings)", _build_setup,
                (Option("time", Kind.TIME, "Post time, HH:MM 24-hour (default 09:30)"),
                 Option("tz", Kind.ZONE, "IANA time zone, e.g. Europe/Berlin"),
                 Option("days", Kind.DAYS, "e.g. mon-fri or mon,wed,fri"),
                 Option("window", Kind.WINDOW, "Answer window: 4h, 90m or until 13:00"),
                 Option("mode", Kind.CHOICE, "How people answer",
                        (Choice("reactions", "Reactions (default)"), Choice("buttons", "Buttons"))),
                 Option("receipts", Kind.ON_OFF, "Private receipts for answers"),
                 Option("course-announce", Kind.ON_OFF,
                        "A line in this channel when someone completes the onboarding course"),
                 Option("difficulty", Kind.CHOICE, "Which question levels the daily post uses",
                        (Choice("mixed", "Mixed (default)"), Choice("easy", "Easy"), Choice("hard", "Hard"))),
                 Option("reminder", Kind.CHOICE, "A reminder before the close (default 60m)", _REMINDERS),
                 Option("ping", Kind.PING, "Who the reminder pings: @group or role:Name (default: nobody)"),
                 Option("recap", Kind.SCHEDULE, "Weekly recap: auto (after the week's last reveal), off, or "
                        "a day and time like fri 16:00"),
                 Option("season", Kind.ON_OFF, "The season champions post on the first working day of a month")),
                keyed=True, admin=True, example="setup time 09:30 tz Europe/Berlin"),
    CommandSpec("pause", "stop the daily post", lambda v: Pause(), admin=True),
    CommandSpec("resume", "restart the daily post", lambda v: Resume(), admin=True),
    CommandSpec("post-now", "post today's scenario right away", lambda v: PostNow(), admin=True),
    CommandSpec("export", "participation CSV, sent privately",
                lambda v: Export(Period(v.get("period", "week"))),
                (Option("period", Kind.CHOICE, "Which period (default: this week)", _PERIODS),),
                admin=True),
    CommandSpec("onboarding", "who has completed the course", lambda v: Onboarding(), admin=True),
    CommandSpec("flags", "open flags; clear one to put a scenario back",
                lambda v: Flags(v.get("clear")),
                (Option("clear", Kind.SCENARIO, "A scenario id whose flags to clear"),),
                keyed=True, admin=True),
    CommandSpec("audit", "the log of admin actions", lambda v: Audit(), admin=True),
    CommandSpec("dashboard", "a private link to the training dashboard (valid 15 minutes, works once)",
                lambda v: Dashboard(), admin=True),
    CommandSpec("suggest", "suggest a question for this workspace (an admin reviews it)",
                lambda v: Suggest(v.get("answer"), v.get("link", ""), v.get("text", "")),
                (Option("answer", Kind.CHOICE, "Who is responsible",
                        (Choice("aws", "AWS"), Choice("customer", "Customer"), Choice("shared", "Shared"))),
                 Option("link", Kind.WORD, "An AWS documentation link", placeholder="https://docs.aws.amazon.com/…"),
                 Option("text", Kind.TEXT, "The question, then | and the explanation",
                        placeholder="QUESTION | EXPLANATION")),
                example="suggest customer https://docs.aws.amazon.com/… Who patches…? | Because…"),
    CommandSpec("review", "questions from the team waiting for review", _build_review,
                (Option("action", Kind.CHOICE, "What to do (default: list them)",
                        (Choice("list", "List"), Choice("approve", "Approve"), Choice("edit", "Edit"),
                         Choice("reject", "Reject"))),
                 Option("number", Kind.WORD, "The question's number", placeholder="N"),
                 Option("text", Kind.TEXT, "reject: the reason; edit: ANSWER LINK QUESTION | EXPLANATION",
                        placeholder="TEXT")),
                admin=True, example="review reject 12 the answer is Shared"),
)  # fmt: skip

_BY_NAME = names_of(TABLE)
#: The canonical command names, in table order.
NAMES = tuple(spec.name for spec in TABLE)


def spec_for(name: str) -> CommandSpec | None:
    """The spec of a command name or alias (case-insensitive)."""
    return _BY_NAME.get(name.lower())


def parse(text: str) -> Command:
    """Text in (from any platform), a typed Command or a UsageError out."""
    return parse_with_spec(text)[1]


def parse_with_spec(text: str) -> tuple[CommandSpec, Command]:
    """The command and the spec it was read by (for admin gating, metrics and usage lines)."""
    if len(text) > MAX_INPUT:
        raise UsageError(f"that command is {len(text)} characters long; the limit is {MAX_INPUT}")
    if "\x00" in text:
        raise UsageError("that command contains a NUL character; please retype it")
    words = split_words(text.strip())
    if not words:
        words = ["help"]
    spec = spec_for(words[0])
    if spec is None:
        raise UsageError(f"I don't know the command {quote(words[0].lower())}. Try `help` to see them all.")
    values = read_args(spec, words[1:])
    try:
        command: Command = spec.build(values)
    except ValueError as exc:
        raise UsageError(str(exc), spec) from None
    return spec, command


def metrics_label(text: str) -> str:
    """A bounded label for /metrics: a known command's name, else `other`."""
    words = text.split(maxsplit=1)
    spec = spec_for(words[0][:20]) if words else spec_for("help")
    return spec.name if spec else "other"
