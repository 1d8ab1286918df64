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

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import timedelta

from cachetools import TTLCache

from bot.core.events import ChannelRef, Tenant
from bot.core.messages import LeaderRow
from bot.core.model import CourseProgress, PersonTotals, Team
from bot.core.stamped_cache import StampedCache

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


class Missing:
    """Not cached (a cached rank may itself be None: the person is not on the board)."""


MISSING = Missing()


@dataclass(frozen=True, slots=True)
class StatsExtras:
    """A person's practice (answered, correct), course progress and achievement codes (earliest first)."""

    practice: tuple[int, int]
    course: CourseProgress | None
    achievements: tuple[str, ...]


def _team(key: BoardKey | RankKey) -> tuple[Hashable, ...]:
    return (("team", key[0]),)


def _workspace(key: TotalsKey) -> tuple[Hashable, ...]:
    return (("workspace", key[0], key[1]),)


def _person(key: TotalsKey) -> tuple[Hashable, ...]:
    return (("workspace", key[0], key[1]), ("person", *key))


class BoardCache:
    """Forgetting a team, a workspace or a person is O(1) and safe against reads under way (stamped_cache.py)."""

    def __init__(self, timer: Callable[[], float]) -> None:
        seconds = TTL.total_seconds()
        self.boards: StampedCache[BoardKey, tuple[LeaderRow, ...]] = StampedCache(
            BOARDS, seconds, timer, _team
        )
        self.ranks: StampedCache[RankKey, LeaderRow | None] = StampedCache(RANKS, seconds, timer, _team)
        self.totals: StampedCache[TotalsKey, PersonTotals] = StampedCache(TOTALS, seconds, timer, _workspace)
        self.extras: StampedCache[TotalsKey, StatsExtras] = StampedCache(EXTRAS, seconds, timer, _person)
        #: Team channels → their team (name and zone for board titles and periods); dropped by `setup`.
        self.teams: TTLCache[ChannelRef, Team] = TTLCache(TEAMS, seconds, timer=timer)
        self._team_of_tenant: dict[int, Tenant] = {}

    def note_team(self, team_id: int, tenant: Tenant) -> None:
        self._team_of_tenant[team_id] = tenant

    def forget_team(self, team_id: int) -> None:
        """A round of the team was scored: its boards, its members' ranks and their workspace's totals go."""
        self.boards.forget(("team", team_id))
        self.ranks.forget(("team", team_id))
        tenant = self._team_of_tenant.get(team_id)
        if tenant is not None:
            self.forget_tenant(tenant, boards=False)

    def forget_person(self, tenant: Tenant, user_id: str) -> None:
        """Their practice, course progress or achievements changed."""
        self.extras.forget(("person", tenant.platform, tenant.workspace_id, user_id))

    def forget_tenant(self, tenant: Tenant, boards: bool = True) -> None:
        """Totals and stats of the workspace's people (and, after a person is forgotten, every board of it)."""
        group = ("workspace", tenant.platform, tenant.workspace_id)
        self.totals.forget(group)
        self.extras.forget(group)
        if boards:
            for team_id in [t for t, ten in self._team_of_tenant.items() if ten == tenant]:
                self.forget_team(team_id)

    def clear(self) -> None:
        self.teams.clear()
        self.boards.clear()
        self.ranks.clear()
        self.totals.clear()
        self.extras.clear()
