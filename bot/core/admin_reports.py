"""Admin commands that read the workspace: the participation export, course roster, flags and audit log."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

from bot.core.events import CommandIssued, Tenant, UserRef
from bot.core.leaderboard import Period, period_key
from bot.core.messages import Card, FileCard, TextReply
from bot.core.model import CourseProgress
from bot.core.onboarding import Onboarding
from bot.core.ports import Repository
from bot.core.schedule_math import local_date
from content.loader import ContentBundle

EXPORT_HEADER = [
    "person",
    "person_id",
    "team",
    "rounds_answered",
    "correct",
    "points",
    "period",
    "course",
    "achievements",  # codes earned in the workspace's teams, `;`-separated (streak-5;mastery:iam)
    "questions_approved",  # the person's questions from the team in the rotation
]


def _course_status(progress: CourseProgress | None) -> str:
    if progress is None:
        return ""
    return "completed" if progress.completed_at else "started"


def csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas in user-controlled text (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AdminReports:
    def __init__(
        self,
        repo: Repository,
        content: ContentBundle,
        onboarding: Onboarding,
        default_timezone: str,
        flag_threshold: int,
        prefix: str,
    ) -> None:
        self.repo = repo
        self.content = content
        self.onboarding = onboarding
        self.default_timezone = default_timezone
        self.flag_threshold = flag_threshold
        self.prefix = prefix

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
        earned: dict[str, list[str]] = {}
        for e in await self.repo.achievements_of(tenant, None):
            earned.setdefault(e.user_id, []).append(e.code)
        in_rotation = await self.repo.suggestions(tenant, "approved", 100_000)
        approved = Counter(s.author.user_id for s in in_rotation)
        authors = {s.author.user_id: s.author.name for s in in_rotation}

        def extra(user_id: str) -> tuple[str, int]:
            return ";".join(dict.fromkeys(earned.get(user_id, []))), approved.get(user_id, 0)

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_HEADER)
        exported = set()
        for key, user_id, name, team_id, team_name, answered, correct, points in rows:
            if keys.get(team_id) != key:  # each team's rows for its own week/month, in its own zone
                continue
            exported.add(user_id)
            status = _course_status(roster.get(user_id))
            row = (name, user_id, team_name, answered, correct, points, key, status, *extra(user_id))
            writer.writerow([csv_cell(v) for v in row])
        for user_id, course in roster.items():
            if user_id not in exported:  # took the course but has not answered a round in this period
                exported.add(user_id)
                status = _course_status(course)
                row = (course.user.name, user_id, "", 0, 0, 0, course_key, status, *extra(user_id))
                writer.writerow([csv_cell(v) for v in row])
        for user_id, name in authors.items():
            if user_id not in exported:  # wrote a question in the rotation, answered nothing this period
                row = (name, user_id, "", 0, 0, 0, course_key, "", *extra(user_id))
                writer.writerow([csv_cell(v) for v in row])
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
        lines = ["*Open flags*"]
        for f in open_flags:
            held = " — withheld from daily rounds" if f.count >= self.flag_threshold else ""
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
