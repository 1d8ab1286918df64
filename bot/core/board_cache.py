"""What the boards read that only changes when a round is scored: a team's top rows and each person's rank
per period, and a person's all-time totals. Kept briefly so fifty people asking for the board after a reveal
cost one read, not fifty.

Also what `stats` shows besides the totals — practice counts, course progress, achievements — dropped for a
person whenever practice or the course saves something of theirs, and for a workspace when a round is scored.

Also each team channel's team (its name and zone), dropped when any team is set up in this process.

Invalidated where the numbers change in this process: when a round of the team is scored (RevealService),
and when a person is forgotten. Another instance sharing the database (PostgreSQL) cannot tell us, so every
entry also expires after TTL: a board read there is at most that old.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cachetools import TTLCache

from bot.core.events import ChannelRef, Tenant
from bot.core.messages import LeaderRow
from bot.core.model import CourseProgress, PersonTotals, Team

#: How old a cached board may be when another instance scored the round.
TTL = timedelta(seconds=60)
#: Boards (team, period, size) and ranks (team, period, person) kept at once.
BOARDS = 5_000
RANKS = 50_000
TOTALS = 50_000
EXTRAS = 50_000
TEAMS = 5_000

BoardKey = tuple[int, str, int]
RankKey = tuple[int, str, str]
TotalsKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class StatsExtras:
    """A person's practice (answered, correct), course progress and achievement codes (earliest first)."""

    practice: tuple[int, int]
    course: CourseProgress | None
    achievements: tuple[str, ...]


class BoardCache:
    def __init__(self, timer: Callable[[], float]) -> None:
        seconds = TTL.total_seconds()
        self.boards: TTLCache[BoardKey, tuple[LeaderRow, ...]] = TTLCache(BOARDS, seconds, timer=timer)
        self.ranks: TTLCache[RankKey, LeaderRow | None] = TTLCache(RANKS, seconds, timer=timer)
        self.totals: TTLCache[TotalsKey, PersonTotals] = TTLCache(TOTALS, seconds, timer=timer)
        self.extras: TTLCache[TotalsKey, StatsExtras] = TTLCache(EXTRAS, seconds, timer=timer)
        #: Team channels → their team (name and zone for board titles and periods); dropped by `setup`.
        self.teams: TTLCache[ChannelRef, Team] = TTLCache(TEAMS, seconds, timer=timer)
        self._team_of_tenant: dict[int, Tenant] = {}

    def note_team(self, team_id: int, tenant: Tenant) -> None:
        self._team_of_tenant[team_id] = tenant

    def forget_team(self, team_id: int) -> None:
        """A round of the team was scored: its boards, its members' ranks and their workspace's totals go."""
        for board in [k for k in self.boards if k[0] == team_id]:
            self.boards.pop(board, None)
        for rank in [k for k in self.ranks if k[0] == team_id]:
            self.ranks.pop(rank, None)
        tenant = self._team_of_tenant.get(team_id)
        if tenant is not None:
            self.forget_tenant(tenant, boards=False)

    def forget_person(self, tenant: Tenant, user_id: str) -> None:
        """Their practice, course progress or achievements changed."""
        self.extras.pop((tenant.platform, tenant.workspace_id, user_id), None)

    def forget_tenant(self, tenant: Tenant, boards: bool = True) -> None:
        """Totals and stats of the workspace's people (and, after a person is forgotten, every board of it)."""
        for cache in (self.totals, self.extras):
            for key in [k for k in cache if k[:2] == (tenant.platform, tenant.workspace_id)]:
                cache.pop(key, None)
        if boards:
            for team_id in [t for t, ten in self._team_of_tenant.items() if ten == tenant]:
                self.forget_team(team_id)

    def clear(self) -> None:
        self.teams.clear()
        self.boards.clear()
        self.ranks.clear()
        self.totals.clear()
        self.extras.clear()
