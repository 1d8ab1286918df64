"""Answers and the reveal transaction that scores them and updates every aggregate the boards read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.events import UserRef
from bot.core.model import RoundResult, StoredAnswer, Streak
from bot.faults import crashpoint
from content.schema import Party
from storage.db import from_ms, ms
from storage.queries.base import SqlStore
from storage.queries.engagement import insert_achievements
from storage.queries.scoring import award, count_round

_RECORD_ANSWER = (
    "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
    "SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS BIGINT), 'live' "
    "WHERE EXISTS (SELECT 1 FROM rounds WHERE id = $1 AND state IN ('claimed', 'posted')) "
    "ON CONFLICT (round_id, user_id) DO NOTHING"
)
_RECORD_ANSWER_LOCKED = _RECORD_ANSWER.replace("'posted')) ", "'posted') FOR SHARE) ")


class AnswerQueries(SqlStore):
    """AnswerStore over SQL."""

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
            if result.achievements:
                await insert_achievements(
                    tx, result.achievements, result.local_date or result.revealed_at.date()
                )
            if not awards:
                await count_round(tx, result, 0, 0)
                return True
            await award(tx, result, awards)
            await count_round(tx, result, len(awards), sum(a.points for a in awards))
            crashpoint("mid-scoring")  # everything written, nothing committed
        return True

    async def team_topic_accuracy(self, team_id: int) -> dict[str, tuple[int, int]]:
        rows = await self.db.fetch(
            "SELECT topic, answered, correct FROM team_topics WHERE team_id = $1", team_id
        )
        return {r["topic"]: (int(r["answered"]), int(r["correct"])) for r in rows}
