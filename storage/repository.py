"""The one Repository implementation: portable SQL over a Database (SQLite or PostgreSQL).

Every statement passes values as parameters; the aggregates the leaderboards read are updated at reveal,
inside the same transaction that closes the round, so a board never needs a scan of every answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from bot.core.events import ChannelRef, Tenant, UserRef
from bot.core.model import (
    AnswerMode,
    CourseProgress,
    FlagSummary,
    PersonTotals,
    PracticeItem,
    Round,
    RoundResult,
    RoundState,
    ScoreRow,
    StoredAnswer,
    Streak,
    Team,
    TeamPeriod,
    TeamSettings,
)
from bot.faults import crashpoint
from content.schema import Party
from storage.answer_batch import AnswerBatchMixin
from storage.db import Database, Row, from_ms, from_ms_or_none, ms, ms_or_none

_TEAM_COLUMNS = (
    "id, platform, workspace_id, channel_id, name, timezone, post_time, days, window_minutes, close_time, "
    "mode, receipts, paused, next_post_date, next_post_at, announce_course"
)
_ROUND_COLUMNS = "id, team_id, local_date, scenario_id, state, closes_at, message_id, posted_at, lease_until, reveal_message_id"
_RANK_ORDER = "points DESC, acc_bp DESC, first_answer_at ASC, user_id ASC"
_RECORD_ANSWER = (
    "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
    "SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS BIGINT), 'live' "
    "WHERE EXISTS (SELECT 1 FROM rounds WHERE id = $1 AND state IN ('claimed', 'posted')) "
    "ON CONFLICT (round_id, user_id) DO NOTHING"
)
_RECORD_ANSWER_LOCKED = _RECORD_ANSWER.replace("'posted')) ", "'posted') FOR SHARE) ")


def _team(row: Row) -> Team:
    close = row["close_time"]
    return Team(
        id=int(row["id"]),
        channel=ChannelRef(row["platform"], row["workspace_id"], row["channel_id"]),
        name=row["name"],
        settings=TeamSettings(
            timezone=row["timezone"],
            post_time=time.fromisoformat(row["post_time"]),
            days=frozenset(int(d) for d in row["days"].split(",") if d),
            window_minutes=row["window_minutes"],
            close_time=time.fromisoformat(close) if close else None,
            mode=AnswerMode(row["mode"]),
            receipts=bool(row["receipts"]),
            announce_course=bool(row["announce_course"]),
        ),
        paused=bool(row["paused"]),
        next_post_date=date.fromisoformat(row["next_post_date"]) if row["next_post_date"] else None,
        next_post_at=from_ms_or_none(row["next_post_at"]),
    )


def _round(row: Row) -> Round:
    return Round(
        id=int(row["id"]),
        team_id=int(row["team_id"]),
        local_date=date.fromisoformat(row["local_date"]),
        scenario_id=row["scenario_id"],
        state=RoundState(row["state"]),
        closes_at=from_ms(row["closes_at"]),
        message_id=row["message_id"],
        posted_at=from_ms_or_none(row["posted_at"]),
        lease_until=from_ms_or_none(row["lease_until"]),
        reveal_message_id=row["reveal_message_id"],
    )


def _score(row: Row) -> ScoreRow:
    return ScoreRow(
        user_id=row["user_id"],
        display_name=row["display_name"],
        points=int(row["points"]),
        answered=int(row["answered"]),
        correct=int(row["correct"]),
        first_answer_at=from_ms(row["first_answer_at"]),
    )


def _progress(row: Row) -> CourseProgress:
    return CourseProgress(
        user=UserRef(row["platform"], row["workspace_id"], row["user_id"], row["display_name"]),
        lesson_index=int(row["lesson_index"]),
        answered_current=bool(row["answered_current"]),
        completed_at=from_ms_or_none(row["completed_at"]),
        next_lesson_at=from_ms_or_none(row["next_lesson_at"]),
        timezone=row["timezone"],
        correct=int(row["correct"]),
    )


def _marks(first: int, values: Sequence[object]) -> str:
    """Numbered placeholders for an IN list: the values themselves still go as parameters."""
    return ", ".join(f"${first + i}" for i in range(len(values)))


def _split(next_post: tuple[date, datetime] | None) -> tuple[str | None, int | None]:
    if next_post is None:
        return None, None
    return next_post[0].isoformat(), ms(next_post[1])


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


class SqlRepository(AnswerBatchMixin):  # + record_answers: group commit (storage/answer_batch.py)
    """Repository over any Database; SqliteRepository and PostgresRepository only choose the driver."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.engine = db.engine

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    # Teams -----------------------------------------------------------------------------------------------
    async def save_team(
        self,
        channel: ChannelRef,
        name: str,
        settings: TeamSettings,
        next_post: tuple[date, datetime] | None,
        now: datetime,
    ) -> Team:
        next_date, next_at = _split(next_post)
        await self.db.execute(
            "INSERT INTO teams (platform, workspace_id, channel_id, name, timezone, post_time, days, "
            "window_minutes, close_time, mode, receipts, paused, next_post_date, next_post_at, created_at, "
            "announce_course) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15) "
            "ON CONFLICT (platform, workspace_id, channel_id) DO UPDATE SET name = excluded.name, "
            "timezone = excluded.timezone, post_time = excluded.post_time, days = excluded.days, "
            "window_minutes = excluded.window_minutes, close_time = excluded.close_time, mode = excluded.mode, "
            "receipts = excluded.receipts, next_post_date = excluded.next_post_date, "
            "next_post_at = excluded.next_post_at, announce_course = excluded.announce_course",
            channel.platform,
            channel.workspace_id,
            channel.channel_id,
            name,
            settings.timezone,
            settings.post_time.strftime("%H:%M"),
            ",".join(str(d) for d in sorted(settings.days)),
            settings.window_minutes,
            settings.close_time.strftime("%H:%M") if settings.close_time else None,
            settings.mode.value,
            int(settings.receipts),
            next_date,
            next_at,
            ms(now),
            int(settings.announce_course),
        )
        team = await self.get_team(channel)
        assert team is not None
        return team

    async def get_team(self, channel: ChannelRef) -> Team | None:
        row = await self.db.fetchrow(
            f"SELECT {_TEAM_COLUMNS} FROM teams WHERE platform = $1 AND workspace_id = $2 AND channel_id = $3",
            channel.platform,
            channel.workspace_id,
            channel.channel_id,
        )
        return _team(row) if row else None

    async def get_team_by_id(self, team_id: int) -> Team | None:
        row = await self.db.fetchrow(f"SELECT {_TEAM_COLUMNS} FROM teams WHERE id = $1", team_id)
        return _team(row) if row else None

    async def teams_of(self, tenant: Tenant) -> list[Team]:
        rows = await self.db.fetch(
            f"SELECT {_TEAM_COLUMNS} FROM teams WHERE platform = $1 AND workspace_id = $2 ORDER BY id",
            tenant.platform,
            tenant.workspace_id,
        )
        return [_team(r) for r in rows]

    async def set_paused(self, team_id: int, paused: bool, next_post: tuple[date, datetime] | None) -> None:
        next_date, next_at = _split(next_post)
        await self.db.execute(
            "UPDATE teams SET paused = $2, next_post_date = $3, next_post_at = $4 WHERE id = $1",
            team_id,
            int(paused),
            next_date,
            next_at,
        )

    async def due_teams(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Team]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            f"SELECT {_TEAM_COLUMNS} FROM teams WHERE paused = 0 AND next_post_at <= $1 "
            f"AND platform IN ({_marks(3, platforms)}) ORDER BY next_post_at, id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [_team(r) for r in rows]

    async def advance_team(
        self, team_id: int, expected: date, next_post: tuple[date, datetime] | None
    ) -> bool:
        next_date, next_at = _split(next_post)
        changed = await self.db.execute(
            "UPDATE teams SET next_post_date = $3, next_post_at = $4 WHERE id = $1 AND next_post_date = $2",
            team_id,
            expected.isoformat(),
            next_date,
            next_at,
        )
        return changed == 1

    # Rounds ----------------------------------------------------------------------------------------------
    async def claim_round(
        self,
        team_id: int,
        local_date: date,
        scenario_id: str,
        topic: str,
        closes_at: datetime,
        lease_until: datetime,
        now: datetime,
    ) -> Round | None:
        row = await self.db.fetchrow(
            "INSERT INTO rounds (team_id, local_date, scenario_id, topic, state, closes_at, claimed_at, "
            "lease_until) VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7) "
            f"ON CONFLICT (team_id, local_date) DO NOTHING RETURNING {_ROUND_COLUMNS}",
            team_id,
            local_date.isoformat(),
            scenario_id,
            topic,
            ms(closes_at),
            ms(now),
            ms(lease_until),
        )
        return _round(row) if row else None

    async def get_round(self, round_id: int) -> Round | None:
        row = await self.db.fetchrow(f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = $1", round_id)
        return _round(row) if row else None

    async def round_on(self, team_id: int, local_date: date) -> Round | None:
        row = await self.db.fetchrow(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE team_id = $1 AND local_date = $2",
            team_id,
            local_date.isoformat(),
        )
        return _round(row) if row else None

    async def round_for_post(self, channel: ChannelRef, message_id: str) -> Round | None:
        row = await self.db.fetchrow(
            "SELECT r.id, r.team_id, r.local_date, r.scenario_id, r.state, r.closes_at, r.message_id, "
            "r.posted_at, r.lease_until, r.reveal_message_id FROM rounds r JOIN teams t ON t.id = r.team_id "
            "WHERE t.platform = $1 AND t.workspace_id = $2 AND t.channel_id = $3 AND r.message_id = $4 "
            "ORDER BY r.id DESC LIMIT 1",
            channel.platform,
            channel.workspace_id,
            channel.channel_id,
            message_id,
        )
        return _round(row) if row else None

    async def take_lease(self, round_id: int, now: datetime, until: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE rounds SET lease_until = $3 WHERE id = $1 AND (lease_until IS NULL OR lease_until <= $2)",
            round_id,
            ms(now),
            ms(until),
        )
        return changed == 1

    async def mark_posted(self, round_id: int, message_id: str, posted_at: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE rounds SET state = 'posted', message_id = $2, posted_at = $3, lease_until = NULL "
            "WHERE id = $1 AND state = 'claimed'",
            round_id,
            message_id,
            ms(posted_at),
        )
        return changed == 1

    async def set_round_state(
        self, round_id: int, expected: RoundState, new: RoundState, lease_until: datetime | None
    ) -> bool:
        changed = await self.db.execute(
            "UPDATE rounds SET state = $3, lease_until = $4 WHERE id = $1 AND state = $2",
            round_id,
            expected.value,
            new.value,
            ms_or_none(lease_until),
        )
        return changed == 1

    async def stale_claims(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE state = 'claimed' "
            "AND (lease_until IS NULL OR lease_until <= $1) AND team_id IN (SELECT id FROM teams "
            f"WHERE platform IN ({_marks(3, platforms)})) ORDER BY id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [_round(r) for r in rows]

    async def due_reveals(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE (lease_until IS NULL OR lease_until <= $1) AND ("
            "(state IN ('posted', 'closing') AND closes_at <= $1) "
            "OR (state = 'revealed' AND reveal_message_id IS NULL)) AND team_id IN (SELECT id FROM teams "
            f"WHERE platform IN ({_marks(3, platforms)})) ORDER BY closes_at, id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [_round(r) for r in rows]

    async def mark_reveal_posted(self, round_id: int, message_id: str) -> None:
        # The first reveal recorded stays recorded: a late duplicate never overwrites it.
        await self.db.execute(
            "UPDATE rounds SET reveal_message_id = $2, lease_until = NULL "
            "WHERE id = $1 AND reveal_message_id IS NULL",
            round_id,
            message_id,
        )

    async def team_scenarios(self, team_id: int) -> list[str]:
        rows = await self.db.fetch(
            "SELECT scenario_id FROM rounds WHERE team_id = $1 AND state <> 'skipped' ORDER BY local_date, id",
            team_id,
        )
        return [r["scenario_id"] for r in rows]

    async def previous_round(self, team_id: int, before: date) -> Round | None:
        row = await self.db.fetchrow(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE team_id = $1 AND local_date < $2 "
            "AND state = 'revealed' ORDER BY local_date DESC LIMIT 1",
            team_id,
            before.isoformat(),
        )
        return _round(row) if row else None

    # Answers and scoring ---------------------------------------------------------------------------------
    async def record_answer(self, round_id: int, user: UserRef, choice: Party, at: datetime) -> bool:
        # On PostgreSQL the round row is share-locked while the answer goes in, so closing the round
        # (posted → closing) waits for an answer already being stored, and the scorer then sees it.
        # SQLite serialises writers anyway.
        statement = _RECORD_ANSWER_LOCKED if self.engine == "postgres" else _RECORD_ANSWER
        changed = await self.db.execute(
            statement,
            round_id,
            user.user_id,
            user.display_name or user.user_id,
            choice.value,
            ms(at),
        )
        return changed == 1

    async def record_late_answer(self, round_id: int, user: UserRef, choice: Party, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
            "VALUES ($1, $2, $3, $4, $5, 'late') ON CONFLICT (round_id, user_id) DO NOTHING",
            round_id,
            user.user_id,
            user.name,
            choice.value,
            ms(at),
        )

    async def late_answer_users(self, round_id: int) -> set[str]:
        rows = await self.db.fetch(
            "SELECT user_id FROM answers WHERE round_id = $1 AND source = 'late'", round_id
        )
        return {r["user_id"] for r in rows}

    async def get_answer(self, round_id: int, user_id: str) -> StoredAnswer | None:
        row = await self.db.fetchrow(
            "SELECT a.user_id, a.display_name, a.choice, a.answered_at, t.platform, t.workspace_id "
            "FROM answers a JOIN rounds r ON r.id = a.round_id JOIN teams t ON t.id = r.team_id "
            "WHERE a.round_id = $1 AND a.user_id = $2 AND a.source <> 'late'",
            round_id,
            user_id,
        )
        if row is None:
            return None
        user = UserRef(row["platform"], row["workspace_id"], row["user_id"], row["display_name"])
        return StoredAnswer(round_id, user, Party(row["choice"]), from_ms(row["answered_at"]))

    async def answers_for_round(self, round_id: int, platform: str, workspace_id: str) -> list[StoredAnswer]:
        rows = await self.db.fetch(
            "SELECT user_id, display_name, choice, answered_at FROM answers WHERE round_id = $1 "
            "AND source <> 'late' ORDER BY answered_at, user_id",
            round_id,
        )
        return [
            StoredAnswer(
                round_id,
                UserRef(platform, workspace_id, r["user_id"], r["display_name"]),
                Party(r["choice"]),
                from_ms(r["answered_at"]),
            )
            for r in rows
        ]

    async def streaks(self, team_id: int, user_ids: Sequence[str]) -> dict[str, Streak]:
        rows = await self.db.fetch(
            "SELECT user_id, current, best, last_round_id FROM member_streaks WHERE team_id = $1", team_id
        )
        wanted = set(user_ids)
        return {
            r["user_id"]: Streak(int(r["current"]), int(r["best"]), r["last_round_id"])
            for r in rows
            if r["user_id"] in wanted
        }

    async def finish_round(self, result: RoundResult) -> bool:
        # One order for every transaction that upserts a team's member rows, so two never deadlock.
        awards = sorted(result.awards, key=lambda a: a.user.user_id)
        async with self.db.transaction() as tx:
            closed = await tx.execute(
                "UPDATE rounds SET state = 'revealed', revealed_at = $2 WHERE id = $1 AND state = 'closing'",
                result.round_id,
                ms(result.revealed_at),
            )
            if closed != 1:
                return False
            if result.reconciled:
                await tx.executemany(
                    "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
                    "VALUES ($1, $2, $3, $4, $5, 'reconciled') ON CONFLICT (round_id, user_id) DO NOTHING",
                    [
                        (a.round_id, a.user.user_id, a.user.name, a.choice.value, ms(a.answered_at))
                        for a in result.reconciled
                    ],
                )
            if not awards:
                await self._count_round(tx, result, 0, 0)
                return True
            await tx.executemany(
                "UPDATE answers SET correct = $3, points = $4 WHERE round_id = $1 AND user_id = $2",
                [(result.round_id, a.user.user_id, int(a.correct), a.points) for a in awards],
            )
            for period in result.periods:
                await tx.executemany(
                    "INSERT INTO member_scores (team_id, period, user_id, display_name, points, answered, "
                    "correct, acc_bp, first_answer_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8) "
                    "ON CONFLICT (team_id, period, user_id) DO UPDATE SET "
                    "display_name = excluded.display_name, "
                    "points = member_scores.points + excluded.points, "
                    "answered = member_scores.answered + 1, "
                    "correct = member_scores.correct + excluded.correct, "
                    "acc_bp = ((member_scores.correct + excluded.correct) * 10000) / (member_scores.answered + 1), "
                    "first_answer_at = CASE WHEN excluded.first_answer_at < member_scores.first_answer_at "
                    "THEN excluded.first_answer_at ELSE member_scores.first_answer_at END",
                    [
                        (
                            result.team_id,
                            period,
                            a.user.user_id,
                            a.user.name,
                            a.points,
                            int(a.correct),
                            10000 if a.correct else 0,
                            ms(a.answered_at),
                        )
                        for a in awards
                    ],
                )
            await tx.executemany(
                "INSERT INTO member_streaks (team_id, user_id, current, best, last_round_id) "
                "VALUES ($1, $2, $3, $3, $4) ON CONFLICT (team_id, user_id) DO UPDATE SET "
                "current = excluded.current, last_round_id = excluded.last_round_id, "
                "best = CASE WHEN excluded.current > member_streaks.best THEN excluded.current "
                "ELSE member_streaks.best END",
                [(result.team_id, a.user.user_id, a.streak, result.round_id) for a in awards],
            )
            await tx.executemany(
                "INSERT INTO member_topics (team_id, user_id, topic, answered, correct) "
                "VALUES ($1, $2, $3, 1, $4) ON CONFLICT (team_id, user_id, topic) DO UPDATE SET "
                "answered = member_topics.answered + 1, correct = member_topics.correct + excluded.correct",
                [(result.team_id, a.user.user_id, result.topic, int(a.correct)) for a in awards],
            )
            right = sum(1 for a in awards if a.correct)
            await tx.execute(
                "INSERT INTO team_topics (team_id, topic, answered, correct) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (team_id, topic) DO UPDATE SET answered = team_topics.answered + excluded.answered, "
                "correct = team_topics.correct + excluded.correct",
                result.team_id,
                result.topic,
                len(awards),
                right,
            )
            await self._count_round(tx, result, len(awards), sum(a.points for a in awards))
            crashpoint("mid-scoring")  # everything written, nothing committed
        return True

    @staticmethod
    async def _count_round(tx: Database, result: RoundResult, answers: int, points: int) -> None:
        for period in result.periods:
            await tx.execute(
                "INSERT INTO team_periods (team_id, period, rounds, answers, points, active_members) "
                "VALUES ($1, $2, 1, $3, $4, 0) ON CONFLICT (team_id, period) DO UPDATE SET "
                "rounds = team_periods.rounds + 1, answers = team_periods.answers + excluded.answers, "
                "points = team_periods.points + excluded.points",
                result.team_id,
                period,
                answers,
                points,
            )
            await tx.execute(
                "UPDATE team_periods SET active_members = (SELECT COUNT(*) FROM member_scores m "
                "WHERE m.team_id = $1 AND m.period = $2) WHERE team_id = $1 AND period = $2",
                result.team_id,
                period,
            )
            await rebuild_buckets(tx, result.team_id, period)

    async def team_topic_accuracy(self, team_id: int) -> dict[str, tuple[int, int]]:
        rows = await self.db.fetch(
            "SELECT topic, answered, correct FROM team_topics WHERE team_id = $1", team_id
        )
        return {r["topic"]: (int(r["answered"]), int(r["correct"])) for r in rows}

    # Boards and stats ------------------------------------------------------------------------------------
    async def top_scores(self, team_id: int, period: str, limit: int) -> list[ScoreRow]:
        rows = await self.db.fetch(
            "SELECT user_id, display_name, points, answered, correct, first_answer_at FROM member_scores "
            f"WHERE team_id = $1 AND period = $2 ORDER BY {_RANK_ORDER} LIMIT $3",
            team_id,
            period,
            limit,
        )
        return [_score(r) for r in rows]

    async def rank_of(self, team_id: int, period: str, user_id: str) -> tuple[int, ScoreRow] | None:
        # One round trip. Members ahead = the buckets with more points or equal points and better accuracy
        # (a few hundred rows at most), plus those in my own bucket ahead on the last tie-breaks.
        row = await self.db.fetchrow(
            "SELECT m.user_id, m.display_name, m.points, m.answered, m.correct, m.first_answer_at, "
            "(SELECT COALESCE(SUM(b.members), 0) FROM score_buckets b WHERE b.team_id = m.team_id "
            "AND b.period = m.period AND (b.points > m.points OR (b.points = m.points AND b.acc_bp > m.acc_bp))"
            ") AS more, "
            "(SELECT COUNT(*) FROM member_scores o WHERE o.team_id = m.team_id AND o.period = m.period "
            "AND o.points = m.points AND o.acc_bp = m.acc_bp AND (o.first_answer_at < m.first_answer_at "
            "OR (o.first_answer_at = m.first_answer_at AND o.user_id < m.user_id))) AS tied_ahead "
            "FROM member_scores m WHERE m.team_id = $1 AND m.period = $2 AND m.user_id = $3",
            team_id,
            period,
            user_id,
        )
        if row is None:
            return None
        return int(row["more"]) + int(row["tied_ahead"]) + 1, _score(row)

    async def team_periods(self, tenant: Tenant, periods: Sequence[str]) -> list[tuple[str, TeamPeriod]]:
        if not periods:
            return []
        marks = _marks(3, periods)
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
        marks = _marks(3, periods)
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

    # Course ----------------------------------------------------------------------------------------------
    async def course_progress(self, user: UserRef) -> CourseProgress | None:
        row = await self.db.fetchrow(
            "SELECT * FROM course_progress WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
            user.platform,
            user.workspace_id,
            user.user_id,
        )
        return _progress(row) if row else None

    async def save_course_progress(self, progress: CourseProgress, now: datetime) -> None:
        user = progress.user
        await self.db.execute(
            "INSERT INTO course_progress (platform, workspace_id, user_id, display_name, lesson_index, "
            "answered_current, correct, timezone, started_at, completed_at, next_lesson_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
            "ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET display_name = excluded.display_name, "
            "lesson_index = excluded.lesson_index, answered_current = excluded.answered_current, "
            "correct = excluded.correct, timezone = excluded.timezone, completed_at = excluded.completed_at, "
            "next_lesson_at = excluded.next_lesson_at",
            user.platform,
            user.workspace_id,
            user.user_id,
            user.name,
            progress.lesson_index,
            int(progress.answered_current),
            progress.correct,
            progress.timezone,
            ms(now),
            ms_or_none(progress.completed_at),
            ms_or_none(progress.next_lesson_at),
        )

    async def advance_lesson(self, progress: CourseProgress) -> bool:
        changed = await self.db.execute(
            "UPDATE course_progress SET lesson_index = lesson_index + 1, answered_current = 0, "
            "next_lesson_at = NULL WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 "
            "AND lesson_index = $4 AND answered_current = 1",
            progress.user.platform,
            progress.user.workspace_id,
            progress.user.user_id,
            progress.lesson_index,
        )
        return changed == 1

    async def due_lessons(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[CourseProgress]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            "SELECT * FROM course_progress WHERE next_lesson_at <= $1 "
            f"AND platform IN ({_marks(3, platforms)}) ORDER BY next_lesson_at LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [_progress(r) for r in rows]

    async def course_roster(self, tenant: Tenant) -> list[CourseProgress]:
        rows = await self.db.fetch(
            "SELECT * FROM course_progress WHERE platform = $1 AND workspace_id = $2 ORDER BY display_name",
            tenant.platform,
            tenant.workspace_id,
        )
        return [_progress(r) for r in rows]

    # Practice --------------------------------------------------------------------------------------------
    async def practice_items(self, user: UserRef) -> list[PracticeItem]:
        rows = await self.db.fetch(
            "SELECT scenario_id, box, due_at FROM practice WHERE platform = $1 AND workspace_id = $2 "
            "AND user_id = $3 ORDER BY due_at, scenario_id",
            user.platform,
            user.workspace_id,
            user.user_id,
        )
        return [PracticeItem(r["scenario_id"], int(r["box"]), from_ms(r["due_at"])) for r in rows]

    async def save_practice(
        self, user: UserRef, scenario_id: str, correct: bool, box: int, due_at: datetime, now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO practice (platform, workspace_id, user_id, scenario_id, box, due_at, attempts, "
            "correct, last_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) "
            "ON CONFLICT (platform, workspace_id, user_id, scenario_id) DO UPDATE SET box = excluded.box, "
            "due_at = excluded.due_at, attempts = practice.attempts + 1, "
            "correct = practice.correct + excluded.correct, last_at = excluded.last_at",
            user.platform,
            user.workspace_id,
            user.user_id,
            scenario_id,
            box,
            ms(due_at),
            int(correct),
            ms(now),
        )

    async def practice_totals(self, user: UserRef) -> tuple[int, int]:
        row = await self.db.fetchrow(
            "SELECT COALESCE(SUM(attempts), 0) AS attempts, COALESCE(SUM(correct), 0) AS correct "
            "FROM practice WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
            user.platform,
            user.workspace_id,
            user.user_id,
        )
        assert row is not None
        return int(row["attempts"]), int(row["correct"])

    # Flags -----------------------------------------------------------------------------------------------
    async def add_flag(self, user: UserRef, scenario_id: str, reason: str, now: datetime) -> bool:
        changed = await self.db.execute(
            "INSERT INTO flags (platform, workspace_id, scenario_id, user_id, reason, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, workspace_id, scenario_id, user_id) "
            "DO NOTHING",
            user.platform,
            user.workspace_id,
            scenario_id,
            user.user_id,
            reason,
            ms(now),
        )
        return changed == 1

    async def open_flags(self, tenant: Tenant) -> list[FlagSummary]:
        rows = await self.db.fetch(
            "SELECT scenario_id, reason FROM flags WHERE platform = $1 AND workspace_id = $2 "
            "ORDER BY scenario_id, created_at",
            tenant.platform,
            tenant.workspace_id,
        )
        grouped: dict[str, list[str]] = {}
        for r in rows:
            grouped.setdefault(r["scenario_id"], []).append(r["reason"])
        return sorted(
            (FlagSummary(sid, len(reasons), tuple(reasons)) for sid, reasons in grouped.items()),
            key=lambda f: (-f.count, f.scenario_id),
        )

    async def clear_flags(self, tenant: Tenant, scenario_id: str) -> int:
        return await self.db.execute(
            "DELETE FROM flags WHERE platform = $1 AND workspace_id = $2 AND scenario_id = $3",
            tenant.platform,
            tenant.workspace_id,
            scenario_id,
        )

    # Installations ---------------------------------------------------------------------------------------
    async def save_installation(self, tenant: Tenant, data: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO installations (platform, workspace_id, data, updated_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (platform, workspace_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            tenant.platform,
            tenant.workspace_id,
            data,
            ms(now),
        )

    async def get_installation(self, tenant: Tenant) -> str | None:
        value = await self.db.fetchval(
            "SELECT data FROM installations WHERE platform = $1 AND workspace_id = $2",
            tenant.platform,
            tenant.workspace_id,
        )
        return None if value is None else str(value)

    async def delete_installation(self, tenant: Tenant) -> None:
        await self.db.execute(
            "DELETE FROM installations WHERE platform = $1 AND workspace_id = $2",
            tenant.platform,
            tenant.workspace_id,
        )

    # People and audit ------------------------------------------------------------------------------------
    async def forget_person(self, user: UserRef) -> int:
        tenant_teams = "SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2"
        args = (user.platform, user.workspace_id, user.user_id)
        removed = 0
        async with self.db.transaction() as tx:
            # Only the boards this person was on need recounting afterwards.
            affected = await tx.fetch(
                f"SELECT team_id, period FROM member_scores WHERE user_id = $3 AND team_id IN ({tenant_teams})",
                *args,
            )
            removed += await tx.execute(
                "DELETE FROM answers WHERE user_id = $3 AND round_id IN "
                f"(SELECT r.id FROM rounds r WHERE r.team_id IN ({tenant_teams}))",
                *args,
            )
            for table in ("member_scores", "member_streaks", "member_topics"):
                removed += await tx.execute(
                    f"DELETE FROM {table} WHERE user_id = $3 AND team_id IN ({tenant_teams})",
                    *args,
                )
            for table in ("course_progress", "practice", "flags"):
                removed += await tx.execute(
                    f"DELETE FROM {table} WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
                    *args,
                )
            # The audit trail keeps what was done, not who did it: an admin cannot erase their own record.
            removed += await tx.execute(
                "UPDATE audit_log SET user_id = 'forgotten-user' "
                "WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
                *args,
            )
            for key in affected:
                team_id, period = int(key["team_id"]), key["period"]
                await tx.execute(
                    "UPDATE team_periods SET "
                    "active_members = (SELECT COUNT(*) FROM member_scores m WHERE m.team_id = $1 AND m.period = $2), "
                    "points = (SELECT COALESCE(SUM(m.points), 0) FROM member_scores m "
                    "WHERE m.team_id = $1 AND m.period = $2), "
                    "answers = (SELECT COALESCE(SUM(m.answered), 0) FROM member_scores m "
                    "WHERE m.team_id = $1 AND m.period = $2) WHERE team_id = $1 AND period = $2",
                    team_id,
                    period,
                )
                await rebuild_buckets(tx, team_id, period)
        return removed

    async def add_audit(self, user: UserRef, action: str, detail: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (platform, workspace_id, user_id, action, detail, at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            user.platform,
            user.workspace_id,
            user.user_id,
            action,
            detail,
            ms(now),
        )

    async def audit_log(self, tenant: Tenant, limit: int) -> list[tuple[datetime, str, str, str]]:
        rows = await self.db.fetch(
            "SELECT at, user_id, action, detail FROM audit_log WHERE platform = $1 AND workspace_id = $2 "
            "ORDER BY at DESC, id DESC LIMIT $3",
            tenant.platform,
            tenant.workspace_id,
            limit,
        )
        return [(from_ms(r["at"]), r["user_id"], r["action"], r["detail"]) for r in rows]
