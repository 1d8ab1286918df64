"""Carries out parsed `/responsibility` commands. Everything returned is a private reply to the caller."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import replace
from datetime import datetime

from bot.core import commands as c
from bot.core.events import CommandIssued, Tenant, UserRef
from bot.core.leaderboard import TITLES, Period, leader_rows, period_key, rank_teams
from bot.core.lookup_reply import lookup_reply
from bot.core.messages import (
    Button,
    Card,
    FileCard,
    HomeCard,
    LeaderboardCard,
    StatsCard,
    TeamRankingCard,
    TextReply,
)
from bot.core.model import CourseProgress, Team, TeamSettings
from bot.core.onboarding import Onboarding
from bot.core.ports import Repository
from bot.core.practice import Practice
from bot.core.rounds import RoundService
from bot.core.schedule_math import local_date, next_post
from content.loader import ContentBundle
from content.lookup import Lookup, index_for

log = logging.getLogger(__name__)

ABOUT = (
    "*Who's Responsible?* teaches the AWS Shared Responsibility Model: AWS secures *the cloud*, you secure "
    "what you put *in* it — and the line moves with the service (EC2 vs RDS vs Lambda).\n"
    "Every working day a scenario is posted here; answer with ☁️ AWS, 🧑‍💻 Customer or 🤝 Shared. "
    "After the window the answer is revealed with an explanation and an AWS docs link, and the boards update."
)
HELP_LINES = (
    ("quiz", "a private practice question now (missed ones come back later)"),
    ("leaderboard [week|month|all|teams]", "this team's board, or the ranking of teams"),
    ("stats [@person]", "points, accuracy, streaks and weakest topics"),
    ("lookup SERVICE [CONTROL…]", "who is responsible, e.g. `lookup rds database engine patching`"),
    ("learn", "start or resume the short onboarding course"),
    ("flag SCENARIO-ID REASON", "report a question as wrong or unclear"),
    ("forget-me", "delete everything the bot stores about you"),
)
ADMIN_LINES = (
    ("setup [time HH:MM] [tz Area/City] [days mon-fri] [window 4h|until HH:MM] [mode reactions|buttons] "
     "[receipts on|off] [course-announce on|off]", "make this channel a team (or change its settings)"),
    ("pause / resume", "stop or restart the daily post"),
    ("post-now", "post today's scenario right away"),
    ("export [week|month|all]", "participation CSV, sent privately"),
    ("onboarding", "who has completed the course"),
    ("flags [clear ID]", "open flags; clear one to put a scenario back"),
    ("audit", "the log of admin actions"),
)  # fmt: skip
MAX_TEAM_NAME = 80


def _course_status(progress: CourseProgress | None) -> str:
    if progress is None:
        return ""
    return "completed" if progress.completed_at else "started"


def _csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas in user-controlled text (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class CommandRunner:
    def __init__(
        self,
        repo: Repository,
        content: ContentBundle,
        rounds: RoundService,
        onboarding: Onboarding,
        practice: Practice,
        default_timezone: str,
        prefix: str = "/responsibility",
        announce_course: bool = False,
    ) -> None:
        self.announce = announce_course
        self.repo = repo
        self.content = content
        self.rounds = rounds
        self.onboarding = onboarding
        self.practice = practice
        self.lookup_index = Lookup(content.matrix)
        self.default_timezone = default_timezone
        self.prefix = prefix

    async def run(self, event: CommandIssued, now: datetime) -> list[Card]:
        try:
            cmd = c.parse(event.text)
        except c.UsageError as exc:
            usage = f"\nUsage: `{self.prefix} {exc.usage}`" if exc.usage else ""
            return [TextReply(f"⚠️ {exc}{usage}")]
        name = c.command_name(cmd)
        if name in c.ADMIN_COMMANDS and not event.is_admin:
            return [
                TextReply(
                    f"Sorry — `{name}` is for workspace admins. Ask an admin to run it, "
                    f"or see `{self.prefix} help` for what you can do."
                )
            ]
        match cmd:
            case c.Help():
                return [self.help(event.is_admin)]
            case c.Quiz():
                return [await self.practice.next_card(event.user, now)]
            case c.Leaderboard(period=period):
                return [await self.leaderboard(event, period, now)]
            case c.Stats(target=target):
                return [await self.stats(event, target)]
            case c.Lookup(service=service, control=control):
                return [self.lookup(service, control)]
            case c.Learn():
                return [TextReply(await self.onboarding.start(event.user, now))]
            case c.Flag(scenario_id=sid, reason=reason):
                return [await self.flag(event.user, sid, reason, now)]
            case c.ForgetMe(confirmed=confirmed):
                return [await self.forget(event.user, confirmed)]
            case c.Setup():
                return [await self.setup(event, cmd, now)]
            case c.Pause() | c.Resume() | c.PostNow():
                return [await self.team_control(event, cmd, now)]
            case c.Export(period=period):
                return [await self.export(event, period, now)]
            case c.Onboarding():
                return [await self.course_roster(event.user.tenant)]
            case c.Flags(clear=clear):
                return [await self.flags(event.user, clear, now)]
            case c.Audit():
                return [await self.audit(event.user.tenant)]
        return [self.help(event.is_admin)]  # pragma: no cover - every command is matched above

    def help(self, is_admin: bool) -> TextReply:
        lines = [ABOUT, "", "*Commands*"]
        lines += [f"`{self.prefix} {usage}` — {what}" for usage, what in HELP_LINES]
        if is_admin:
            lines += ["", "*Admin*"] + [f"`{self.prefix} {usage}` — {what}" for usage, what in ADMIN_LINES]
        return TextReply("\n".join(lines), title="Who's Responsible?")

    async def _team_for(self, event: CommandIssued) -> Team | None:
        team = await self.repo.get_team(event.channel)
        if team is not None:
            return team
        teams = await self.repo.teams_of(event.user.tenant)
        return teams[0] if len(teams) == 1 else None

    async def leaderboard(self, event: CommandIssued, period: Period | None, now: datetime) -> Card:
        if period is None:
            return await self.team_ranking(event.user.tenant, now)
        team = await self._team_for(event)
        if team is None:
            return TextReply("Run this in a team channel (an admin sets one up with `setup`).")
        key = period_key(period, local_date(now, team.settings.timezone))
        rows = leader_rows(await self.repo.top_scores(team.id, key, 10))
        mine = await self.repo.rank_of(team.id, key, event.user.user_id)
        me = leader_rows([mine[1]], mine[0])[0] if mine else None
        return LeaderboardCard(f"{team.name} — {TITLES[period]}", period.value, rows, me)

    async def team_ranking(self, tenant: Tenant, now: datetime) -> Card:
        teams = await self.repo.teams_of(tenant)
        keys = {t.id: period_key(Period.MONTH, local_date(now, t.settings.timezone)) for t in teams}
        rows = [
            p
            for key, p in await self.repo.team_periods(tenant, sorted(set(keys.values())))
            if keys[p.team_id] == key
        ]
        return TeamRankingCard("Teams this month — points per active member", rank_teams(rows))

    async def stats(self, event: CommandIssued, target: str | None) -> Card:
        tenant = event.user.tenant
        user_id = target or event.user.user_id
        name = event.user.name
        if target is not None and target != event.user.user_id:
            found = await self.repo.find_person(tenant, target)
            if found is None:
                return TextReply("I have no activity for that person in this workspace yet.")
            name = found
        return await self.stats_card(
            UserRef(tenant.platform, tenant.workspace_id, user_id, name), own=target is None
        )

    async def stats_card(self, user: UserRef, own: bool) -> StatsCard:
        totals = await self.repo.person_totals(user.tenant, user.user_id)
        weakest = sorted(
            ((topic, correct / answered) for topic, answered, correct in totals.topics if answered),
            key=lambda t: (t[1], t[0]),
        )[:3]
        practice = await self.repo.practice_totals(user) if own else (0, 0)
        course = self.onboarding.progress_line(await self.repo.course_progress(user)) if own else ""
        return StatsCard(
            name=user.name,
            points=totals.points,
            answered=totals.answered,
            correct=totals.correct,
            current_streak=totals.current_streak,
            best_streak=totals.best_streak,
            weakest_topics=tuple(weakest),
            practice_answered=practice[0],
            practice_correct=practice[1],
            course=course,
        )

    async def home(self, user: UserRef, now: datetime) -> HomeCard:
        stats = await self.stats_card(user, own=True)
        boards = []
        teams = {t.id: t for t in await self.repo.teams_of(user.tenant)}
        own = [teams[i] for i in await self.repo.teams_of_person(user.tenant, user.user_id) if i in teams]
        for team in (own or list(teams.values()))[:2]:  # the person's own teams; else the workspace's first
            day = local_date(now, team.settings.timezone)
            for period in (Period.WEEK, Period.ALL):
                key = period_key(period, day)
                rows = leader_rows(await self.repo.top_scores(team.id, key, 5))
                mine = await self.repo.rank_of(team.id, key, user.user_id)
                me = leader_rows([mine[1]], mine[0])[0] if mine else None
                boards.append(LeaderboardCard(f"{team.name} — {TITLES[period]}", period.value, rows, me))
        return HomeCard(stats, tuple(boards), stats.course)

    def lookup(self, service: str, control: str) -> Card:
        return lookup_reply(index_for(self.content), f"{service} {control}")

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
        log.info("forgot a person (%d rows)", removed, extra={"tenant": user.workspace_id})
        return TextReply("Done — everything the bot stored about you in this workspace has been deleted.")

    async def setup(self, event: CommandIssued, cmd: c.Setup, now: datetime) -> Card:
        team = await self.repo.get_team(event.channel)
        base = (
            team.settings
            if team
            else TeamSettings(timezone=self.default_timezone, announce_course=self.announce)
        )
        changes: dict[str, object] = {
            k: v
            for k, v in {
                "post_time": cmd.post_time,
                "timezone": cmd.timezone,
                "days": cmd.days,
                "mode": cmd.mode,
                "receipts": cmd.receipts,
                "announce_course": cmd.announce_course,
            }.items()
            if v is not None
        }
        if cmd.close_time is not None:
            changes.update(close_time=cmd.close_time, window_minutes=None)
        elif cmd.window_minutes is not None:
            changes.update(window_minutes=cmd.window_minutes, close_time=None)
        settings = replace(base, **changes)  # type: ignore[arg-type]
        if settings.close_time is not None and settings.close_time <= settings.post_time:
            return TextReply(
                f"⚠️ The close time {settings.close_time:%H:%M} must be after the post time "
                f"{settings.post_time:%H:%M}.\nUsage: `{self.prefix} {c.USAGE['setup']}`"
            )
        name = (event.channel_name or (team.name if team else f"#{event.channel.channel_id}"))[:MAX_TEAM_NAME]
        upcoming = None if team and team.paused else next_post(settings, now)
        saved = await self.repo.save_team(event.channel, name, settings, upcoming, now)
        self.rounds.forget_routes()
        await self.repo.add_audit(event.user, "setup", f"{saved.name}: {settings.describe()}", now)
        verb = "updated" if team else "is now a team"
        when = (
            f" First post: {upcoming[0]:%a %d %b} at {settings.post_time:%H:%M} {settings.timezone}."
            if upcoming
            else " The team is paused; `resume` to restart."
        )
        return TextReply(f"✅ {saved.name} {verb}: {settings.describe()}.{when}")

    async def team_control(self, event: CommandIssued, cmd: c.Command, now: datetime) -> Card:
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
        rnd = await self.rounds.post_now(team, now)
        await self.repo.add_audit(event.user, "post-now", team.name, now)
        if rnd is None:
            return TextReply("Today's scenario has already been posted in this channel.")
        if rnd.message_id is None:
            return TextReply(
                "The platform did not accept the post just now; it will be retried in a minute or two."
            )
        return TextReply(f"📣 Posted today's scenario (round {rnd.id}).")

    async def export(self, event: CommandIssued, period: Period, now: datetime) -> Card:
        tenant = event.user.tenant
        keys = {
            t.id: period_key(period, local_date(now, t.settings.timezone))
            for t in await self.repo.teams_of(tenant)
        }
        rows = await self.repo.export_rows(tenant, sorted(set(keys.values())))
        roster = {p.user.user_id: p for p in await self.repo.course_roster(tenant)}
        # A period key for people with no team rows: the teams' own (the same for all unless zones differ).
        course_key = min(keys.values(), default=period_key(period, local_date(now, self.default_timezone)))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["person", "person_id", "team", "rounds_answered", "correct", "points", "period", "course"]
        )
        exported = set()
        for key, user_id, name, team_id, team_name, answered, correct, points in rows:
            if keys.get(team_id) != key:  # each team's rows for its own week/month, in its own zone
                continue
            exported.add(user_id)
            status = _course_status(roster.get(user_id))
            writer.writerow(
                [_csv_cell(v) for v in (name, user_id, team_name, answered, correct, points, key, status)]
            )
        for user_id, course in roster.items():
            if user_id not in exported:  # took the course but has not answered a round in this period
                row = (course.user.name, user_id, "", 0, 0, 0, course_key, _course_status(course))
                writer.writerow([_csv_cell(v) for v in row])
        await self.repo.add_audit(event.user, "export", period.value, now)
        stamp = now.strftime("%Y%m%d")
        return FileCard(
            f"responsibility-{period.value}-{stamp}.csv",
            out.getvalue(),
            f"Participation export ({period.value})",
        )

    async def course_roster(self, tenant: Tenant) -> Card:
        roster = await self.repo.course_roster(tenant)
        if not roster:
            return TextReply("Nobody has started the course yet.")
        done = [p for p in roster if p.completed_at]
        lines = [f"*Course progress* — {len(done)} of {len(roster)} completed"]
        lines += [
            f"• {p.user.name}: {self.onboarding.progress_line(p).removeprefix('Course: ')}" for p in roster
        ]
        return TextReply("\n".join(lines[:60]))

    async def flags(self, user: UserRef, clear: str | None, now: datetime) -> Card:
        tenant = user.tenant
        if clear is not None:
            if clear not in self.content.scenarios:
                return TextReply(
                    f"There is no scenario `{clear}`. `{self.prefix} flags` lists the flagged ones."
                )
            removed = await self.repo.clear_flags(tenant, clear)
            if not removed:
                return TextReply(f"`{clear}` has no open flags.")
            await self.repo.add_audit(user, "flags-clear", clear, now)
            return TextReply(f"Cleared {removed} flag(s) on `{clear}`; it is back in the daily rotation.")
        open_flags = await self.repo.open_flags(tenant)
        if not open_flags:
            return TextReply("No open flags.")
        threshold = self.rounds.flag_threshold
        lines = ["*Open flags*"]
        for f in open_flags:
            held = " — withheld from daily rounds" if f.count >= threshold else ""
            lines.append(f"• `{f.scenario_id}`: {f.count} flag(s){held}. " + "; ".join(f.reasons[:3]))
        return TextReply("\n".join(lines))

    async def audit(self, tenant: Tenant) -> Card:
        entries = await self.repo.audit_log(tenant, 30)
        if not entries:
            return TextReply("No admin actions recorded yet.")
        lines = ["*Admin actions* (newest first)"]
        lines += [
            f"• {at:%Y-%m-%d %H:%M} UTC — {user} — {action}: {detail}" for at, user, action, detail in entries
        ]
        return TextReply("\n".join(lines))
