"""One person's own learning: the onboarding course and spaced-repetition practice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.events import Tenant, UserRef
from bot.core.model import CourseProgress, PracticeItem


class CourseStore(Protocol):
    """Where each person is in the onboarding course, and when their next lesson is due."""

    async def course_progress(self, user: UserRef) -> CourseProgress | None: ...

    async def save_course_progress(self, progress: CourseProgress, now: datetime) -> None: ...

    async def advance_lesson(self, progress: CourseProgress) -> bool:
        """Move on from an answered lesson, only if nobody did already (compare-and-set on the index)."""
        ...

    async def due_lessons(
        self, now: datetime, limit: int, platforms: Sequence[str]
    ) -> list[CourseProgress]: ...

    async def course_roster(self, tenant: Tenant) -> list[CourseProgress]: ...


class PracticeStore(Protocol):
    """A person's practice boxes (Leitner): which scenario is due again, and how they did."""

    async def practice_items(self, user: UserRef) -> list[PracticeItem]: ...

    async def save_practice(
        self, user: UserRef, scenario_id: str, correct: bool, box: int, due_at: datetime, now: datetime
    ) -> None: ...

    async def practice_totals(self, user: UserRef) -> tuple[int, int]:
        """(attempts, correct) across the person's practice."""
        ...
