"""What people read about scores: a team's boards, the ranking of teams, personal stats and the App Home."""

from __future__ import annotations

from datetime import datetime

from bot.core.achievements import title
from bot.core.events import Tenant, UserRef
from bot.core.leaderboard import TITLES, Period, leader_rows, period_key, rank_teams
from bot.core.messages import Card, HomeCard, LeaderboardCard, StatsCard, TeamRankingCard, TextReply
from bot.core.model import Team
from bot.core.onboarding import Onboarding
from bot.core.ports import Repository
from bot.core.schedule_math import local_date


class Boards:
    def __init__(self, repo: Repository, onboarding: Onboarding) -> None:
        self.repo = repo
        self.onboarding = onboarding

    async def board(
        self, team: Team, period: Period, user_id: str, now: datetime, size: int
    ) -> LeaderboardCard:
        """One team's board for a period in its own zone, with the caller's own row when they are on it."""
        key = period_key(period, local_date(now, team.settings.timezone))
        rows = leader_rows(await self.repo.top_scores(team.id, key, size))
        mine = await self.repo.rank_of(team.id, key, user_id)
        me = leader_rows([mine[1]], mine[0])[0] if mine else None
        return LeaderboardCard(f"{team.name} — {TITLES[period]}", period.value, rows, me)

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
        totals = await self.repo.person_totals(user.tenant, user.user_id)
        weakest = sorted(
            ((topic, correct / answered) for topic, answered, correct in totals.topics if answered),
            key=lambda t: (t[1], t[0]),
        )[:3]
        practice = await self.repo.practice_totals(user) if own else (0, 0)
        course = self.onboarding.progress_line(await self.repo.course_progress(user)) if own else ""
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
            course=course,
            achievements=tuple(
                dict.fromkeys(
                    title(e.code) for e in await self.repo.achievements_of(user.tenant, user.user_id)
                )
            ),
        )

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
