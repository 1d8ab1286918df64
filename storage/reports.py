"""The dashboard's read model (bot/core/ports/reports.py) in portable SQL over a Database.

Workspace-wide figures come from the aggregates kept at reveal (member_scores, team_periods, team_topics);
only the per-team pages read answers, through the team's rounds. Every query names the tenant, so a team id
from another workspace returns nothing even if a caller forgot to check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.events import Tenant
from bot.core.ports.reports import (
    BoardRow,
    CourseRow,
    PeriodActivity,
    QuestionStat,
    StreakLeader,
    TeamAccuracy,
    TopicDay,
)
from storage.db import Database, from_ms, from_ms_or_none
from storage.login_links import SqlLoginLinks
from storage.queries.rows import in_marks


class SqlReports:
    """Reports over any Database (SQLite or PostgreSQL); obtained with `repo.reports()`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def login_links(self) -> SqlLoginLinks:
        """The dashboard's one-time links and signing key, in the same database."""
        return SqlLoginLinks(self.db)

    async def tenants(self) -> list[Tenant]:
        rows = await self.db.fetch(
            "SELECT platform, workspace_id FROM teams UNION SELECT platform, workspace_id FROM course_progress "
            "UNION SELECT platform, workspace_id FROM audit_log ORDER BY platform, workspace_id"
        )
        return [Tenant(r["platform"], r["workspace_id"]) for r in rows]

    async def latest_activity(self, tenant: Tenant) -> datetime | None:
        row = await self.db.fetchrow(
            "SELECT (SELECT MAX(revealed_at) FROM rounds WHERE team_id IN (SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2)) AS scored, "
            "(SELECT MAX(at) FROM audit_log WHERE platform = $1 AND workspace_id = $2) AS audited, "
            "(SELECT MAX(started_at) FROM course_progress WHERE platform = $1 AND workspace_id = $2) AS started",
            tenant.platform,
            tenant.workspace_id,
        )
        found = [int(v) for v in (row or {}).values() if v is not None]
        return from_ms(max(found)) if found else None

    async def team_accuracy(self, tenant: Tenant) -> list[TeamAccuracy]:
        rows = await self.db.fetch(
            "SELECT tt.team_id, SUM(tt.answered) AS answered, SUM(tt.correct) AS correct FROM team_topics tt "
            "WHERE tt.team_id IN (SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2) GROUP BY tt.team_id ORDER BY tt.team_id",
            tenant.platform,
            tenant.workspace_id,
        )
        return [TeamAccuracy(int(r["team_id"]), int(r["answered"]), int(r["correct"])) for r in rows]

    async def period_activity(
        self, tenant: Tenant, periods: Sequence[str], team_id: int | None = None
    ) -> list[PeriodActivity]:
        if not periods:
            return []
        args = (tenant.platform, tenant.workspace_id, team_id or 0, *periods)
        people = await self.db.fetch(
            "SELECT period, COUNT(DISTINCT user_id) AS participants, SUM(answered) AS answered, "
            "SUM(correct) AS correct FROM member_scores WHERE team_id IN (SELECT id FROM teams WHERE platform = $1 "
            f"AND workspace_id = $2) AND ($3 = 0 OR team_id = $3) AND period IN ({in_marks(4, periods)}) "
            "GROUP BY period",
            *args,
        )
        rounds = await self.db.fetch(
            "SELECT period, SUM(rounds) AS rounds FROM team_periods WHERE team_id IN (SELECT id FROM teams "
            "WHERE platform = $1 AND workspace_id = $2) AND ($3 = 0 OR team_id = $3) "
            f"AND period IN ({in_marks(4, periods)}) GROUP BY period",
            *args,
        )
        counted = {r["period"]: int(r["rounds"]) for r in rounds}
        found = {
            r["period"]: PeriodActivity(
                r["period"],
                counted.get(r["period"], 0),
                int(r["participants"]),
                int(r["answered"]),
                int(r["correct"]),
            )
            for r in people
        }
        for period, n in counted.items():  # periods with rounds nobody answered
            found.setdefault(period, PeriodActivity(period, n, 0, 0, 0))
        return [found[w] for w in periods if w in found]

    async def period_board(self, tenant: Tenant, period: str, limit: int) -> list[BoardRow]:
        rows = await self.db.fetch(
            "SELECT user_id, MAX(display_name) AS display_name, SUM(points) AS points, SUM(answered) AS answered, "
            "SUM(correct) AS correct FROM member_scores WHERE team_id IN (SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2) AND period = $3 "
            "GROUP BY user_id ORDER BY points DESC, correct DESC, user_id LIMIT $4",
            tenant.platform,
            tenant.workspace_id,
            period,
            limit,
        )
        return [
            BoardRow(r["user_id"], r["display_name"], int(r["points"]), int(r["answered"]), int(r["correct"]))
            for r in rows
        ]

    async def topic_days(self, tenant: Tenant, team_id: int, since: date) -> list[TopicDay]:
        rows = await self.db.fetch(
            "SELECT r.topic, r.local_date, COUNT(*) AS answered, SUM(a.correct) AS correct "
            "FROM rounds r JOIN answers a ON a.round_id = r.id "
            "WHERE r.team_id = $3 AND r.team_id IN (SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2) AND r.state = 'revealed' "
            "AND r.local_date >= $4 AND a.correct IS NOT NULL GROUP BY r.topic, r.local_date "
            "ORDER BY r.local_date, r.topic",
            tenant.platform,
            tenant.workspace_id,
            team_id,
            since.isoformat(),
        )
        return [
            TopicDay(r["topic"], date.fromisoformat(r["local_date"]), int(r["answered"]), int(r["correct"]))
            for r in rows
        ]

    async def hardest_questions(
        self, tenant: Tenant, team_id: int, limit: int, min_answers: int
    ) -> list[QuestionStat]:
        rows = await self.db.fetch(
            "SELECT r.scenario_id, MAX(r.topic) AS topic, COUNT(DISTINCT r.id) AS rounds, COUNT(*) AS answered, "
            "SUM(a.correct) AS correct, SUM(a.correct) * 10000 / COUNT(*) AS acc_bp "
            "FROM rounds r JOIN answers a ON a.round_id = r.id "
            "WHERE r.team_id = $3 AND r.team_id IN (SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2) AND r.state = 'revealed' "
            "AND a.correct IS NOT NULL GROUP BY r.scenario_id HAVING COUNT(*) >= $5 "
            "ORDER BY acc_bp ASC, answered DESC, r.scenario_id LIMIT $4",
            tenant.platform,
            tenant.workspace_id,
            team_id,
            limit,
            min_answers,
        )
        return [
            QuestionStat(
                r["scenario_id"], r["topic"], int(r["rounds"]), int(r["answered"]), int(r["correct"])
            )
            for r in rows
        ]

    async def streak_leaders(self, tenant: Tenant, team_id: int, limit: int) -> list[StreakLeader]:
        # A streak is alive only if the person answered the team's latest scored round (as in /stats).
        rows = await self.db.fetch(
            "SELECT s.user_id, COALESCE(m.display_name, s.user_id) AS display_name, s.best, "
            "CASE WHEN s.last_round_id = (SELECT r.id FROM rounds r WHERE r.team_id = s.team_id "
            "AND r.state = 'revealed' ORDER BY r.local_date DESC LIMIT 1) THEN s.current ELSE 0 END AS alive "
            "FROM member_streaks s LEFT JOIN member_scores m ON m.team_id = s.team_id AND m.period = 'all' "
            "AND m.user_id = s.user_id WHERE s.team_id = $3 AND s.team_id IN (SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2) "
            "ORDER BY alive DESC, s.best DESC, display_name, s.user_id LIMIT $4",
            tenant.platform,
            tenant.workspace_id,
            team_id,
            limit,
        )
        return [StreakLeader(r["user_id"], r["display_name"], int(r["alive"]), int(r["best"])) for r in rows]

    async def course_rows(self, tenant: Tenant) -> list[CourseRow]:
        rows = await self.db.fetch(
            "SELECT user_id, display_name, lesson_index, answered_current, correct, started_at, completed_at "
            "FROM course_progress WHERE platform = $1 AND workspace_id = $2 ORDER BY display_name, user_id",
            tenant.platform,
            tenant.workspace_id,
        )
        return [
            CourseRow(
                r["user_id"],
                r["display_name"],
                int(r["lesson_index"]),
                bool(r["answered_current"]),
                int(r["correct"]),
                from_ms(r["started_at"]),
                from_ms_or_none(r["completed_at"]),
            )
            for r in rows
        ]
