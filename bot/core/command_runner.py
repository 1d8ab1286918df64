"""Carries out parsed `/responsibility` commands. Everything returned is a private reply to the caller.

Parsing, usage lines, admin gating and `help` all come from the command table (bot/core/commands.py); the
handlers live with the part of the domain they act on (boards, team admin, admin reports, onboarding…).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from bot.core import commands as c
from bot.core.admin_reports import AdminReports
from bot.core.boards import Boards
from bot.core.command_spec import CommandSpec
from bot.core.events import CommandIssued, UserRef
from bot.core.lookup_reply import lookup_reply
from bot.core.messages import LEVEL_NAMES, Button, Card, TextReply
from bot.core.model import Team
from bot.core.onboarding import Onboarding
from bot.core.ports import Repository
from bot.core.ports.dashboard import DashboardLinks
from bot.core.practice import Practice
from bot.core.suggestions import Suggestions, parse_draft
from bot.core.team_admin import TeamAdmin
from content.loader import ContentBundle
from content.lookup import index_for

log = logging.getLogger(__name__)

#: `practice hard` → the scenarios of that level.
LEVEL_OF = {name: level for level, name in LEVEL_NAMES.items()}

ABOUT = (
    "*Who's Responsible?* teaches the AWS Shared Responsibility Model: AWS secures *the cloud*, you secure "
    "what you put *in* it — and the line moves with the service (EC2 vs RDS vs Lambda).\n"
    "Every working day a scenario is posted here; answer with ☁️ AWS, 🧑‍💻 Customer or 🤝 Shared. "
    "After the window the answer is revealed with an explanation and an AWS docs link, and the boards update."
)


def help_lines(prefix: str, is_admin: bool) -> list[str]:
    """`help`'s text, straight from the table: everyone's commands, then (for admins) the admin ones."""

    def line(spec: CommandSpec) -> str:
        return f"`{prefix} {spec.usage()}` — {spec.summary}"

    lines = [ABOUT, "", "*Commands*"] + [line(s) for s in c.TABLE if not s.admin and s.name != "help"]
    if is_admin:
        lines += ["", "*Admin*"] + [line(s) for s in c.TABLE if s.admin]
    return lines


@lru_cache(maxsize=16)
def help_reply(prefix: str, is_admin: bool) -> TextReply:
    """`help` never changes while the process runs: built once per prefix and admin flag (TextReply is frozen)."""
    return TextReply("\n".join(help_lines(prefix, is_admin)), title="Who's Responsible?")


class CommandRunner:
    def __init__(
        self,
        repo: Repository,
        content: ContentBundle,
        boards: Boards,
        team_admin: TeamAdmin,
        reports: AdminReports,
        onboarding: Onboarding,
        practice: Practice,
        prefix: str = "/responsibility",
        suggestions: Suggestions | None = None,
    ) -> None:
        self.repo = repo
        self.content = content
        self.boards = boards
        self.team_admin = team_admin
        self.reports = reports
        self.onboarding = onboarding
        self.practice = practice
        self.prefix = prefix
        #: Set by the composition root when the dashboard runs (bot/dashboard); None in the console.
        self.dashboard: DashboardLinks | None = None
        self.suggestions = suggestions or Suggestions(repo, {}, prefix)

    async def run(self, event: CommandIssued, now: datetime) -> list[Card]:
        try:
            spec, cmd = c.parse_with_spec(event.text)
        except c.UsageError as exc:
            usage = f"\nUsage: `{self.prefix} {exc.usage}`" if exc.usage else ""
            return [TextReply(f"⚠️ {exc}{usage}")]
        if spec.admin and not event.is_admin:
            return [
                TextReply(
                    f"Sorry — `{spec.name}` is for admins. Ask an admin to run it, "
                    f"or see `{self.prefix} help` for what you can do."
                )
            ]
        return [await self.dispatch(event, cmd, now)]

    async def dispatch(self, event: CommandIssued, cmd: c.Command, now: datetime) -> Card:
        """Each command to its handler; mypy checks the match covers every Command."""
        user = event.user
        match cmd:
            case c.Help():
                return self.help(event.is_admin)
            case c.Quiz(topic=topic, level=level):
                levels = frozenset({LEVEL_OF[level]}) if level else None
                return await self.practice.next_card(user, now, topic=topic, levels=levels)
            case c.Leaderboard(period=period):
                if period is None:
                    return await self.boards.team_ranking(user.tenant, now)
                team = await self._team_for(event)
                if team is None:
                    return TextReply("Run this in a team channel (an admin sets one up with `setup`).")
                return await self.boards.board(team, period, user.user_id, now, 10)
            case c.Stats(target=target):
                return await self.boards.stats(user, target)
            case c.Lookup(question=question):
                return self.lookup(question)
            case c.Learn():
                return TextReply(await self.onboarding.start(user, now))
            case c.Flag(scenario_id=sid, reason=reason):
                return await self.flag(user, sid, reason, now)
            case c.ForgetMe(confirmed=confirmed):
                return await self.forget(user, confirmed)
            case c.Setup():
                reply = await self.team_admin.setup(event, cmd, now)
                self.boards.forget_teams()  # boards show the team's (new) name and zone
                return reply
            case c.Pause() | c.Resume() | c.PostNow():
                return await self.team_admin.control(event, cmd, now)
            case c.Export(period=period):
                return await self.reports.export(event, period, now)
            case c.Onboarding():
                return await self.reports.course_roster(user.tenant)
            case c.Flags(clear=clear):
                return await self.reports.flags(user, clear, now)
            case c.Audit():
                return await self.reports.audit(user.tenant)
            case c.Suggest():
                return await self.suggest(user, cmd, now)
            case c.Review():
                return await self.review(user, cmd, now)
            case c.Dashboard():
                return await self.dashboard_link(user, now)

    async def suggest(self, user: UserRef, cmd: c.Suggest, now: datetime) -> Card:
        if cmd.answer is None or not cmd.link or "|" not in cmd.text:
            return TextReply(
                "Suggest a question for this workspace: "
                f"`{self.prefix} suggest aws|customer|shared AWS-DOCS-LINK QUESTION | EXPLANATION` "
                "(the question at least 20 characters, the explanation at least 40, the link on an AWS "
                "documentation site). An admin reviews it before it joins the rotation."
            )
        reply, _ = await self.suggestions.submit(user, parse_draft(cmd.answer, cmd.link, cmd.text), now)
        return reply

    async def review(self, user: UserRef, cmd: c.Review, now: datetime) -> Card:
        number = cmd.number or 0
        if cmd.action != "list" and cmd.number is None:
            return TextReply(
                f"`review {cmd.action}` needs the question's number, e.g. `review {cmd.action} 12`."
            )
        if cmd.action == "approve":
            return await self.suggestions.approve(user, number, now)
        if cmd.action == "reject":
            return await self.suggestions.reject(user, number, cmd.text, now)
        if cmd.action == "edit":
            answer, link, text = (cmd.text.split(maxsplit=2) + ["", "", ""])[:3]
            if answer.lower() not in ("aws", "customer", "shared") or "|" not in text:
                return TextReply(
                    f"Edit with `{self.prefix} review edit {number} aws|customer|shared LINK QUESTION | "
                    "EXPLANATION`."
                )
            return await self.suggestions.edit(user, number, parse_draft(answer.lower(), link, text), now)
        return await self.suggestions.review_list(user.tenant)

    async def dashboard_link(self, user: UserRef, now: datetime) -> Card:
        if self.dashboard is None:
            return TextReply("The dashboard is not switched on for this bot (it runs with `respbot run`).")
        url = await self.dashboard.issue_login_link(user, now)
        await self.repo.add_audit(user, "dashboard", "login link issued", now)
        return TextReply(
            f"🔗 Your dashboard link — it opens this workspace only, works once and expires in 15 minutes:\n{url}"
        )

    def help(self, is_admin: bool) -> TextReply:
        return help_reply(self.prefix, is_admin)

    async def _team_for(self, event: CommandIssued) -> Team | None:
        team = await self.boards.team_in(event.channel)
        if team is not None:
            return team
        teams = await self.repo.teams_of(event.user.tenant)
        return teams[0] if len(teams) == 1 else None

    def lookup(self, question: str) -> Card:
        return lookup_reply(index_for(self.content), question)

    async def flag(self, user: UserRef, scenario_id: str, reason: str, now: datetime) -> Card:
        if scenario_id not in self.content.scenarios:
            return TextReply(f"There is no scenario `{scenario_id}`. The id is shown under each question.")
        added = await self.repo.add_flag(user, scenario_id, reason, now)
        if not added:
            return TextReply("You have already flagged this scenario — thanks, an admin will look at it.")
        return TextReply(f"Thanks — `{scenario_id}` is flagged for review by an admin.")

    async def forget(self, user: UserRef, confirmed: bool) -> Card:
        if not confirmed:
            return TextReply(
                "This deletes your answers, points, streaks, course progress and practice history in this "
                f"workspace. It cannot be undone. Run `{self.prefix} forget-me confirm` or press the button.",
                buttons=(Button("Yes, forget me", "forget-confirm", "", "danger"),),
            )
        removed = await self.repo.forget_person(user)
        self.boards.forget_tenant(user.tenant)  # cached boards and totals may hold the person
        log.info("forgot a person (%d rows)", removed, extra={"tenant": user.workspace_id})
        return TextReply("Done — everything the bot stored about you in this workspace has been deleted.")
