"""A person's own learning: onboarding course progress and practice boxes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.events import Tenant, UserRef
from bot.core.model import CourseProgress, PracticeItem
from storage.db import from_ms, ms, ms_or_none
from storage.queries.base import SqlStore
from storage.queries.rows import in_marks, to_progress


class CourseQueries(SqlStore):
    """CourseStore over SQL."""

    async def course_progress(self, user: UserRef) -> CourseProgress | None:
        row = await self.db.fetchrow(
            "SELECT * FROM course_progress WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
            user.platform,
            user.workspace_id,
            user.user_id,
        )
        return to_progress(row) if row else None

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
            f"AND platform IN ({in_marks(3, platforms)}) ORDER BY next_lesson_at LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [to_progress(r) for r in rows]

    async def course_roster(self, tenant: Tenant) -> list[CourseProgress]:
        rows = await self.db.fetch(
            "SELECT * FROM course_progress WHERE platform = $1 AND workspace_id = $2 ORDER BY display_name",
            tenant.platform,
            tenant.workspace_id,
        )
        return [to_progress(r) for r in rows]


class PracticeQueries(SqlStore):
    """PracticeStore over SQL."""

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
