"""What people read about scores: a team's boards, the ranking of teams, personal stats and the App Home."""

from __future__ import annotations

from datetime import datetime

from bot.core.achievements import title
from bot.core.board_cache import MISSING, BoardCache, Missing, StatsExtras
from bot.core.clock import Clock, SystemClock
from bot.core.events import ChannelRef, Tenant, UserRef
from bot.core.leaderboard import TITLES, Period, leader_rows, period_key, rank_teams
from bot.core.messages import (
    Card,
    HomeCard,
    LeaderboardCard,
    LeaderRow,
    StatsCard,
    TeamRankingCard,
    TextReply,
)
from bot.core.model import PersonTotals, Team
from bot.core.onboarding import Onboarding
from bot.core.ports import Repository
from bot.core.rank_reads import RankReads
from bot.core.schedule_math import local_date


class Boards:
    def __init__(self, repo: Repository, onboarding: Onboarding, clock: Clock | None = None) -> None:
        self.repo = repo
        self.onboarding = onboarding
        timer = clock or SystemClock()
        # Scores change only when a round is scored: the RevealService calls `forget_team` then.
        self.cache = BoardCache(lambda: timer.now().timestamp())
        self.ranks = RankReads(repo)  # people asking at the same moment share one read (rank_reads.py)

    def forget_team(self, team: Team) -> None:
        """A round of the team was scored: its boards, and its workspace's totals and stats (known by the
        team itself, so even when no board of it was read in this process)."""
        self.cache.note_team(team.id, team.channel.tenant)
        self.cache.forget_team(team.id)

    def forget_tenant(self, tenant: Tenant) -> None:
        self.cache.forget_tenant(tenant)

    def forget_person(self, user: UserRef) -> None:
        """Practice or the course saved something of theirs: their `stats` is read again."""
        self.cache.forget_person(user.tenant, user.user_id)

    def forget_teams(self) -> None:
        """A team was set up or changed: names and zones are read again."""
        self.cache.teams.clear()

    async def team_in(self, channel: ChannelRef) -> Team | None:
        """The team of a team channel (a channel without one is never cached: a new setup shows at once)."""
        team = self.cache.teams.get(channel)
        if team is None:
            team = await self.repo.get_team(channel)
            if team is not None:
                self.cache.teams[channel] = team
        return team

    async def board(
        self, team: Team, period: Period, user_id: str, now: datetime, size: int
    ) -> LeaderboardCard:
        """One team's board for a period in its own zone, with the caller's own row when they are on it."""
        key = period_key(period, local_date(now, team.settings.timezone))
        self.cache.note_team(team.id, team.channel.tenant)
        boards, ranks = self.cache.boards, self.cache.ranks
        board_key, rank_key = (team.id, key, size), (team.id, key, user_id)
        rows = boards.get(board_key, None)
        if rows is None:
            stamp = boards.stamp(board_key)  # taken before the read: a reveal meanwhile makes it stale
            rows = boards.put(board_key, leader_rows(await self.repo.top_scores(team.id, key, size)), stamp)
        me = ranks.get(rank_key, MISSING)
        if isinstance(me, Missing):
            stamp = ranks.stamp(rank_key)
            me = ranks.put(rank_key, await self._my_row(team.id, key, user_id), stamp)
        return LeaderboardCard(f"{team.name} — {TITLES[period]}", period.value, rows, me)

    async def _my_row(self, team_id: int, key: str, user_id: str) -> LeaderRow | None:
        mine = await self.ranks.rank_of(team_id, key, user_id)
        return leader_rows([mine[1]], mine[0])[0] if mine else None

    async def _totals(self, tenant: Tenant, user_id: str) -> PersonTotals:
        key = (tenant.platform, tenant.workspace_id, user_id)
        totals = self.cache.totals.get(key, None)
        if totals is None:
            stamp = self.cache.totals.stamp(key)
            totals = self.cache.totals.put(key, await self.repo.person_totals(tenant, user_id), stamp)
        return totals

    async def team_ranking(self, tenant: Tenant, now: datetime) -> Card:
        teams = await self.repo.teams_of(tenant)
        keys = {t.id: period_key(Period.MONTH, local_date(now, t.settings.timezone)) for t in teams}
        rows = [
            p
            for key, p in await self.repo.team_periods(tenant, sorted(set(keys.values())))
            if keys[p.team_id] == key
        ]
        return TeamRankingCard("Teams this month — points per active member", rank_teams(rows))

    async def stats(self, caller: UserRef, target: str | None) -> Card:
        tenant = caller.tenant
        user_id = target or caller.user_id
        name = caller.name
        if target is not None and target != caller.user_id:
            found = await self.repo.find_person(tenant, target)
            if found is None:
                return TextReply("I have no activity for that person in this workspace yet.")
            name = found
        return await self.stats_card(
            UserRef(tenant.platform, tenant.workspace_id, user_id, name), own=target is None
        )

    async def stats_card(self, user: UserRef, own: bool) -> StatsCard:
        totals = await self._totals(user.tenant, user.user_id)
        extras = await self._extras(user)
        weakest = sorted(
            ((topic, correct / answered) for topic, answered, correct in totals.topics if answered),
            key=lambda t: (t[1], t[0]),
        )[:3]
        practice = extras.practice if own else (0, 0)
        return StatsCard(
            name=user.name,
            points=totals.points,
            answered=totals.answered,
            correct=totals.correct,
            current_streak=totals.current_streak,
            best_streak=totals.best_streak,
            weakest_topics=tuple(weakest),
            practice_answered=practice[0],
            practice_correct=practice[1],
            course=self.onboarding.progress_line(extras.course) if own else "",
            achievements=tuple(title(code) for code in extras.achievements),
        )

    async def _extras(self, user: UserRef) -> StatsExtras:
        key = (user.platform, user.workspace_id, user.user_id)
        extras = self.cache.extras.get(key, None)
        if extras is None:
            stamp = self.cache.extras.stamp(key)
            earned = await self.repo.achievements_of(user.tenant, user.user_id)
            found = StatsExtras(
                await self.repo.practice_totals(user),
                await self.repo.course_progress(user),
                tuple(dict.fromkeys(e.code for e in earned)),
            )
            extras = self.cache.extras.put(key, found, stamp)
        return extras

    async def home(self, user: UserRef, now: datetime) -> HomeCard:
        stats = await self.stats_card(user, own=True)
        teams = {t.id: t for t in await self.repo.teams_of(user.tenant)}
        own = [teams[i] for i in await self.repo.teams_of_person(user.tenant, user.user_id) if i in teams]
        boards = [
            await self.board(team, period, user.user_id, now, 5)
            for team in (own or list(teams.values()))[
                :2
            ]  # the person's own teams; else the workspace's first
            for period in (Period.WEEK, Period.ALL)
        ]
        return HomeCard(stats, tuple(boards), stats.course)
