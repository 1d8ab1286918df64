"""The command tree: every `/responsibility` interaction gets an answer, and a stale registration is named.

discord.py answers nothing when it cannot map an interaction onto the group (an unknown subcommand from an
older registration, a choice no longer offered, a missing required option): the person sees "The
application did not respond". `interaction_check` (public API) reads the interaction against the command
table first and replies privately with the usage line; `on_error` answers whatever still fails.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord import translate
from bot.adapters.discord.commands import GROUP
from bot.core.commands import TABLE

log = logging.getLogger(__name__)

SORRY = "⚠️ I couldn't read that command — Discord may be showing an older version of it."


class ResponsibilityTree(app_commands.CommandTree[discord.Client]):
    """A CommandTree whose prefix for usage lines is the group's (`/responsibility …`)."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.type is not discord.InteractionType.application_command:
            return True
        data: Mapping[str, Any] = interaction.data if isinstance(interaction.data, Mapping) else {}
        problem = translate.command_problem(data)
        if problem is None:
            return True
        log.info("answered an interaction the command tree cannot map: %s", problem)
        await reply_privately(interaction, f"⚠️ {problem}")
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.warning("an app command failed: %s", type(error).__name__, exc_info=not _expected(error))
        await reply_privately(interaction, f"{SORRY} Try `/{GROUP} help`.")


def _expected(error: Exception) -> bool:
    """Errors that say the registration and the code disagree — a log line, not a traceback."""
    return isinstance(
        error,
        app_commands.CommandNotFound | app_commands.CommandSignatureMismatch | app_commands.TransformerError,
    )


async def reply_privately(interaction: discord.Interaction[Any], text: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not answer an interaction (it may have expired)")


def signature(options: Sequence[Mapping[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """A comparable shape of the group's subcommands: (name, sorted option names) — from Discord's JSON."""
    return sorted(
        (str(sub.get("name")), tuple(sorted(str(o.get("name")) for o in sub.get("options") or [])))
        for sub in options
    )


def expected_signature() -> list[tuple[str, tuple[str, ...]]]:
    return sorted((spec.name, tuple(sorted(o.name for o in spec.options))) for spec in TABLE)


def drift(registered: Sequence[Mapping[str, Any]]) -> str | None:
    """What differs between a registered copy of the commands (Discord's JSON) and this code, or None."""
    ours = next((c for c in registered if c.get("name") == GROUP), None)
    if ours is None:
        return None
    theirs = dict(signature(ours.get("options") or []))
    mine = dict(expected_signature())
    missing = sorted(set(mine) - set(theirs))
    extra = sorted(set(theirs) - set(mine))
    changed = sorted(n for n in set(mine) & set(theirs) if mine[n] != theirs[n])
    if not (missing or extra or changed):
        return None
    parts = [f"{label} {', '.join(names)}" for label, names in
             (("missing", missing), ("no longer offered", extra), ("changed", changed)) if names]  # fmt: skip
    return "; ".join(parts)
