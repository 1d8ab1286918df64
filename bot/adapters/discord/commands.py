"""The `/responsibility` app-command group: typed options, choices and autocomplete for Discord's UI.

Every subcommand hands the interaction to one runner; translate.command_text maps the options back to
the core's text grammar (`leaderboard period:week` → "leaderboard week"), so there is one parser.
Option names here are the ones command_text reads.
"""

import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

Runner = Callable[[discord.Interaction[Any]], Awaitable[None]]

PERIODS = [Choice(name="This week", value="week"), Choice(name="This month", value="month"),
           Choice(name="All time", value="all")]  # fmt: skip
BOARDS = [*PERIODS, Choice(name="Teams (points per member)", value="teams")]
MODES = [Choice(name="Reactions (default)", value="reactions"), Choice(name="Buttons", value="buttons")]
ON_OFF = [Choice(name="On", value="on"), Choice(name="Off", value="off")]
MAX_CHOICES = 25


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def matching(options: Sequence[tuple[str, str]], current: str) -> list[Choice[str]]:
    """Autocomplete: (value, label) pairs whose value or label contains what was typed, at most 25."""
    needle = current.strip().lower()
    hits = [(v, label) for v, label in options if needle in v.lower() or needle in label.lower()]
    return [Choice(name=label[:100], value=v[:100]) for v, label in hits[:MAX_CHOICES]]


class ResponsibilityGroup(app_commands.Group, name="responsibility", description="Who's Responsible? — the AWS Shared Responsibility Model, daily", guild_only=True):  # fmt: skip
    """Discord shows these options as typed fields; the runner does the rest."""

    def __init__(self, runner: Runner, services: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.runner = runner
        self.services = list(services)

    # Everyone ------------------------------------------------------------------------------------------
    @app_commands.command(name="help", description="What the bot does and every command")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="quiz", description="A private practice question now")
    async def quiz(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="leaderboard", description="This team's board, or the ranking of teams")
    @app_commands.describe(period="Which board (default: this week)")
    @app_commands.choices(period=BOARDS)
    async def leaderboard(
        self, interaction: discord.Interaction[Any], period: Choice[str] | None = None
    ) -> None:
        await self.runner(interaction)

    @app_commands.command(name="stats", description="Points, accuracy, streaks and weakest topics")
    @app_commands.describe(person="Someone else's stats (default: yours)")
    async def stats(self, interaction: discord.Interaction[Any], person: discord.User | None = None) -> None:
        await self.runner(interaction)

    @app_commands.command(name="lookup", description="Who is responsible for a control on a service?")
    @app_commands.describe(service="The AWS service", control="What you want to know, e.g. OS patching")
    async def lookup(
        self, interaction: discord.Interaction[Any], service: str, control: str | None = None
    ) -> None:
        await self.runner(interaction)

    @lookup.autocomplete("service")
    async def _lookup_services(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        return matching(self.services, current)

    @app_commands.command(name="learn", description="Start or resume the short onboarding course (by DM)")
    async def learn(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="flag", description="Report a question as wrong or unclear")
    @app_commands.describe(scenario="The scenario id shown under the question", reason="What is wrong")
    async def flag(self, interaction: discord.Interaction[Any], scenario: str, reason: str) -> None:
        await self.runner(interaction)

    @app_commands.command(name="forget-me", description="Delete everything the bot stores about you")
    @app_commands.describe(confirm="True to delete now")
    async def forget_me(self, interaction: discord.Interaction[Any], confirm: bool = False) -> None:
        await self.runner(interaction)

    # Admins (Manage Server, or the DISCORD_ADMIN_ROLE role) ---------------------------------------------
    @app_commands.command(
        name="setup", description="Admins: make this channel a team, or change its settings"
    )
    @app_commands.describe(
        time="Post time, HH:MM 24-hour (default 09:30)",
        tz="IANA time zone, e.g. Europe/Berlin",
        days="e.g. mon-fri or mon,wed,fri",
        window="Answer window: 4h, 90m or until 13:00",
        mode="How people answer",
        receipts="Private receipts for answers",
        course_announce="A line in this channel when someone completes the onboarding course",
    )
    @app_commands.rename(course_announce="course-announce")
    @app_commands.choices(mode=MODES, receipts=ON_OFF, course_announce=ON_OFF)
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        time: str | None = None,
        tz: str | None = None,
        days: str | None = None,
        window: str | None = None,
        mode: Choice[str] | None = None,
        receipts: Choice[str] | None = None,
        course_announce: Choice[str] | None = None,
    ) -> None:
        await self.runner(interaction)

    @setup.autocomplete("tz")
    async def _timezones(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return matching([(z, z) for z in _zones()], current)

    @app_commands.command(name="pause", description="Admins: stop the daily post")
    async def pause(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="resume", description="Admins: restart the daily post")
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="post-now", description="Admins: post today's scenario right away")
    async def post_now(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="export", description="Admins: participation CSV, sent privately")
    @app_commands.describe(period="Which period (default: this week)")
    @app_commands.choices(period=PERIODS)
    async def export(self, interaction: discord.Interaction[Any], period: Choice[str] | None = None) -> None:
        await self.runner(interaction)

    @app_commands.command(name="onboarding", description="Admins: who has completed the course")
    async def onboarding(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)

    @app_commands.command(name="flags", description="Admins: open flags; clear one to put it back")
    @app_commands.describe(clear="A scenario id whose flags to clear")
    async def flags(self, interaction: discord.Interaction[Any], clear: str | None = None) -> None:
        await self.runner(interaction)

    @app_commands.command(name="audit", description="Admins: the log of admin actions")
    async def audit(self, interaction: discord.Interaction[Any]) -> None:
        await self.runner(interaction)
