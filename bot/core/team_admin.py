"""Admin commands that change a team: setup, pause, resume and post-now — each audited."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, time

from bot.core import commands as c
from bot.core.answers import AnswerService
from bot.core.events import CommandIssued
from bot.core.messages import Card, Outcome, TextReply
from bot.core.model import Team, TeamSettings
from bot.core.ports import Repository
from bot.core.posting import PostingService
from bot.core.schedule_math import MIN_WINDOW, next_post

log = logging.getLogger(__name__)

MAX_TEAM_NAME = 80


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


class TeamAdmin:
    def __init__(
        self,
        repo: Repository,
        posting: PostingService,
        answers: AnswerService,
        default_timezone: str,
        announce_course: bool,
        prefix: str,
    ) -> None:
        self.repo = repo
        self.posting = posting
        self.answers = answers
        self.default_timezone = default_timezone
        self.announce = announce_course
        self.prefix = prefix

    def _settings(self, team: Team | None, cmd: c.Setup) -> TeamSettings:
        base = team.settings if team else TeamSettings(self.default_timezone, announce_course=self.announce)
        changes: dict[str, object] = {
            k: v
            for k, v in {
                "post_time": cmd.post_time,
                "timezone": cmd.timezone,
                "days": cmd.days,
                "mode": cmd.mode,
                "receipts": cmd.receipts,
                "announce_course": cmd.announce_course,
                "difficulty": cmd.difficulty,
                "ping": cmd.ping,
                "recap": cmd.recap,
                "season": cmd.season,
            }.items()
            if v is not None
        }
        if cmd.reminder_minutes is not None:
            changes["reminder_minutes"] = cmd.reminder_minutes or None
        if cmd.close_time is not None:
            changes.update(close_time=cmd.close_time, window_minutes=None)
        elif cmd.window_minutes is not None:
            changes.update(window_minutes=cmd.window_minutes, close_time=None)
        return replace(base, **changes)  # type: ignore[arg-type]

    async def setup(self, event: CommandIssued, cmd: c.Setup, now: datetime) -> Card:
        team = await self.repo.get_team(event.channel)
        settings = self._settings(team, cmd)
        if settings.close_time is not None and _minutes(settings.close_time) - _minutes(
            settings.post_time
        ) < (MIN_WINDOW.total_seconds() // 60):
            spec = c.spec_for("setup")
            usage = f"\nUsage: `{self.prefix} {spec.usage()}`" if spec else ""
            return TextReply(
                f"⚠️ The close time {settings.close_time:%H:%M} must be at least "
                f"{MIN_WINDOW.total_seconds() // 60:.0f} minutes after the post time {settings.post_time:%H:%M}."
                f"{usage}"
            )
        problem = await self._channel_problem(event)
        if problem is not None:
            return TextReply(
                f"⚠️ I can't post in this channel yet: {problem} Nothing was saved — run `{self.prefix} setup` "
                "again once that's done."
            )
        name = (event.channel_name or (team.name if team else f"#{event.channel.channel_id}"))[:MAX_TEAM_NAME]
        upcoming = None if team and team.paused else next_post(settings, now)
        saved = await self.repo.save_team(event.channel, name, settings, upcoming, now)
        self.answers.forget_routes()  # cached routes carry the old settings
        await self.repo.add_audit(event.user, "setup", f"{saved.name}: {settings.describe()}", now)
        verb = "updated" if team else "is now a team"
        when = (
            f" First post: {upcoming[0]:%a %d %b} at {settings.post_time:%H:%M} {settings.timezone}."
            if upcoming
            else " The team is paused; `resume` to restart."
        )
        return TextReply(f"✅ {saved.name} {verb}: {settings.describe()}.{when}", outcome=Outcome.TEAM_SAVED)

    async def _channel_problem(self, event: CommandIssued) -> str | None:
        """What keeps the bot from posting here, if anything. A check that itself fails (a network blip) does
        not block setup: the first post will say so."""
        adapter = self.posting.deps.adapters.get(event.channel.platform)
        if adapter is None:
            return None
        try:
            return await adapter.check_channel(event.channel)
        except Exception:
            log.warning("could not check the channel before setup", exc_info=True)
            return None

    async def control(self, event: CommandIssued, cmd: c.Pause | c.Resume | c.PostNow, now: datetime) -> Card:
        team = await self.repo.get_team(event.channel)
        if team is None:
            return TextReply(f"This channel is not a team yet. An admin can run `{self.prefix} setup` here.")
        if isinstance(cmd, c.Pause):
            await self.repo.set_paused(team.id, True, None)
            await self.repo.add_audit(event.user, "pause", team.name, now)
            return TextReply(f"⏸️ {team.name} is paused. `resume` restarts the daily post.")
        if isinstance(cmd, c.Resume):
            upcoming = next_post(team.settings, now)
            await self.repo.set_paused(team.id, False, upcoming)
            await self.repo.add_audit(event.user, "resume", team.name, now)
            return TextReply(
                f"▶️ {team.name} is back on. Next post: {upcoming[0]:%a %d %b} at "
                f"{team.settings.post_time:%H:%M} {team.settings.timezone}."
            )
        return await self.post_now(event, team, now)

    async def post_now(self, event: CommandIssued, team: Team, now: datetime) -> Card:
        done = await self.posting.post_now(team, now)
        await self.repo.add_audit(event.user, "post-now", f"{team.name}: {done.status}", now)
        round_id = done.round.id if done.round else "?"
        replies = {
            "posted": f"📣 Posted today's scenario (round {round_id}).",
            "already": "Today's scenario has already been posted in this channel.",
            "skipped": "Today's round was skipped: its answer window had closed before it could be posted.",
            "busy": "Today's scenario is being posted right now; it will appear in a moment.",
            "refused": f"⚠️ I can't post in this channel: {done.fix} Then run `{self.prefix} post-now` again.",
            "failed": "The platform did not accept the post just now; it will be retried in a minute or two.",
        }
        return TextReply(replies[done.status])
