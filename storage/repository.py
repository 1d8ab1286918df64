"""The one Repository implementation: portable SQL over a Database (SQLite or PostgreSQL).

Each aggregate's queries live in their own mixin (storage/queries/); this class combines them over one
Database. Every statement passes values as parameters; the aggregates the leaderboards read are updated at
reveal, inside the same transaction that closes the round, so a board never needs a scan of every answer.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from storage.answer_batch import AnswerBatchMixin
from storage.db import Database, ms
from storage.queries.admin import AdminQueries, InstallationQueries
from storage.queries.answers import AnswerQueries
from storage.queries.engagement import AchievementQueries, TeamPostQueries
from storage.queries.people import CourseQueries, PracticeQueries
from storage.queries.rounds import RoundQueries
from storage.queries.scores import ScoreQueries, rebuild_buckets
from storage.queries.suggestions import SuggestionQueries
from storage.queries.teams import TeamQueries
from storage.reports import SqlReports

__all__ = ["SqlRepository", "rebuild_buckets"]


class SqlRepository(
    TeamQueries,
    RoundQueries,
    AnswerQueries,
    ScoreQueries,
    CourseQueries,
    PracticeQueries,
    AdminQueries,
    InstallationQueries,
    TeamPostQueries,
    AchievementQueries,
    SuggestionQueries,
    AnswerBatchMixin,  # record_answers: group commit (storage/answer_batch.py)
):
    """Repository over any Database; SqliteRepository and PostgresRepository only choose the driver."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.engine = db.engine
        self._installation_id: str | None = None

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    def reports(self) -> SqlReports:
        """The dashboard's read model over the same database (storage/reports.py)."""
        return SqlReports(self.db)

    async def installation_id(self) -> str:
        # Made on first use rather than by the migration, so a freshly migrated database stays empty and
        # `respbot db copy` can carry the source's id into it. The single-row key makes racing processes
        # agree: whoever inserts first wins, everyone reads the winner. It never changes, so it is cached.
        if self._installation_id is None:
            await self.db.execute(
                "INSERT INTO installation_identity (singleton, installation_id, created_at) "
                "VALUES (1, $1, $2) ON CONFLICT (singleton) DO NOTHING",
                secrets.token_hex(8),
                ms(datetime.now(UTC)),
            )
            value = await self.db.fetchval(
                "SELECT installation_id FROM installation_identity WHERE singleton = 1"
            )
            self._installation_id = str(value)
        return self._installation_id
