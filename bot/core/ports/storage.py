"""The Repository: typed domain methods the core uses; every backend implements all of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.events import ChannelRef, Tenant, UserRef
from bot.core.model import (
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
from content.schema import Party


class Repository(Protocol):
    engine: str

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database does not answer (for /healthz)."""
        ...

    # Teams -----------------------------------------------------------------------------------------------
    async def save_team(
        self,
        channel: ChannelRef,
        name: str,
        settings: TeamSettings,
        next_post: tuple[date, datetime] | None,
        now: datetime,
    ) -> Team:
        """Create or update the team of a channel (setup). Keeps `paused` as it was."""
        ...

    async def get_team(self, channel: ChannelRef) -> Team | None: ...

    async def get_team_by_id(self, team_id: int) -> Team | None: ...

    async def teams_of(self, tenant: Tenant) -> list[Team]: ...

    async def set_paused(
        self, team_id: int, paused: bool, next_post: tuple[date, datetime] | None
    ) -> None: ...

    async def due_teams(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Team]:
        """Teams not paused whose next post time has come."""
        ...

    async def advance_team(
        self, team_id: int, expected: date, next_post: tuple[date, datetime] | None
    ) -> bool:
        """Move the team's next post on, only if it is still at `expected` (compare-and-set)."""
        ...

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
        """Insert the (team, local date) round; None if one exists already. Claimed before posting."""
        ...

    async def get_round(self, round_id: int) -> Round | None: ...

    async def round_on(self, team_id: int, local_date: date) -> Round | None: ...

    async def round_for_post(self, channel: ChannelRef, message_id: str) -> Round | None: ...

    async def take_lease(self, round_id: int, now: datetime, until: datetime) -> bool:
        """Take the round's work lease if nobody holds an unexpired one."""
        ...

    async def mark_posted(self, round_id: int, message_id: str, posted_at: datetime) -> bool: ...

    async def set_round_state(
        self, round_id: int, expected: RoundState, new: RoundState, lease_until: datetime | None
    ) -> bool: ...

    async def stale_claims(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        """Claimed rounds whose lease ran out: the post may or may not exist (crash recovery)."""
        ...

    async def due_reveals(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        """Rounds past their window to score, or scored rounds whose reveal message is still missing."""
        ...

    async def mark_reveal_posted(self, round_id: int, message_id: str) -> None: ...

    async def team_scenarios(self, team_id: int) -> list[str]:
        """Scenario ids this team has had, oldest first."""
        ...

    async def previous_round(self, team_id: int, before: date) -> Round | None:
        """The team's last scored round before a date (for streaks)."""
        ...

    # Answers and scoring ---------------------------------------------------------------------------------
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

    # Boards and stats ------------------------------------------------------------------------------------
    async def top_scores(self, team_id: int, period: str, limit: int) -> list[ScoreRow]: ...

    async def rank_of(self, team_id: int, period: str, user_id: str) -> tuple[int, ScoreRow] | None: ...

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

    # Course ----------------------------------------------------------------------------------------------
    async def course_progress(self, user: UserRef) -> CourseProgress | None: ...

    async def save_course_progress(self, progress: CourseProgress, now: datetime) -> None: ...

    async def advance_lesson(self, progress: CourseProgress) -> bool:
        """Move on from an answered lesson, only if nobody did already (compare-and-set on the index)."""
        ...

    async def due_lessons(
        self, now: datetime, limit: int, platforms: Sequence[str]
    ) -> list[CourseProgress]: ...

    async def course_roster(self, tenant: Tenant) -> list[CourseProgress]: ...

    # Practice --------------------------------------------------------------------------------------------
    async def practice_items(self, user: UserRef) -> list[PracticeItem]: ...

    async def save_practice(
        self, user: UserRef, scenario_id: str, correct: bool, box: int, due_at: datetime, now: datetime
    ) -> None: ...

    async def practice_totals(self, user: UserRef) -> tuple[int, int]:
        """(attempts, correct) across the person's practice."""
        ...

    # Flags -----------------------------------------------------------------------------------------------
    async def add_flag(self, user: UserRef, scenario_id: str, reason: str, now: datetime) -> bool: ...

    async def open_flags(self, tenant: Tenant) -> list[FlagSummary]: ...

    async def clear_flags(self, tenant: Tenant, scenario_id: str) -> int: ...

    # Installations (Slack OAuth) -------------------------------------------------------------------------
    async def save_installation(self, tenant: Tenant, data: str, now: datetime) -> None:
        """Store a platform installation (JSON text) for a workspace, replacing any earlier one."""
        ...

    async def get_installation(self, tenant: Tenant) -> str | None: ...

    async def delete_installation(self, tenant: Tenant) -> None: ...

    # People and audit ------------------------------------------------------------------------------------
    async def forget_person(self, user: UserRef) -> int:
        """Remove every row about a person in a tenant; return how many rows went."""
        ...

    async def add_audit(self, user: UserRef, action: str, detail: str, now: datetime) -> None: ...

    async def audit_log(self, tenant: Tenant, limit: int) -> list[tuple[datetime, str, str, str]]: ...
