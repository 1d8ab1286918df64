"""Answers and what they add up to: the reveal transaction writes, the boards and stats read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.events import Tenant, UserRef
from bot.core.model import PersonTotals, RoundResult, ScoreRow, StoredAnswer, Streak, TeamPeriod
from content.schema import Party


class AnswerStore(Protocol):
    """A round's answers, and the one transaction that scores them."""

    async def record_answer(self, round_id: int, user: UserRef, choice: Party, at: datetime) -> bool:
        """Store a person's first answer while the round is open. False if they had answered already or the
        round no longer takes answers."""
        ...

    async def record_late_answer(self, round_id: int, user: UserRef, choice: Party, at: datetime) -> None:
        """Note a reaction seen live after the close (never scored; keeps reconciliation from counting it)."""
        ...

    async def late_answer_users(self, round_id: int) -> set[str]: ...

    async def get_answer(self, round_id: int, user_id: str) -> StoredAnswer | None: ...

    async def answers_for_round(
        self, round_id: int, platform: str, workspace_id: str
    ) -> list[StoredAnswer]: ...

    async def streaks(self, team_id: int, user_ids: Sequence[str]) -> dict[str, Streak]: ...

    async def finish_round(self, result: RoundResult) -> bool:
        """In one transaction: close the round, store reconciled answers, award points, update every
        aggregate. False (and nothing written) if another worker finished it first."""
        ...

    async def team_topic_accuracy(self, team_id: int) -> dict[str, tuple[int, int]]:
        """topic → (answered, correct) for the team, for weighting the scenario choice."""
        ...


class ScoreStore(Protocol):
    """Leaderboards, personal stats and the export: reads of the aggregates `finish_round` keeps."""

    async def top_scores(self, team_id: int, period: str, limit: int) -> list[ScoreRow]: ...

    async def rank_of(self, team_id: int, period: str, user_id: str) -> tuple[int, ScoreRow] | None: ...

    async def ranks_of(
        self, team_id: int, period: str, user_ids: Sequence[str]
    ) -> dict[str, tuple[int, ScoreRow]]:
        """`rank_of` for several people in one read: those who have no score in the period are left out."""
        ...

    async def team_periods(self, tenant: Tenant, periods: Sequence[str]) -> list[tuple[str, TeamPeriod]]: ...

    async def person_totals(self, tenant: Tenant, user_id: str) -> PersonTotals: ...

    async def teams_of_person(self, tenant: Tenant, user_id: str) -> list[int]:
        """Ids of the tenant's teams in which the person has scored, best first."""
        ...

    async def find_person(self, tenant: Tenant, user_id: str) -> str | None:
        """A person's display name if we know them in this tenant."""
        ...

    async def export_rows(
        self, tenant: Tenant, periods: Sequence[str]
    ) -> list[tuple[str, str, str, int, str, int, int, int]]:
        """(period, user_id, display_name, team_id, team name, answered, correct, points) for a tenant."""
        ...
