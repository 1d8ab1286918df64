"""The `/responsibility` grammar, shared by every platform: text in, a Command or a UsageError out.

Parsing never touches storage, so a rejected input can change nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from bot.core.leaderboard import Period
from bot.core.model import WEEKDAYS, AnswerMode
from bot.core.schedule_math import zone

MAX_INPUT = 500

USAGE = {
    "help": "help",
    "quiz": "quiz",
    "leaderboard": "leaderboard [week|month|all|teams]",
    "stats": "stats [@person]",
    "lookup": "lookup SERVICE [CONTROL…]   e.g. lookup rds database engine patching",
    "learn": "learn",
    "flag": "flag SCENARIO-ID REASON…",
    "forget-me": "forget-me [confirm]",
    "setup": "setup [time HH:MM] [tz Area/City] [days mon-fri|mon,wed,fri] [window 4h|90m|until HH:MM] "
    "[mode reactions|buttons] [receipts on|off] [course-announce on|off]",
    "pause": "pause",
    "resume": "resume",
    "post-now": "post-now",
    "export": "export [week|month|all]",
    "onboarding": "onboarding",
    "flags": "flags [clear SCENARIO-ID]",
    "audit": "audit",
}
ADMIN_COMMANDS = frozenset({"setup", "pause", "resume", "post-now", "export", "onboarding", "flags", "audit"})


class UsageError(ValueError):
    """Bad input: the message names what was wrong, `usage` shows the right form."""

    def __init__(self, message: str, command: str | None = None) -> None:
        self.command = command
        self.usage = USAGE.get(command or "", "")
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Quiz:
    pass


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: Period | None  # None = the ranking of teams


@dataclass(frozen=True, slots=True)
class Stats:
    target: str | None  # a user id, or None for yourself


@dataclass(frozen=True, slots=True)
class Lookup:
    service: str
    control: str


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
)

_MENTION = re.compile(r"^<@!?([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$")
_PLAIN_MENTION = re.compile(r"^@([A-Za-z0-9_.-]{1,64})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,4})m)?$")
_SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def split_words(text: str) -> list[str]:
    """Shell-like words, tolerant of unbalanced quotes and of the curly quotes chat clients insert."""
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def parse(text: str) -> Command:
    if len(text) > MAX_INPUT:
        raise UsageError(f"that command is {len(text)} characters long; the limit is {MAX_INPUT}")
    words = split_words(text.strip())
    if not words:
        return Help()
    name, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(name)
    if parser is None:
        raise UsageError(f"I don't know the command {_quote(name)}. Try `help` to see them all.")
    return parser(args)


def _quote(value: str, limit: int = 40) -> str:
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return "`" + shown.replace("`", "'") + "`"


def _no_args(name: str, cmd: Command) -> Callable[[list[str]], Command]:
    def parse_it(args: list[str]) -> Command:
        if args:
            raise UsageError(f"`{name}` takes no arguments (got {_quote(' '.join(args))})", name)
        return cmd

    return parse_it


def _help(args: list[str]) -> Command:
    return Help(args[0].lower() if args else None)


def _leaderboard(args: list[str]) -> Command:
    if not args:
        return Leaderboard(Period.WEEK)
    if len(args) > 1:
        raise UsageError("`leaderboard` takes one period", "leaderboard")
    choice = args[0].lower()
    if choice == "teams":
        return Leaderboard(None)
    try:
        return Leaderboard(Period(choice))
    except ValueError:
        raise UsageError(
            f"unknown period {_quote(args[0])}: use week, month, all or teams", "leaderboard"
        ) from None


def parse_mention(token: str) -> str | None:
    match = _MENTION.match(token) or _PLAIN_MENTION.match(token)
    return match.group(1) if match else None


def _stats(args: list[str]) -> Command:
    if not args:
        return Stats(None)
    if len(args) > 1:
        raise UsageError("`stats` takes at most one person", "stats")
    target = parse_mention(args[0])
    if target is None:
        raise UsageError(f"{_quote(args[0])} is not a mention; write @name", "stats")
    return Stats(target)


def _lookup(args: list[str]) -> Command:
    if not args:
        raise UsageError("`lookup` needs a service, e.g. `lookup ec2 patching`", "lookup")
    return Lookup(args[0], " ".join(args[1:]))


def _flag(args: list[str]) -> Command:
    if not args:
        raise UsageError("`flag` needs the scenario id shown under the question", "flag")
    sid = args[0].lower()
    if not _SCENARIO_ID.match(sid):
        raise UsageError(f"{_quote(args[0])} is not a scenario id", "flag")
    reason = " ".join(args[1:]).strip()
    if len(reason) < 3:
        raise UsageError("please say briefly what is wrong or unclear", "flag")
    return Flag(sid, reason[:300])


def _forget(args: list[str]) -> Command:
    if not args:
        return ForgetMe(False)
    if [a.lower() for a in args] == ["confirm"]:
        return ForgetMe(True)
    raise UsageError(f"unexpected {_quote(' '.join(args))}", "forget-me")


def parse_time(value: str, what: str) -> time:
    match = _TIME.match(value)
    if not match:
        raise UsageError(f"{what} {_quote(value)} is not a time; use HH:MM, 24-hour (e.g. 09:30)", "setup")
    return time(int(match.group(1)), int(match.group(2)))


def parse_days(value: str) -> frozenset[int]:
    text = value.lower()
    if text in ("daily", "every-day", "everyday", "all"):
        return frozenset(range(7))
    if text in ("weekdays", "workdays"):
        return frozenset(range(5))
    days: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            start, _, end = part.partition("-")
            if start not in WEEKDAYS or end not in WEEKDAYS:
                raise UsageError(f"unknown day in {_quote(value)}; use mon…sun", "setup")
            a, b = WEEKDAYS.index(start), WEEKDAYS.index(end)
            if a > b:
                raise UsageError(f"day range {_quote(part)} runs backwards", "setup")
            days.update(range(a, b + 1))
        elif part in WEEKDAYS:
            days.add(WEEKDAYS.index(part))
        else:
            raise UsageError(f"unknown day {_quote(part)}; use mon, tue, wed, thu, fri, sat, sun", "setup")
    return frozenset(days)


def parse_window(value: str) -> int:
    match = _DURATION.match(value.lower())
    if not value or not match or not (match.group(1) or match.group(2)):
        raise UsageError(
            f"window {_quote(value)} is not a duration; use e.g. 4h, 90m or until 13:00", "setup"
        )
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 15 <= minutes <= 23 * 60:
        raise UsageError("the answer window must be between 15m and 23h", "setup")
    return minutes


def _setup(args: list[str]) -> Command:
    fields: dict[str, object] = {}
    i = 0
    while i < len(args):
        key = args[i].lower()
        value = args[i + 1] if i + 1 < len(args) else None
        if key not in ("time", "tz", "days", "window", "mode", "receipts", "course-announce"):
            raise UsageError(f"unknown setup option {_quote(args[i])}", "setup")
        if value is None:
            raise UsageError(f"`{key}` needs a value", "setup")
        if key in fields or (key == "window" and "close_time" in fields):
            raise UsageError(f"`{key}` is given twice", "setup")
        i += 2
        if key == "time":
            fields["post_time"] = parse_time(value, "time")
        elif key == "tz":
            try:
                zone(value)
            except ValueError as exc:
                raise UsageError(str(exc), "setup") from None
            fields["timezone"] = value
        elif key == "days":
            fields["days"] = parse_days(value)
        elif key == "window":
            if value.lower() == "until":
                if i >= len(args):
                    raise UsageError("`window until` needs a time, e.g. window until 13:00", "setup")
                fields["close_time"] = parse_time(args[i], "window until")
                i += 1
            else:
                fields["window_minutes"] = parse_window(value)
        elif key == "mode":
            try:
                fields["mode"] = AnswerMode(value.lower())
            except ValueError:
                raise UsageError(f"mode {_quote(value)}: use reactions or buttons", "setup") from None
        else:
            if value.lower() not in ("on", "off"):
                raise UsageError(f"{key} {_quote(value)}: use on or off", "setup")
            fields["receipts" if key == "receipts" else "announce_course"] = value.lower() == "on"
    return Setup(**fields)  # type: ignore[arg-type]


def _export(args: list[str]) -> Command:
    if not args:
        return Export(Period.WEEK)
    try:
        if len(args) > 1:
            raise ValueError
        return Export(Period(args[0].lower()))
    except ValueError:
        raise UsageError(
            f"unknown period {_quote(' '.join(args))}: use week, month or all", "export"
        ) from None


def _flags(args: list[str]) -> Command:
    if not args:
        return Flags()
    if len(args) == 2 and args[0].lower() == "clear" and _SCENARIO_ID.match(args[1].lower()):
        return Flags(args[1].lower())
    raise UsageError(f"unexpected {_quote(' '.join(args))}", "flags")


_PARSERS: dict[str, Callable[[list[str]], Command]] = {
    "help": _help,
    "quiz": _no_args("quiz", Quiz()),
    "practice": _no_args("quiz", Quiz()),
    "leaderboard": _leaderboard,
    "top": _leaderboard,
    "stats": _stats,
    "lookup": _lookup,
    "learn": _no_args("learn", Learn()),
    "course": _no_args("learn", Learn()),
    "flag": _flag,
    "forget-me": _forget,
    "setup": _setup,
    "pause": _no_args("pause", Pause()),
    "resume": _no_args("resume", Resume()),
    "post-now": _no_args("post-now", PostNow()),
    "export": _export,
    "onboarding": _no_args("onboarding", Onboarding()),
    "flags": _flags,
    "audit": _no_args("audit", Audit()),
}


def command_name(cmd: Command) -> str:
    names = {
        Help: "help", Quiz: "quiz", Leaderboard: "leaderboard", Stats: "stats", Lookup: "lookup",
        Learn: "learn", Flag: "flag", ForgetMe: "forget-me", Setup: "setup", Pause: "pause",
        Resume: "resume", PostNow: "post-now", Export: "export", Onboarding: "onboarding", Flags: "flags",
        Audit: "audit",
    }  # fmt: skip
    return names[type(cmd)]
