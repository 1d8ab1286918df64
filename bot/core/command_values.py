"""Words → values for every option kind, and the one reader that walks a command's words by its spec.

Parsing never touches storage, so a rejected input changes nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.core.command_spec import CommandSpec, Kind, Option, UsageError
from bot.core.model import WEEKDAYS
from bot.core.schedule_math import MIN_WINDOW, zone

#: What makes shlex differ from splitting at its whitespace (posix mode, no comment characters).
_QUOTING = re.compile(r"[\"'\\]")
_SHELL_SPACE_CHARS = " \t\r\n"
_SHELL_SPACE = re.compile(f"[{_SHELL_SPACE_CHARS}]+")
_MENTION = re.compile(r"^<@!?([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$")
_PLAIN_MENTION = re.compile(r"^@([A-Za-z0-9_.-]{1,64})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,4})m)?$")
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True, slots=True)
class Window:
    """An answer window: a length in minutes, or a close time."""

    minutes: int | None = None
    until: time | None = None


def split_words(text: str) -> list[str]:
    """Shell-like words, tolerant of unbalanced quotes and of the curly quotes chat clients insert."""
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    if not _QUOTING.search(text):  # most commands: what shlex would return, at a tenth of its cost
        stripped = text.strip(_SHELL_SPACE_CHARS)
        return _SHELL_SPACE.split(stripped) if stripped else []
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def quote(value: str, limit: int = 40) -> str:
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return "`" + shown.replace("`", "'") + "`"


def parse_mention(token: str) -> str | None:
    match = _MENTION.match(token) or _PLAIN_MENTION.match(token)
    return match.group(1) if match else None


def parse_time(value: str, what: str) -> time:
    match = _TIME.match(value)
    if not match:
        raise ValueError(f"{what} {quote(value)} is not a time; use HH:MM, 24-hour (e.g. 09:30)")
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
                raise ValueError(f"unknown day in {quote(value)}; use mon…sun")
            a, b = WEEKDAYS.index(start), WEEKDAYS.index(end)
            if a > b:
                raise ValueError(f"day range {quote(part)} runs backwards")
            days.update(range(a, b + 1))
        elif part in WEEKDAYS:
            days.add(WEEKDAYS.index(part))
        else:
            raise ValueError(f"unknown day {quote(part)}; use mon, tue, wed, thu, fri, sat, sun")
    return frozenset(days)


def parse_window(value: str) -> int:
    match = _DURATION.match(value.lower())
    if not value or not match or not (match.group(1) or match.group(2)):
        raise ValueError(f"window {quote(value)} is not a duration; use e.g. 4h, 90m or until 13:00")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    shortest = int(MIN_WINDOW.total_seconds()) // 60
    if not shortest <= minutes <= 23 * 60:
        raise ValueError(f"the answer window must be between {shortest}m and 23h")
    return minutes


def parse_duration(value: str, what: str, shortest: int, longest: int) -> int:
    """`30m`, `2h`, `1h30m` → minutes within [shortest, longest]."""
    match = _DURATION.match(value.lower())
    if not value or not match or not (match.group(1) or match.group(2)):
        raise ValueError(f"{what} {quote(value)} is not a duration; use e.g. 30m or 2h")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not shortest <= minutes <= longest:
        raise ValueError(f"{what} must be between {shortest}m and {longest // 60}h")
    return minutes


#: A group or role to ping, as the platforms write them: Slack `<!subteam^S123|@team>`, Discord `<@&123>`,
#: or `role:Name` / `@handle` (resolved by the adapter). Never @here, @everyone or <!channel>.
_PING = re.compile(
    r"^(<!subteam\^[A-Z0-9]{2,20}(\|@?[\w.-]{1,80})?>|<@&\d{5,20}>|role:[\w .-]{1,80}|@[\w.-]{1,80})$"
)
_BROADCAST = frozenset({"@here", "@channel", "@everyone"})


def parse_ping(value: str) -> str:
    """The group or role a reminder pings, checked so untrusted text can never become a mass mention."""
    text = value.strip()
    if text.lower() in ("off", "none"):
        return ""
    if text.lower() in _BROADCAST or not _PING.match(text):
        raise ValueError(
            f"ping {quote(text)}: name a group or role (@group, role:Name), or `off`; never @here/@channel"
        )
    return text


def _zone(value: str) -> str:
    zone(value)  # raises ValueError naming the zone
    return value


def _choice(option: Option, value: str) -> str:
    chosen = value.lower()
    if chosen not in option.allowed:
        raise ValueError(f"{option.name} {quote(value)}: use {' or '.join(option.allowed)}")
    return chosen


def _scenario(value: str) -> str:
    if not SCENARIO_ID.match(value.lower()):
        raise ValueError(f"{quote(value)} is not a scenario id")
    return value.lower()


def _mention(value: str) -> str:
    target = parse_mention(value)
    if target is None:
        raise ValueError(f"{quote(value)} is not a mention; write @name")
    return target


_CONVERT: dict[Kind, Callable[[Option, str], Any]] = {
    Kind.WORD: lambda _o, v: v,
    Kind.TEXT: lambda _o, v: v,
    Kind.CHOICE: _choice,
    Kind.ON_OFF: lambda o, v: _choice(o, v) == "on",
    Kind.TIME: lambda o, v: parse_time(v, o.name),
    Kind.ZONE: lambda _o, v: _zone(v),
    Kind.DAYS: lambda _o, v: parse_days(v),
    Kind.MENTION: lambda _o, v: _mention(v),
    Kind.SCENARIO: lambda _o, v: _scenario(v),
    Kind.PING: lambda _o, v: parse_ping(v),
}


class _Reader:
    """Walks the words after the command name, one option at a time."""

    def __init__(self, spec: CommandSpec, words: list[str]) -> None:
        self.spec = spec
        self.words = words
        self.at = 0

    def fail(self, message: str) -> UsageError:
        return UsageError(message, self.spec)

    def take(self, option: Option) -> Any:
        """The next words as `option`'s value."""
        if option.kind is Kind.FLAG:
            return True
        if option.kind is Kind.TEXT:
            text = " ".join(self.words[self.at :]).strip()
            self.at = len(self.words)
            return text
        if self.at >= len(self.words):
            raise self.fail(f"`{option.name}` needs a value")
        word = self.words[self.at]
        self.at += 1
        try:
            if option.kind is Kind.WINDOW:
                return self._window(option, word)
            if option.kind is Kind.SCHEDULE:
                return self._schedule(option, word)
            return _CONVERT[option.kind](option, word)
        except ValueError as exc:
            raise self.fail(str(exc)) from None

    def _schedule(self, option: Option, word: str) -> str:
        """`auto`, `off`, `fri 16:00` (two words) or `"fri 16:00"` (one quoted word, from Discord)."""
        if word.lower() in ("auto", "off"):
            return word.lower()
        parts = word.split()
        if len(parts) == 1 and self.at < len(self.words):
            parts.append(self.words[self.at])
            self.at += 1
        return _schedule_value(option, parts)

    def _window(self, option: Option, word: str) -> Window:
        if word.lower() != "until":
            return Window(minutes=parse_window(word))
        if self.at >= len(self.words):
            raise self.fail("`window until` needs a time, e.g. window until 13:00")
        self.at += 1
        return Window(until=parse_time(self.words[self.at - 1], "window until"))


def _schedule_value(option: Option, words: list[str]) -> str:
    day = words[0].lower()
    if day[:3] not in WEEKDAYS or len(words) != 2:
        raise ValueError(
            f"{option.name} {quote(' '.join(words))}: use auto, off or a day and time like fri 16:00"
        )
    at = parse_time(words[1], option.name)
    return f"{day[:3]} {at:%H:%M}"


def read_args(spec: CommandSpec, words: list[str]) -> dict[str, Any]:
    """The option values named in `words`, checked against the spec: unknown, repeated or missing
    options and bad values raise UsageError naming what was wrong."""
    reader = _Reader(spec, words)
    values: dict[str, Any] = {}
    if spec.keyed:
        while reader.at < len(words):
            key = words[reader.at].lower()
            option = spec.option(key)
            bare = next((o for o in spec.options if o.bare and key in o.allowed), None)
            if option is None and bare is not None:
                if bare.name in values:
                    raise reader.fail(f"`{bare.name}` is given twice")
                values[bare.name] = key
                reader.at += 1
                continue
            if option is None:
                raise reader.fail(f"unknown {spec.name} option {quote(words[reader.at])}")
            if key in values:
                raise reader.fail(f"`{key}` is given twice")
            reader.at += 1
            values[key] = reader.take(option)
    else:
        for option in spec.options:
            if reader.at >= len(words) and option.kind is not Kind.TEXT:
                break
            values[option.name] = reader.take(option)
        if reader.at < len(words):
            extra = " ".join(words[reader.at :])
            if not spec.options:
                raise reader.fail(f"`{spec.name}` takes no arguments (got {quote(extra)})")
            raise reader.fail(f"unexpected {quote(extra)}")
    values = {k: v for k, v in values.items() if v != ""}
    missing = [o.name for o in spec.options if o.required and o.name not in values]
    if missing:
        example = f", e.g. `{spec.example}`" if spec.example else ""
        raise reader.fail(f"`{spec.name}` needs a {missing[0]}{example}")
    return values
