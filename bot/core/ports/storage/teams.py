"""Teams and their rounds: what the scheduler and the posting service read and move on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.events import ChannelRef, Tenant
from bot.core.model import Round, RoundState, Team, TeamSettings


class TeamStore(Protocol):
    """One team per channel: its settings, pause state and next post time."""

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


class RoundStore(Protocol):
    """One round per team and local date, from claim to reveal; every state change is compare-and-set."""

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
