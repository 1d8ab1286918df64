"""The dashboard's read model: the few aggregate queries its pages need, as typed rows.

Kept apart from the Repository because nothing in the bot's daily cycle uses them, and every query is scoped
to one tenant (or to a team the caller has already checked belongs to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.events import Tenant


@dataclass(frozen=True, slots=True)
class TeamAccuracy:
    team_id: int
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class PeriodActivity:
    """One period (`all`, `m:2026-06`, `w:2026-W23`) of a workspace or a team, from the reveal aggregates."""

    period: str
    rounds: int
    participants: int  # distinct people who answered at least once
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class BoardRow:
    user_id: str
    display_name: str
    points: int
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class TopicDay:
    """Scored answers of one team on one topic on one local date."""

    topic: str
    local_date: date
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class QuestionStat:
    scenario_id: str
    topic: str
    rounds: int
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class StreakLeader:
    user_id: str
    display_name: str
    current: int  # 0 unless the person answered the team's latest scored round
    best: int


@dataclass(frozen=True, slots=True)
class CourseRow:
    user_id: str
    display_name: str
    lesson_index: int
    answered_current: bool
    correct: int
    started_at: datetime
    completed_at: datetime | None


class Reports(Protocol):
    async def tenants(self) -> list[Tenant]:
        """Every workspace the database holds anything about (for the operator command)."""
        ...

    async def latest_activity(self, tenant: Tenant) -> datetime | None:
        """When the tenant last had a round scored, an admin action or a course start (None: never)."""
        ...

    async def team_accuracy(self, tenant: Tenant) -> list[TeamAccuracy]:
        """All-time scored answers and correct ones per team of the tenant."""
        ...

    async def period_activity(
        self, tenant: Tenant, periods: Sequence[str], team_id: int | None = None
    ) -> list[PeriodActivity]:
        """Rounds, participants and answers of the given periods (those that have any, in the order asked),
        for the whole tenant or one of its teams. Participants are distinct people across teams."""
        ...

    async def period_board(self, tenant: Tenant, period: str, limit: int) -> list[BoardRow]:
        """The tenant's people by points summed over their teams in one period."""
        ...

    async def topic_days(self, tenant: Tenant, team_id: int, since: date) -> list[TopicDay]: ...

    async def hardest_questions(
        self, tenant: Tenant, team_id: int, limit: int, min_answers: int
    ) -> list[QuestionStat]:
        """Scenarios the team got wrong most often (lowest accuracy first)."""
        ...

    async def streak_leaders(self, tenant: Tenant, team_id: int, limit: int) -> list[StreakLeader]: ...

    async def course_rows(self, tenant: Tenant) -> list[CourseRow]:
        """Everyone who started the onboarding course, by name."""
        ...
