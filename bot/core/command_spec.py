"""What a `/responsibility` command is, as data: its options, their kinds and allowed values.

Every platform reads the same `CommandSpec` table (bot/core/commands.py): the text parser, `help`, admin gating,
metrics labels, the Discord app-command group and docs/commands.md are all derived from it, so adding a
command or an option is one edit to the table plus its handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """How an option's words are read (bot/core/command_values.py turns them into values)."""

    WORD = "word"  # one word (quote it to include spaces)
    TEXT = "text"  # the rest of the line, free text; always the last option
    CHOICE = "choice"  # one of `choices`
    ON_OFF = "on-off"
    TIME = "time"  # HH:MM, 24-hour
    ZONE = "zone"  # an IANA time zone
    DAYS = "days"  # mon-fri | mon,wed,fri | daily | weekdays
    WINDOW = "window"  # 4h | 90m | until HH:MM (two words)
    MENTION = "mention"  # a person: <@U123>, <@!123> or @name
    SCENARIO = "scenario"  # a scenario id
    FLAG = "flag"  # present or not; written as the option's own name (`forget-me confirm`)
    SCHEDULE = "schedule"  # auto | off | DAY HH:MM (two words, or one quoted)
    PING = "ping"  # a group or role to mention: <!subteam^ID>, <@&ID>, role:Name, @handle, or off


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


ON_OFF = (Choice("on", "On"), Choice("off", "Off"))


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    kind: Kind
    help: str
    choices: tuple[Choice, ...] = ()
    required: bool = False
    #: How usage shows the value (defaults by kind: HH:MM, Area/City, …).
    placeholder: str = ""
    #: In a keyed command, an allowed value may be written alone (`practice hard` for `practice level hard`).
    bare: bool = False

    @property
    def offered(self) -> tuple[Choice, ...]:
        """The allowed values with their labels (on/off for ON_OFF options)."""
        return ON_OFF if self.kind is Kind.ON_OFF else self.choices

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.offered)

    def shown(self) -> str:
        """The value as usage shows it: `week|month|all`, `HH:MM`, `@person`…"""
        if self.allowed:
            return "|".join(self.allowed)
        return self.placeholder or _PLACEHOLDERS.get(self.kind, self.name.upper())


_PLACEHOLDERS = {
    Kind.TIME: "HH:MM",
    Kind.ZONE: "Area/City",
    Kind.DAYS: "mon-fri|mon,wed,fri",
    Kind.WINDOW: "4h|90m|until HH:MM",
    Kind.MENTION: "@person",
    Kind.SCENARIO: "SCENARIO-ID",
    Kind.SCHEDULE: "auto|off|fri 16:00",
    Kind.PING: "@group|role:Name|off",
}


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One subcommand. `keyed` options are written `name value` in any order (setup); the others are
    positional, in the order given. `build` turns the parsed values into the typed command."""

    name: str
    summary: str
    build: Callable[[Mapping[str, Any]], Any]
    options: tuple[Option, ...] = ()
    keyed: bool = False
    admin: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""

    def usage(self) -> str:
        """`setup [time HH:MM] [tz Area/City] …` — derived, so it can never drift from the parser."""
        return " ".join([self.name, *(self._shown(o) for o in self.options)])

    def _shown(self, option: Option) -> str:
        if option.kind is Kind.FLAG:
            text = option.name
        elif self.keyed and option.bare:
            text = option.shown()
        elif self.keyed:
            text = f"{option.name} {option.shown()}"
        elif option.kind is Kind.TEXT:
            text = f"{option.placeholder or option.name.upper()}…"
        else:
            text = option.shown()
        return text if option.required else f"[{text}]"

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


class UsageError(ValueError):
    """Bad input: the message names what was wrong, `usage` shows the right form."""

    def __init__(self, message: str, spec: CommandSpec | None = None) -> None:
        self.command = spec.name if spec else None
        self.usage = spec.usage() if spec else ""
        super().__init__(message)


def names_of(table: Sequence[CommandSpec]) -> dict[str, CommandSpec]:
    """Every name and alias → its spec; a duplicate is a programming error caught at import."""
    found: dict[str, CommandSpec] = {}
    for spec in table:
        for name in (spec.name, *spec.aliases):
            if name in found:
                raise ValueError(f"command name {name!r} is declared twice")
            found[name] = spec
    return found
