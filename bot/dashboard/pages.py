"""What each page shows, assembled from the read model: plain values the templates only lay out.

Kept free of HTTP so the numbers can be checked against the database without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.events import Tenant
from bot.core.leaderboard import Period, period_key, rank_teams
from bot.core.messages import TeamRow
from bot.core.model import Team
from bot.core.ports import Repository
from bot.core.ports.reports import BoardRow, PeriodActivity, QuestionStat, Reports, StreakLeader, TopicDay
from bot.core.schedule_math import local_date

WEEKS_SHOWN = 12
HEATMAP_WEEKS = 8


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def recent_weeks(today: date, count: int) -> list[str]:
    """The ISO week keys of the last `count` weeks up to `today`'s, oldest first."""
    return [period_key(Period.WEEK, today - timedelta(weeks=i)) for i in reversed(range(count))]


@dataclass(frozen=True, slots=True)
class WeekLine:
    period: str
    rounds: int
    participants: int
    answered: int
    correct: int
    participation: float | None  # participants ÷ people known in the workspace (or team)
    accuracy: float | None

    @property
    def label(self) -> str:
        return self.period.removeprefix("w:")


@dataclass(frozen=True, slots=True)
class TeamLine:
    id: int
    name: str
    paused: bool
    members: int  # people who ever answered in the team
    answered: int
    accuracy: float | None
    month_active: int
    month_points: int


@dataclass(frozen=True, slots=True)
class Overview:
    teams: list[TeamLine]
    known_members: int
    active_this_month: int
    month: str
    weeks: list[WeekLine]
    board: list[BoardRow]
    ranking: tuple[TeamRow, ...]


def week_lines(activity: Sequence[PeriodActivity], weeks: Sequence[str], known: int) -> list[WeekLine]:
    found = {a.period: a for a in activity}
    first = next((i for i, w in enumerate(weeks) if w in found), 0)  # no empty weeks before the first round
    lines = []
    for w in weeks[first:]:
        a = found.get(w, PeriodActivity(w, 0, 0, 0, 0))
        lines.append(
            WeekLine(
                w,
                a.rounds,
                a.participants,
                a.answered,
                a.correct,
                ratio(a.participants, known),
                ratio(a.correct, a.answered),
            )  # fmt: skip
        )
    return lines


def _team_months(teams: Sequence[Team], now: datetime) -> dict[int, str]:
    """Each team's current month in its own time zone (the boards' convention)."""
    return {t.id: period_key(Period.MONTH, local_date(now, t.settings.timezone)) for t in teams}


async def overview(
    repo: Repository, reports: Reports, tenant: Tenant, now: datetime, today: date
) -> Overview:
    teams = await repo.teams_of(tenant)
    months = _team_months(teams, now)
    month = period_key(Period.MONTH, today)
    keys = sorted({"all", month, *months.values()})
    periods = await repo.team_periods(tenant, keys)
    alltime = {p.team_id: p for key, p in periods if key == "all"}
    this_month = {p.team_id: p for key, p in periods if months.get(p.team_id) == key}
    accuracy = {a.team_id: a for a in await reports.team_accuracy(tenant)}
    weeks = recent_weeks(today, WEEKS_SHOWN)
    activity = {a.period: a for a in await reports.period_activity(tenant, ["all", month, *weeks])}
    known = activity["all"].participants if "all" in activity else 0
    lines = []
    for t in teams:
        acc = accuracy.get(t.id)
        lines.append(
            TeamLine(
                t.id,
                t.name,
                t.paused,
                alltime[t.id].active_members if t.id in alltime else 0,
                acc.answered if acc else 0,
                ratio(acc.correct, acc.answered) if acc else None,
                this_month[t.id].active_members if t.id in this_month else 0,
                this_month[t.id].points if t.id in this_month else 0,
            )
        )
    return Overview(
        teams=lines,
        known_members=known,
        active_this_month=activity[month].participants if month in activity else 0,
        month=month.removeprefix("m:"),
        weeks=week_lines(list(activity.values()), weeks, known),
        board=await reports.period_board(tenant, month, 10),
        ranking=rank_teams(list(this_month.values())),
    )


@dataclass(frozen=True, slots=True)
class HeatCell:
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def level(self) -> int:
        """0 (mostly wrong) … 4 (mostly right): a CSS class; the number is always printed too."""
        return min(4, int(self.accuracy * 5))


@dataclass(frozen=True, slots=True)
class Heatmap:
    weeks: list[str]
    rows: list[tuple[str, list[HeatCell | None]]]  # topic, one cell per week (None: not asked)


def heatmap(days: Sequence[TopicDay], weeks: Sequence[str]) -> Heatmap:
    cells: dict[tuple[str, str], HeatCell] = {}
    for d in days:
        key = (d.topic, period_key(Period.WEEK, d.local_date))
        old = cells.get(key, HeatCell(0, 0))
        cells[key] = HeatCell(old.answered + d.answered, old.correct + d.correct)
    topics = sorted({t for t, w in cells if w in weeks})
    return Heatmap(list(weeks), [(t, [cells.get((t, w)) for w in weeks]) for t in topics])


@dataclass(frozen=True, slots=True)
class TeamPage:
    team: Team
    members: int
    answered: int
    accuracy: float | None
    heatmap: Heatmap
    weeks: list[WeekLine]
    hardest: list[QuestionStat]
    streaks: list[StreakLeader]


async def team_page(
    repo: Repository, reports: Reports, tenant: Tenant, team_id: int, now: datetime
) -> TeamPage | None:
    """The team's page, or None when the team does not exist *in this tenant*."""
    team = await repo.get_team_by_id(team_id)
    if team is None or team.channel.tenant != tenant:
        return None
    team_today = local_date(now, team.settings.timezone)  # the team's weeks, as its rounds are dated
    weeks = recent_weeks(team_today, WEEKS_SHOWN)
    activity = await reports.period_activity(tenant, ["all", *weeks], team_id)
    alltime = next((a for a in activity if a.period == "all"), PeriodActivity("all", 0, 0, 0, 0))
    heat_weeks = weeks[-HEATMAP_WEEKS:]
    monday = team_today - timedelta(days=team_today.weekday(), weeks=HEATMAP_WEEKS - 1)
    return TeamPage(
        team=team,
        members=alltime.participants,
        answered=alltime.answered,
        accuracy=ratio(alltime.correct, alltime.answered),
        heatmap=heatmap(await reports.topic_days(tenant, team_id, monday), heat_weeks),
        weeks=week_lines(activity, weeks, alltime.participants),
        hardest=await reports.hardest_questions(tenant, team_id, 10, 1),
        streaks=await reports.streak_leaders(tenant, team_id, 10),
    )
