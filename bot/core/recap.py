"""The weekly recap and the season post: once-per-period team posts, scheduled at reveal and posted by the
scheduler. Each is claimed in storage before posting and carries an idempotency key, so whatever crashes or
however many instances run, a team gets one recap per week and one season post per month."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from bot.core.achievements import announce
from bot.core.events import Tenant
from bot.core.leaderboard import Period, leader_rows, period_key, rank_teams
from bot.core.messages import RecapCard, SeasonCard, TopicAccuracy
from bot.core.model import WEEKDAYS, Round, Team, TeamPeriod, TeamPost
from bot.core.rounds import BATCH, LEASE, RoundDeps, bounded
from bot.core.schedule_math import local_instant
from bot.core.suggestions import find_scenario

log = logging.getLogger(__name__)

RECAP = "recap"
SEASON = "season"
TREND_WEEKS = 8
#: Most improved needs this many answers in each of the two weeks compared.
IMPROVED_MIN = 2


def week_dates(key: str) -> tuple[date, date]:
    """`w:2026-W48` → its Monday and Sunday."""
    year, week = key.removeprefix("w:").split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


def month_dates(key: str) -> tuple[date, date]:
    """`m:2026-11` → its first and last day."""
    year, month = (int(x) for x in key.removeprefix("m:").split("-"))
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def parse_recap_time(value: str) -> tuple[int, time] | None:
    """`fri 16:00` → (4, 16:00); None for auto/off or anything else."""
    day, _, at = value.partition(" ")
    if day not in WEEKDAYS or not at:
        return None
    return WEEKDAYS.index(day), time.fromisoformat(at)


def participation(p: TeamPeriod) -> float:
    possible = p.rounds * p.active_members
    return p.answers / possible if possible else 0.0


def lesson_line(explanation: str) -> str:
    """The first sentence: the one-line lesson."""
    first = explanation.strip().split(". ")[0].strip()
    return first if first.endswith(".") else first + "."


class RecapService:
    def __init__(self, deps: RoundDeps) -> None:
        self.deps = deps

    async def schedule_after_reveal(self, team: Team, rnd: Round, now: datetime) -> None:
        """Called before a round's reveal is posted (so a crash can't lose it): note the week's recap when
        this is the team's last round of the week (or at its fixed time), and the season post when this is
        the first round of a new month."""
        repo = self.deps.repo
        week = period_key(Period.WEEK, rnd.local_date)
        fixed = parse_recap_time(team.settings.recap)
        if fixed is not None:
            monday, _ = week_dates(week)
            at = local_instant(monday + timedelta(days=fixed[0]), fixed[1], team.settings.timezone)
            await repo.schedule_team_post(team.id, RECAP, week, at)
        elif team.settings.recap == "auto":
            upcoming = team.next_post_date
            if upcoming is None or period_key(Period.WEEK, upcoming) != week:
                await repo.schedule_team_post(team.id, RECAP, week, now)
        if team.settings.season:
            before = await repo.previous_round(team.id, rnd.local_date)
            month = period_key(Period.MONTH, rnd.local_date)
            if before is not None and period_key(Period.MONTH, before.local_date) != month:
                await repo.schedule_team_post(
                    team.id, SEASON, period_key(Period.MONTH, before.local_date), now
                )

    async def post_due(self, now: datetime) -> int:
        posts = await self.deps.repo.due_team_posts(now, BATCH, self.deps.platforms)
        return sum(await bounded(posts, lambda post: self._post_one(post, now)))

    async def _post_one(self, due: TeamPost, now: datetime) -> bool:
        try:
            return await self.post(due, now)
        except Exception:
            log.exception(
                "the %s post of team %s failed; retried when its claim runs out",
                due.kind,
                due.team_id,
                extra={"team_id": due.team_id},
            )
            return False

    async def post(self, due: TeamPost, now: datetime) -> bool:
        repo = self.deps.repo
        if not await repo.claim_team_post(due.team_id, due.kind, due.period, now, now + LEASE):
            return False
        team = await repo.get_team_by_id(due.team_id)
        off = team is None or (due.kind == RECAP and team.settings.recap == "off")
        if team is None or off or (due.kind == SEASON and not team.settings.season):
            await repo.finish_team_post(due.team_id, due.kind, due.period, "-")
            return False
        card = await (self.recap(team, due.period) if due.kind == RECAP else self.season(team, due.period))
        key = f"{due.kind}-{await repo.installation_id()}-{team.id}-{due.period}"
        self.deps.crash(f"before-{due.kind}")
        posted = await self.deps.adapters[team.channel.platform].post_card(team.channel, card, key)
        self.deps.crash(f"after-{due.kind}")
        await repo.finish_team_post(team.id, due.kind, due.period, posted.message_id)
        log.info("posted the %s %s of team %s", due.period, due.kind, team.id, extra={"team_id": team.id})
        return True

    async def recap(self, team: Team, week: str) -> RecapCard:
        repo = self.deps.repo
        monday, sunday = week_dates(week)
        results = await repo.round_results(team.id, monday, sunday)
        topics: dict[str, tuple[int, int]] = {}
        for _rid, _sid, topic, answers, right in results:
            a, c = topics.get(topic, (0, 0))
            topics[topic] = (a + answers, c + right)
        ranked, mine, trend = await self._participation(team, week)
        missed, lesson = await self._most_missed(team, results)
        earned = await repo.team_achievements(team.id, monday)
        return RecapCard(
            team_name=team.name,
            week=week.removeprefix("w:"),
            top=leader_rows(await repo.top_scores(team.id, week, 5)),
            most_improved=await self._most_improved(team, week, monday),
            topics=tuple(TopicAccuracy(t, a, c) for t, (a, c) in sorted(topics.items())),
            participation=participation(mine) if mine else 0.0,
            trend=trend,
            most_missed=missed,
            lesson=lesson,
            rank=ranked[0],
            teams=ranked[1],
            achievements=announce((e.display_name, e.code) for e in earned if e.awarded_at.date() <= sunday),
            rounds=mine.rounds if mine else 0,
            answers=mine.answers if mine else 0,
        )

    async def _participation(
        self, team: Team, week: str
    ) -> tuple[tuple[int, int], TeamPeriod | None, tuple[tuple[str, float], ...]]:
        """(rank, teams) in the workspace this week, the team's own week, and its 8-week trend."""
        monday, _ = week_dates(week)
        keys = [period_key(Period.WEEK, monday - timedelta(weeks=n)) for n in range(TREND_WEEKS - 1, -1, -1)]
        rows = await self.deps.repo.team_periods(
            Tenant(team.channel.platform, team.channel.workspace_id), keys
        )
        this_week = [p for key, p in rows if key == week]
        mine = next((p for p in this_week if p.team_id == team.id), None)
        ranked = rank_teams(this_week)
        rank = next(
            (r.rank for r in ranked if mine and r.team == mine.team_name and r.points == mine.points), 0
        )
        own = {key: p for key, p in rows if p.team_id == team.id}
        trend = tuple((key.split("-")[-1], participation(own[key]) if key in own else 0.0) for key in keys)
        return (rank, len(ranked)), mine, trend

    async def _most_missed(
        self, team: Team, results: list[tuple[int, str, str, int, int]]
    ) -> tuple[str, str]:
        answered = [r for r in results if r[3] > 0]
        if not answered:
            return "", ""
        worst = min(answered, key=lambda r: (r[4] / r[3], -r[3], r[0]))
        scenario = await find_scenario(
            self.deps.repo, self.deps.content.scenarios, team.channel.tenant, worst[1]
        )
        if scenario is None:
            return "", ""
        share = f"{worst[4]} of {worst[3]} right"
        return f"{scenario.prompt} ({share})", lesson_line(scenario.explanation)

    async def _most_improved(self, team: Team, week: str, monday: date) -> str:
        before = period_key(Period.WEEK, monday - timedelta(weeks=1))
        now_rows = {r.user_id: r for r in await self.deps.repo.period_scores(team.id, week)}
        then_rows = {r.user_id: r for r in await self.deps.repo.period_scores(team.id, before)}
        gains = []
        for uid, row in now_rows.items():
            old = then_rows.get(uid)
            if old is None or row.answered < IMPROVED_MIN or old.answered < IMPROVED_MIN:
                continue
            gain = row.correct / row.answered - old.correct / old.answered
            if gain > 0:
                gains.append((-gain, row.display_name, uid))
        if not gains:
            return ""
        gain, name, _ = min(gains)
        return f"{name} (+{-gain * 100:.0f} points of accuracy)"

    async def season(self, team: Team, month: str) -> SeasonCard:
        repo = self.deps.repo
        first, last = month_dates(month)
        rows = await repo.period_scores(team.id, month)
        answered = sum(r.answered for r in rows)
        correct = sum(r.correct for r in rows)
        return SeasonCard(
            team_name=team.name,
            season=f"{first:%B %Y}",
            top=leader_rows(rows[:3]),
            accuracy=correct / answered if answered else 0.0,
            rounds=await repo.team_period_rounds(team.id, month),
            best_streak=await self._best_streak(team, first, last),
        )

    async def _best_streak(self, team: Team, first: date, last: date) -> tuple[str, int] | None:
        """The longest run of consecutive team rounds answered within the month."""
        history = [h for h in await self.deps.repo.team_history(team.id, first) if h[1] <= last]
        runs: dict[str, tuple[int, int, str]] = {}  # user → (run, last index, name)
        best: tuple[int, str] | None = None
        for index, (_rid, _day, _topic, answers) in enumerate(history):
            for user, name, _correct in answers:
                run, at, _ = runs.get(user, (0, -2, name))
                run = run + 1 if at == index - 1 else 1
                runs[user] = (run, index, name)
                if best is None or (run, name) > best:
                    best = (run, name)
        return (best[1], best[0]) if best else None
