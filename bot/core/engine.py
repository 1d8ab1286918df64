"""The engine: events in, messages out. Adapters call `handle`; the scheduler calls `tick`."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot.core.admin_reports import AdminReports
from bot.core.answers import AnswerService
from bot.core.boards import Boards
from bot.core.clock import Clock
from bot.core.command_runner import CommandRunner
from bot.core.commands import metrics_label
from bot.core.events import (
    AnswerGiven,
    AnswerWithdrawn,
    ButtonPressed,
    CommandIssued,
    Event,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
)
from bot.core.lookup_reply import lookup_entry_reply
from bot.core.messages import Card, TextReply, party_value
from bot.core.onboarding import Onboarding
from bot.core.ports import CrashHook, PlatformAdapter, Repository, no_crash
from bot.core.ports.dashboard import DashboardLinks
from bot.core.posting import PostingService
from bot.core.practice import Practice
from bot.core.recap import RecapService
from bot.core.reminders import ReminderService
from bot.core.reveal import RevealService
from bot.core.rounds import RoundDeps, TickReport
from bot.core.suggestions import SUGGEST_FORM, Suggestions
from bot.core.team_admin import TeamAdmin
from bot.core.telemetry import NullTelemetry, Telemetry
from content.loader import ContentBundle
from content.lookup import index_for

log = logging.getLogger(__name__)
T = TypeVar("T")

SORRY = TextReply(
    "Sorry — something went wrong on our side and it has been logged. Please try again in a moment."
)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    seed: int = 0
    default_timezone: str = "UTC"
    flag_threshold: int = 3
    onboarding: str = "workspace"  # workspace | channel | both | off
    announce_course: bool = False
    command_prefix: str = "/responsibility"


class Engine:
    def __init__(
        self,
        repo: Repository,
        content: ContentBundle,
        clock: Clock,
        adapters: Mapping[str, PlatformAdapter],
        config: EngineConfig | None = None,
        telemetry: Telemetry | None = None,
        crash: CrashHook = no_crash,
    ) -> None:
        self.config = config or EngineConfig()
        self.telemetry: Telemetry = telemetry or NullTelemetry()
        self.repo = repo
        self.content = content
        self.clock = clock
        self.adapters = dict(adapters)
        cfg = self.config
        deps = RoundDeps(repo, content, clock, self.adapters, self.telemetry, crash)
        self.posting = PostingService(deps, cfg.seed, cfg.flag_threshold)
        self.answers = AnswerService(deps)
        self.recaps = RecapService(deps)
        self.reveal = RevealService(deps, self.recaps.schedule_after_reveal)
        self.reminders = ReminderService(deps)
        self.onboarding = Onboarding(repo, content, self.adapters, cfg.default_timezone, cfg.onboarding)
        self.practice = Practice(repo, content, cfg.seed)
        self.boards = Boards(repo, self.onboarding, clock)
        self.reveal.on_scored = self.boards.forget_team
        self.practice.on_saved = self.onboarding.on_saved = self.boards.forget_person
        self.commands = CommandRunner(
            repo,
            content,
            self.boards,
            TeamAdmin(
                repo,
                self.posting,
                self.answers,
                cfg.default_timezone,
                cfg.announce_course,
                cfg.command_prefix,
            ),
            AdminReports(
                repo, content, self.onboarding, cfg.default_timezone, cfg.flag_threshold, cfg.command_prefix
            ),
            self.onboarding,
            self.practice,
            cfg.command_prefix,
            Suggestions(repo, self.adapters, cfg.command_prefix),
        )

    def attach_dashboard(self, links: DashboardLinks) -> None:
        """`/responsibility dashboard` hands out links from here on (the dashboard is built after the engine)."""
        self.commands.dashboard = links

    def add_adapter(self, adapter: PlatformAdapter) -> None:
        """Adapters share the engine's mapping, so every service sees a new one at once."""
        self.adapters[adapter.platform] = adapter

    async def handle(self, event: Event) -> Sequence[Card]:
        """The sink every adapter delivers to. Never raises: a failure is logged with context and the
        person gets a short apology instead of a traceback."""
        try:
            return await self._dispatch(event)
        except Exception:
            user = getattr(event, "user", None)
            log.exception(
                "handling %s failed",
                type(event).__name__,
                extra={"tenant": getattr(user, "workspace_id", None), "event": type(event).__name__},
            )
            return [SORRY] if isinstance(event, CommandIssued | ButtonPressed | FormSubmitted) else []

    async def _dispatch(self, event: Event) -> Sequence[Card]:
        now = self.clock.now()
        match event:
            case AnswerGiven():
                return await self.answers.on_answer(event)
            case AnswerWithdrawn():
                log.debug("reaction removed; the first answer stays locked")
                return []
            case CommandIssued():
                began = time.perf_counter()  # a duration for /metrics, not domain time
                try:
                    return await self.commands.run(event, now)
                finally:
                    self.telemetry.command_handled(metrics_label(event.text), time.perf_counter() - began)
            case MemberJoined():
                is_team = event.channel is not None and await self.repo.get_team(event.channel) is not None
                await self.onboarding.on_member_joined(event, is_team)
                return []
            case ButtonPressed():
                return await self._button(event)
            case FormSubmitted():
                if event.form != SUGGEST_FORM:
                    return []
                return [await self.commands.suggestions.submit_form(event.user, dict(event.fields), now)]
            case HomeOpened():
                adapter = self.adapters.get(event.user.platform)
                if adapter is not None:
                    await adapter.publish_home(event.user, await self.boards.home(event.user, now))
                return []
        return []

    async def _button(self, event: ButtonPressed) -> Sequence[Card]:
        now = self.clock.now()
        if event.action == "answer" and event.post is not None:
            rid, _, value = event.value.partition(":")
            choice = party_value(value)
            if choice is None:
                return []
            return await self.answers.on_answer(
                AnswerGiven(event.post, event.user, choice, event.at),
                via_button=True,
                round_id=int(rid) if rid.isdigit() else None,
            )
        if event.action == "quiz":
            return await self.practice.answer(event.user, event.value, now)
        if event.action == "quiz-next":
            return [await self.practice.next_card(event.user, now)]
        if event.action == "lesson":
            return await self.onboarding.answer(event.user, event.value, now)
        if event.action == "lesson-next":
            return await self.onboarding.next_lesson(event.user, now)
        if event.action == "flag":
            return [await self.commands.flag(event.user, event.value, "flagged with the button", now)]
        if event.action == "forget-confirm":
            return [await self.commands.forget(event.user, confirmed=True)]
        if event.action == "lookup":
            return [lookup_entry_reply(index_for(self.content), event.value)]
        if event.action.startswith("review-") and event.value.isdigit():
            if not event.is_admin:
                return [TextReply("Sorry — reviewing questions is for admins.")]
            return [await self._review_button(event, int(event.value), now)]
        return []

    async def _review_button(self, event: ButtonPressed, number: int, now: datetime) -> Card:
        """The review list's buttons (shown privately to an admin; the presser's role is checked again)."""
        suggestions = self.commands.suggestions
        prefix = self.config.command_prefix
        if event.action == "review-approve":
            return await suggestions.approve(event.user, number, now)
        if event.action == "review-reject":
            return TextReply(
                f"Reject with the reason the author will see: `{prefix} review reject {number} REASON`"
            )
        return TextReply(
            f"Edit with `{prefix} review edit {number} aws|customer|shared LINK QUESTION | EXPLANATION`, then approve."
        )

    async def tick(self) -> TickReport:
        """One pass of the scheduler over all due work. Safe to run from several instances at once."""
        now = self.clock.now()
        posted, skipped = await _isolated("post", self.posting.post_due(now), (0, 0))
        recovered = await _isolated("recover", self.posting.recover_claims(now), 0)
        revealed = await _isolated("reveal", self.reveal.reveal_due(now), 0)
        lessons = await _isolated("lessons", self.onboarding.send_due(now), 0)
        reminded = await _isolated("remind", self.reminders.remind_due(now), 0)
        team_posts = await _isolated("team-posts", self.recaps.post_due(now), 0)
        return TickReport(posted, skipped, recovered, revealed, lessons, reminded, team_posts)


async def _isolated(phase: str, work: Awaitable[T], default: T) -> T:
    """One failing phase of a tick must not stop the others (a bad team must not block every reveal)."""
    try:
        return await work
    except Exception:
        log.exception("scheduler phase %s failed; the other phases still run", phase)
        return default
