"""What keeps teams playing: once-per-period team posts (reminder, recap, season), achievements, and the
reads the weekly recap and the season post are made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.events import Tenant, UserRef
from bot.core.model import Earned, Round, ScoreRow, Suggestion, TeamPost
from content.schema import Party


class TeamPostStore(Protocol):
    """A team's once-per-period posts, claimed before posting (like rounds) so none is ever posted twice."""

    async def schedule_team_post(self, team_id: int, kind: str, period: str, due_at: datetime) -> None:
        """Note that a post is due (idempotent: an existing row, whatever its state, is left alone)."""
        ...

    async def claim_team_post(
        self, team_id: int, kind: str, period: str, now: datetime, lease_until: datetime
    ) -> bool:
        """Take the post: insert it claimed, or take a due one, or one whose claim lease ran out. False if it
        is posted already or another worker holds it."""
        ...

    async def finish_team_post(self, team_id: int, kind: str, period: str, message_id: str) -> None: ...

    async def due_team_posts(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[TeamPost]:
        """Due posts whose time has come, and claimed ones whose worker vanished (lease over)."""
        ...

    async def team_post(self, team_id: int, kind: str, period: str) -> TeamPost | None: ...

    async def due_reminders(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        """Posted rounds inside their team's reminder lead time, still open, with no reminder yet."""
        ...

    async def answer_count(self, round_id: int) -> int: ...

    async def active_members(self, team_id: int, since: date) -> int:
        """People who answered any of the team's rounds on or after a local date."""
        ...


class AchievementStore(Protocol):
    """Achievements are written by `finish_round` (in its transaction); these read them back."""

    async def achievements_of(self, tenant: Tenant, user_id: str | None) -> list[Earned]:
        """A person's achievements in a tenant's teams (everyone's when `user_id` is None), oldest first."""
        ...

    async def add_achievements(self, earned: Sequence[Earned], local: date) -> None:
        """Achievements earned outside a reveal (the course): each person once per team and code."""
        ...

    async def team_achievements(self, team_id: int, since: date | None = None) -> list[Earned]:
        """A team's achievements (earned in rounds on or after `since`), oldest first."""
        ...

    async def round_achievements(self, round_id: int) -> list[Earned]: ...

    async def team_record(self, team_id: int) -> int:
        """The most right answers in one round of the team so far (0 before any record)."""
        ...

    async def member_topic(
        self, team_id: int, topic: str, user_ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        """user → (answered, correct) in a topic before the round being scored."""
        ...

    async def period_scores(self, team_id: int, period: str) -> list[ScoreRow]:
        """Every member's row of a period (for most improved and perfect weeks)."""
        ...

    async def team_period_rounds(self, team_id: int, period: str) -> int: ...

    async def team_history(
        self, team_id: int, since: date | None = None
    ) -> list[tuple[int, date, str, list[tuple[str, str, bool]]]]:
        """Every scored round of a team in order: (round id, local date, topic, [(user, name, correct)]) —
        what achievements are recomputed from."""
        ...

    async def round_results(
        self, team_id: int, start: date, end: date
    ) -> list[tuple[int, str, str, int, int]]:
        """Scored rounds with local dates in [start, end]: (round id, scenario id, topic, answers, correct)."""
        ...


class SuggestionStore(Protocol):
    """Questions from the team, always scoped by tenant: one workspace never sees another's."""

    async def add_suggestion(
        self, author: UserRef, prompt: str, answer: Party, explanation: str, link: str, now: datetime
    ) -> int: ...

    async def suggestions_since(self, author: UserRef, since: datetime) -> int:
        """How many suggestions a person made since a time (the rate limit)."""
        ...

    async def pending_count(self, author: UserRef) -> int: ...

    async def get_suggestion(self, tenant: Tenant, suggestion_id: int) -> Suggestion | None: ...

    async def suggestions(self, tenant: Tenant, state: str, limit: int) -> list[Suggestion]: ...

    async def decide_suggestion(
        self, tenant: Tenant, suggestion_id: int, state: str, reason: str, reviewer: str, now: datetime
    ) -> bool:
        """pending → approved/rejected, only if still pending (compare-and-set)."""
        ...

    async def edit_suggestion(
        self, tenant: Tenant, suggestion_id: int, prompt: str, answer: Party, explanation: str, link: str
    ) -> bool: ...
