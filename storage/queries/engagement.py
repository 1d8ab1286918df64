"""Team posts (reminder, recap, season) claimed like rounds, achievements, and the recap's reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.events import Tenant
from bot.core.model import Earned, Round, ScoreRow, TeamPost
from storage.db import Database, Row, from_ms, ms
from storage.queries.base import SqlStore
from storage.queries.rows import RANK_ORDER, in_marks, to_round, to_score

EARNED_COLUMNS = "team_id, user_id, code, display_name, round_id, awarded_at"
EARNED_COLUMNS_A = "a.team_id, a.user_id, a.code, a.display_name, a.round_id, a.awarded_at"


def _earned(row: Row) -> Earned:
    return Earned(
        int(row["team_id"]),
        row["user_id"],
        row["display_name"],
        row["code"],
        None if row["round_id"] is None else int(row["round_id"]),
        from_ms(row["awarded_at"]),
    )


def _team_post(row: Row) -> TeamPost:
    return TeamPost(
        int(row["team_id"]),
        row["kind"],
        row["period"],
        row["state"],
        from_ms(row["due_at"]),
        row["message_id"],
    )


async def insert_achievements(tx: Database, earned: Sequence[Earned], local: date) -> None:
    """Part of the reveal transaction: a person earns each achievement once per team."""
    await tx.executemany(
        "INSERT INTO achievements (team_id, user_id, code, display_name, round_id, local_date, awarded_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id, user_id, code) DO NOTHING",
        [
            (e.team_id, e.user_id, e.code, e.display_name, e.round_id, local.isoformat(), ms(e.awarded_at))
            for e in earned
        ],
    )


class TeamPostQueries(SqlStore):
    """TeamPostStore over SQL."""

    async def schedule_team_post(self, team_id: int, kind: str, period: str, due_at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO team_posts (team_id, kind, period, state, due_at) VALUES ($1, $2, $3, 'due', $4) "
            "ON CONFLICT (team_id, kind, period) DO NOTHING",
            team_id,
            kind,
            period,
            ms(due_at),
        )

    async def claim_team_post(
        self, team_id: int, kind: str, period: str, now: datetime, lease_until: datetime
    ) -> bool:
        inserted = await self.db.execute(
            "INSERT INTO team_posts (team_id, kind, period, state, due_at, lease_until) "
            "VALUES ($1, $2, $3, 'claimed', $4, $5) ON CONFLICT (team_id, kind, period) DO NOTHING",
            team_id,
            kind,
            period,
            ms(now),
            ms(lease_until),
        )
        if inserted == 1:
            return True
        taken = await self.db.execute(
            "UPDATE team_posts SET state = 'claimed', lease_until = $5 WHERE team_id = $1 AND kind = $2 "
            "AND period = $3 AND (state = 'due' OR (state = 'claimed' AND lease_until <= $4))",
            team_id,
            kind,
            period,
            ms(now),
            ms(lease_until),
        )
        return taken == 1

    async def finish_team_post(self, team_id: int, kind: str, period: str, message_id: str) -> None:
        await self.db.execute(
            "UPDATE team_posts SET state = 'posted', message_id = $4, lease_until = NULL "
            "WHERE team_id = $1 AND kind = $2 AND period = $3",
            team_id,
            kind,
            period,
            message_id,
        )

    async def due_team_posts(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[TeamPost]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            "SELECT p.team_id, p.kind, p.period, p.state, p.due_at, p.message_id FROM team_posts p "
            "JOIN teams t ON t.id = p.team_id WHERE p.kind <> 'reminder' AND ((p.state = 'due' AND "
            "p.due_at <= $1) OR (p.state = 'claimed' AND p.lease_until <= $1)) "
            f"AND t.platform IN ({in_marks(3, platforms)}) ORDER BY p.due_at, p.team_id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [_team_post(r) for r in rows]

    async def team_post(self, team_id: int, kind: str, period: str) -> TeamPost | None:
        row = await self.db.fetchrow(
            "SELECT team_id, kind, period, state, due_at, message_id FROM team_posts "
            "WHERE team_id = $1 AND kind = $2 AND period = $3",
            team_id,
            kind,
            period,
        )
        return _team_post(row) if row else None

    async def due_reminders(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        if not platforms:
            return []
        at = ms(now)
        rows = await self.db.fetch(
            "SELECT r.id, r.team_id, r.local_date, r.scenario_id, r.state, r.closes_at, r.message_id, "
            "r.posted_at, r.lease_until, r.reveal_message_id FROM rounds r JOIN teams t ON t.id = r.team_id "
            "WHERE r.state = 'posted' AND t.reminder_minutes > 0 AND r.closes_at > $1 "
            "AND r.closes_at - t.reminder_minutes * 60000 <= $1 "
            f"AND t.platform IN ({in_marks(3, platforms)}) AND NOT EXISTS (SELECT 1 FROM team_posts p "
            "WHERE p.team_id = r.team_id AND p.kind = 'reminder' AND p.period = CAST(r.id AS TEXT) "
            "AND (p.state = 'posted' OR p.lease_until > $1)) ORDER BY r.closes_at, r.id LIMIT $2",
            at,
            limit,
            *platforms,
        )
        return [to_round(r) for r in rows]

    async def answer_count(self, round_id: int) -> int:
        value = await self.db.fetchval(
            "SELECT COUNT(*) FROM answers WHERE round_id = $1 AND source <> 'late'", round_id
        )
        return int(value or 0)

    async def active_members(self, team_id: int, since: date) -> int:
        value = await self.db.fetchval(
            "SELECT COUNT(DISTINCT a.user_id) FROM answers a JOIN rounds r ON r.id = a.round_id "
            "WHERE r.team_id = $1 AND r.local_date >= $2 AND a.source <> 'late'",
            team_id,
            since.isoformat(),
        )
        return int(value or 0)


class AchievementQueries(SqlStore):
    """AchievementStore over SQL."""

    async def achievements_of(self, tenant: Tenant, user_id: str | None) -> list[Earned]:
        rows = await self.db.fetch(
            f"SELECT {EARNED_COLUMNS_A} FROM achievements a JOIN teams t ON t.id = a.team_id "
            "WHERE t.platform = $1 AND t.workspace_id = $2 AND ($3 = '*' OR a.user_id = $3) "
            "ORDER BY a.awarded_at, a.user_id, a.code",
            tenant.platform,
            tenant.workspace_id,
            "*" if user_id is None else user_id,
        )
        return [_earned(r) for r in rows]

    async def add_achievements(self, earned: Sequence[Earned], local: date) -> None:
        await insert_achievements(self.db, earned, local)

    async def team_achievements(self, team_id: int, since: date | None = None) -> list[Earned]:
        rows = await self.db.fetch(
            f"SELECT {EARNED_COLUMNS} FROM achievements WHERE team_id = $1 AND local_date >= $2 "
            "ORDER BY awarded_at, user_id, code",
            team_id,
            (since or date.min).isoformat(),
        )
        return [_earned(r) for r in rows]

    async def round_achievements(self, round_id: int) -> list[Earned]:
        rows = await self.db.fetch(
            f"SELECT {EARNED_COLUMNS} FROM achievements WHERE round_id = $1 ORDER BY user_id, code", round_id
        )
        return [_earned(r) for r in rows]

    async def team_record(self, team_id: int) -> int:
        rows = await self.db.fetch(
            "SELECT code FROM achievements WHERE team_id = $1 AND user_id = '*' AND code LIKE 'record-correct-%'",
            team_id,
        )
        return max((int(r["code"].rsplit("-", 1)[-1]) for r in rows), default=0)

    async def member_topic(
        self, team_id: int, topic: str, user_ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        rows = await self.db.fetch(
            "SELECT user_id, answered, correct FROM member_topics WHERE team_id = $1 AND topic = $2",
            team_id,
            topic,
        )
        wanted = set(user_ids)
        return {r["user_id"]: (int(r["answered"]), int(r["correct"])) for r in rows if r["user_id"] in wanted}

    async def period_scores(self, team_id: int, period: str) -> list[ScoreRow]:
        rows = await self.db.fetch(
            "SELECT user_id, display_name, points, answered, correct, first_answer_at FROM member_scores "
            f"WHERE team_id = $1 AND period = $2 ORDER BY {RANK_ORDER}",
            team_id,
            period,
        )
        return [to_score(r) for r in rows]

    async def team_period_rounds(self, team_id: int, period: str) -> int:
        value = await self.db.fetchval(
            "SELECT rounds FROM team_periods WHERE team_id = $1 AND period = $2", team_id, period
        )
        return int(value or 0)

    async def team_history(
        self, team_id: int, since: date | None = None
    ) -> list[tuple[int, date, str, list[tuple[str, str, bool]]]]:
        rounds = await self.db.fetch(
            "SELECT id, local_date, topic FROM rounds WHERE team_id = $1 AND state = 'revealed' "
            "AND local_date >= $2 ORDER BY local_date, id",
            team_id,
            (since or date.min).isoformat(),
        )
        answers = await self.db.fetch(
            "SELECT a.round_id, a.user_id, a.display_name, a.correct FROM answers a JOIN rounds r "
            "ON r.id = a.round_id WHERE r.team_id = $1 AND r.state = 'revealed' AND a.correct IS NOT NULL "
            "AND r.local_date >= $2 ORDER BY a.user_id",
            team_id,
            (since or date.min).isoformat(),
        )
        by_round: dict[int, list[tuple[str, str, bool]]] = {}
        for a in answers:
            by_round.setdefault(int(a["round_id"]), []).append(
                (a["user_id"], a["display_name"], bool(a["correct"]))
            )
        return [
            (int(r["id"]), date.fromisoformat(r["local_date"]), r["topic"], by_round.get(int(r["id"]), []))
            for r in rounds
        ]

    async def round_results(
        self, team_id: int, start: date, end: date
    ) -> list[tuple[int, str, str, int, int]]:
        rows = await self.db.fetch(
            "SELECT r.id, r.scenario_id, r.topic, COUNT(a.user_id) AS answers, "
            "COALESCE(SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END), 0) AS right_answers "
            "FROM rounds r LEFT JOIN answers a ON a.round_id = r.id AND a.correct IS NOT NULL "
            "WHERE r.team_id = $1 AND r.state = 'revealed' AND r.local_date >= $2 AND r.local_date <= $3 "
            "GROUP BY r.id, r.scenario_id, r.topic ORDER BY r.id",
            team_id,
            start.isoformat(),
            end.isoformat(),
        )
        return [
            (int(r["id"]), r["scenario_id"], r["topic"], int(r["answers"]), int(r["right_answers"]))
            for r in rows
        ]
