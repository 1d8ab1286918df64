"""Leaderboards and stats: reads of the per-member and per-team aggregates the reveal keeps up to date.

Ranks come from (points, accuracy) buckets, so a rank never needs a count over every member ahead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.core.events import Tenant
from bot.core.model import PersonTotals, ScoreRow, TeamPeriod
from storage.db import Database
from storage.queries.base import SqlStore
from storage.queries.rows import RANK_ORDER, in_marks, to_score


async def rebuild_buckets(tx: Database, team_id: int, period: str) -> None:
    """Recount the (points, accuracy) buckets of one team and period from the member scores."""
    await tx.execute("DELETE FROM score_buckets WHERE team_id = $1 AND period = $2", team_id, period)
    await tx.execute(
        "INSERT INTO score_buckets (team_id, period, points, acc_bp, members) "
        "SELECT team_id, period, points, acc_bp, COUNT(*) FROM member_scores WHERE team_id = $1 AND period = $2 "
        "GROUP BY team_id, period, points, acc_bp",
        team_id,
        period,
    )


# One read for several people's ranks. Members ahead of each = the buckets with more points or equal points
# and better accuracy (a few hundred rows at most), plus those in the same bucket ahead on the last tie-breaks.
_RANKS = (
    "SELECT m.user_id, m.display_name, m.points, m.answered, m.correct, m.first_answer_at, "
    "(SELECT COALESCE(SUM(b.members), 0) FROM score_buckets b WHERE b.team_id = m.team_id "
    "AND b.period = m.period AND (b.points > m.points OR (b.points = m.points AND b.acc_bp > m.acc_bp))"
    ") AS more, "
    "(SELECT COUNT(*) FROM member_scores o WHERE o.team_id = m.team_id AND o.period = m.period "
    "AND o.points = m.points AND o.acc_bp = m.acc_bp AND (o.first_answer_at < m.first_answer_at "
    "OR (o.first_answer_at = m.first_answer_at AND o.user_id < m.user_id))) AS tied_ahead "
    "FROM member_scores m WHERE m.team_id = $1 AND m.period = $2 AND m.user_id {people}"
)
_RANKS_SQLITE = _RANKS.format(people="IN (SELECT j.value FROM json_each($3) AS j)")
_RANKS_POSTGRES = _RANKS.format(people="= ANY(CAST($3 AS TEXT[]))")
_RANK_ONE = _RANKS.format(people="= $3")  # a lone person (the usual read): ~20 µs quicker than json_each


class ScoreQueries(SqlStore):
    """ScoreStore over SQL."""

    async def top_scores(self, team_id: int, period: str, limit: int) -> list[ScoreRow]:
        rows = await self.db.fetch(
            "SELECT user_id, display_name, points, answered, correct, first_answer_at FROM member_scores "
            f"WHERE team_id = $1 AND period = $2 ORDER BY {RANK_ORDER} LIMIT $3",
            team_id,
            period,
            limit,
        )
        return [to_score(r) for r in rows]

    async def rank_of(self, team_id: int, period: str, user_id: str) -> tuple[int, ScoreRow] | None:
        return (await self.ranks_of(team_id, period, [user_id])).get(user_id)

    async def ranks_of(
        self, team_id: int, period: str, user_ids: Sequence[str]
    ) -> dict[str, tuple[int, ScoreRow]]:
        if not user_ids:
            return {}
        # Several people travel as one parameter, so each engine prepares two statements (this one and the
        # lone person's) whatever their number.
        people: object
        if len(user_ids) == 1:
            statement, people = _RANK_ONE, user_ids[0]
        elif self.engine == "postgres":
            statement, people = _RANKS_POSTGRES, list(user_ids)
        else:
            statement, people = _RANKS_SQLITE, json.dumps(list(user_ids))
        rows = await self.db.fetch(statement, team_id, period, people)
        return {r["user_id"]: (int(r["more"]) + int(r["tied_ahead"]) + 1, to_score(r)) for r in rows}

    async def team_periods(self, tenant: Tenant, periods: Sequence[str]) -> list[tuple[str, TeamPeriod]]:
        if not periods:
            return []
        marks = in_marks(3, periods)
        rows = await self.db.fetch(
            "SELECT p.period, t.id, t.name, p.rounds, p.answers, p.points, p.active_members "
            "FROM team_periods p JOIN teams t ON t.id = p.team_id "
            f"WHERE t.platform = $1 AND t.workspace_id = $2 AND p.period IN ({marks}) ORDER BY t.id",
            tenant.platform,
            tenant.workspace_id,
            *periods,
        )
        return [
            (
                r["period"],
                TeamPeriod(
                    int(r["id"]),
                    r["name"],
                    int(r["rounds"]),
                    int(r["answers"]),
                    int(r["points"]),
                    int(r["active_members"]),
                ),
            )
            for r in rows
        ]

    async def person_totals(self, tenant: Tenant, user_id: str) -> PersonTotals:
        args: tuple[Any, ...] = (tenant.platform, tenant.workspace_id, user_id)
        totals = await self.db.fetchrow(
            "SELECT COALESCE(SUM(m.points), 0) AS points, COALESCE(SUM(m.answered), 0) AS answered, "
            "COALESCE(SUM(m.correct), 0) AS correct FROM member_scores m JOIN teams t ON t.id = m.team_id "
            "WHERE t.platform = $1 AND t.workspace_id = $2 AND m.user_id = $3 AND m.period = 'all'",
            *args,
        )
        # A streak is alive only if the person answered the team's latest scored round.
        streak = await self.db.fetchrow(
            "SELECT COALESCE(MAX(s.best), 0) AS best, COALESCE(MAX(CASE WHEN s.last_round_id = ("
            "SELECT r.id FROM rounds r WHERE r.team_id = s.team_id AND r.state = 'revealed' "
            "ORDER BY r.local_date DESC LIMIT 1) THEN s.current ELSE 0 END), 0) AS current "
            "FROM member_streaks s JOIN teams t ON t.id = s.team_id "
            "WHERE t.platform = $1 AND t.workspace_id = $2 AND s.user_id = $3",
            *args,
        )
        assert streak is not None
        best, current = int(streak["best"]), int(streak["current"])
        topic_rows = await self.db.fetch(
            "SELECT m.topic, SUM(m.answered) AS answered, SUM(m.correct) AS correct FROM member_topics m "
            "JOIN teams t ON t.id = m.team_id WHERE t.platform = $1 AND t.workspace_id = $2 AND m.user_id = $3 "
            "GROUP BY m.topic ORDER BY m.topic",
            *args,
        )
        assert totals is not None
        return PersonTotals(
            points=int(totals["points"]),
            answered=int(totals["answered"]),
            correct=int(totals["correct"]),
            best_streak=best,
            current_streak=current,
            topics=tuple((r["topic"], int(r["answered"]), int(r["correct"])) for r in topic_rows),
        )

    async def teams_of_person(self, tenant: Tenant, user_id: str) -> list[int]:
        rows = await self.db.fetch(
            "SELECT m.team_id FROM member_scores m JOIN teams t ON t.id = m.team_id WHERE t.platform = $1 "
            "AND t.workspace_id = $2 AND m.user_id = $3 AND m.period = 'all' ORDER BY m.points DESC, m.team_id",
            tenant.platform,
            tenant.workspace_id,
            user_id,
        )
        return [int(r["team_id"]) for r in rows]

    async def find_person(self, tenant: Tenant, user_id: str) -> str | None:
        value = await self.db.fetchval(
            "SELECT m.display_name FROM member_scores m JOIN teams t ON t.id = m.team_id "
            "WHERE t.platform = $1 AND t.workspace_id = $2 AND m.user_id = $3 LIMIT 1",
            tenant.platform,
            tenant.workspace_id,
            user_id,
        )
        return None if value is None else str(value)

    async def export_rows(
        self, tenant: Tenant, periods: Sequence[str]
    ) -> list[tuple[str, str, str, int, str, int, int, int]]:
        if not periods:
            return []
        marks = in_marks(3, periods)
        rows = await self.db.fetch(
            "SELECT m.period, m.user_id, m.display_name, t.id, t.name, m.answered, m.correct, m.points "
            "FROM member_scores m JOIN teams t ON t.id = m.team_id "
            f"WHERE t.platform = $1 AND t.workspace_id = $2 AND m.period IN ({marks}) "
            "ORDER BY t.name, m.points DESC, m.user_id",
            tenant.platform,
            tenant.workspace_id,
            *periods,
        )
        return [
            (
                r["period"],
                r["user_id"],
                r["display_name"],
                int(r["id"]),
                r["name"],
                int(r["answered"]),
                int(r["correct"]),
                int(r["points"]),
            )
            for r in rows
        ]
