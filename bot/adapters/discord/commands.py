"""The `/responsibility` app-command group, built at start-up from the core's command table.

Each subcommand's typed options (choices, a user picker, time-zone autocomplete) come from its CommandSpec;
every subcommand hands the interaction to one runner, and translate.command_text maps the options back to
the core's text grammar, so there is one parser and one table (tests/adapters/discord/test_command_group.py
checks the group against the table).
"""

from __future__ import annotations

import inspect
import zoneinfo
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from functools import lru_cache
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.core.command_spec import CommandSpec, Kind, Option
from bot.core.commands import TABLE

Runner = Callable[[discord.Interaction[Any]], Awaitable[None]]
Suggest = Callable[[str], list[Choice[str]]]
Callback = Callable[..., Coroutine[Any, Any, None]]

GROUP = "responsibility"
DESCRIPTION = "Who's Responsible? — the AWS Shared Responsibility Model, daily"
MAX_CHOICES = 25
MAX_DESCRIPTION = 100


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def matching(options: Sequence[tuple[str, str]], current: str) -> list[Choice[str]]:
    """Autocomplete: (value, label) pairs whose value or label contains what was typed, at most 25."""
    needle = current.strip().lower()
    hits = [(v, label) for v, label in options if needle in v.lower() or needle in label.lower()]
    return [Choice(name=label[:100], value=v[:100]) for v, label in hits[:MAX_CHOICES]]


def param_name(option: Option) -> str:
    """A Python identifier for an option (`course-announce` → `course_announce`); Discord shows the option's
    own name through `rename`."""
    return option.name.replace("-", "_")


def _annotation(option: Option) -> Any:
    if option.kind is Kind.MENTION:
        base: Any = discord.User
    elif option.kind is Kind.FLAG:
        base = bool
    else:
        base = str
    if option.allowed:
        base = Choice[str]
    return base if option.required else base | None


def _describe(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _callback(spec: CommandSpec, runner: Runner) -> Callback:
    """A callback whose signature discord.py reads as the subcommand's options."""

    async def invoke(interaction: discord.Interaction[Any], **_options: Any) -> None:
        await runner(interaction)

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    ordered = sorted(spec.options, key=lambda o: not o.required)  # Discord wants required options first
    for option in ordered:
        default = (
            inspect.Parameter.empty if option.required else (False if option.kind is Kind.FLAG else None)
        )
        params.append(
            inspect.Parameter(
                param_name(option),
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=_annotation(option),
            )
        )
    invoke.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    invoke.__name__ = spec.name.replace("-", "_")
    decorated: Callback = invoke
    if spec.options:
        decorated = app_commands.describe(**{param_name(o): _describe(o.help) for o in spec.options})(
            decorated
        )
        renames = {param_name(o): o.name for o in spec.options if param_name(o) != o.name}
        if renames:
            decorated = app_commands.rename(**renames)(decorated)
        choices = {
            param_name(o): [Choice(name=c.label, value=c.value) for c in o.offered]
            for o in spec.options
            if o.allowed
        }
        if choices:
            decorated = app_commands.choices(**choices)(decorated)
    return decorated


def _autocomplete(
    suggest: Suggest,
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]]:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return suggest(current)

    return complete


def build_group(runner: Runner) -> app_commands.Group:
    """The whole group, one subcommand per table entry. Admin commands are gated by the core (Manage
    Server or DISCORD_ADMIN_ROLE), so a refusal is a clear private reply rather than a hidden command."""
    group = app_commands.Group(name=GROUP, description=DESCRIPTION, guild_only=True)
    suggestions: dict[Kind, Suggest] = {
        Kind.ZONE: lambda current: matching([(z, z) for z in _zones()], current)
    }
    for spec in TABLE:
        summary = ("Admins: " if spec.admin else "") + spec.summary
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=spec.name,
            description=_describe(summary[:1].upper() + summary[1:]),
            callback=_callback(spec, runner),
        )
        for option in spec.options:
            suggest = suggestions.get(option.kind)
            if suggest is not None and not option.allowed:
                command.autocomplete(param_name(option))(_autocomplete(suggest))
        group.add_command(command)
    return group
