"""Periods and boards. Aggregates are keyed by period: `all`, `w:2026-W48` (ISO week), `m:2026-11`.

Ranking within a team: points, then accuracy, then the earliest first answer in the period.
Ranking of teams in a workspace: points per active member (a member who answered at least once in the
period), so a big team does not win by size; participation = answers ÷ (rounds × active members).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.core.messages import LeaderRow, TeamRow
from bot.core.model import ScoreRow, TeamPeriod


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


TITLES = {Period.WEEK: "This week", Period.MONTH: "This month", Period.ALL: "All time"}


def period_key(period: Period, d: date) -> str:
    if period is Period.WEEK:
        year, week, _ = d.isocalendar()
        return f"w:{year}-W{week:02d}"
    if period is Period.MONTH:
        return f"m:{d.year}-{d.month:02d}"
    return "all"


def period_keys(d: date) -> tuple[str, ...]:
    """Every aggregate a round on local date `d` counts in."""
    return tuple(period_key(p, d) for p in (Period.ALL, Period.WEEK, Period.MONTH))


def leader_rows(rows: list[ScoreRow], start_rank: int = 1) -> tuple[LeaderRow, ...]:
    return tuple(
        LeaderRow(start_rank + i, r.user_id, r.display_name, r.points, r.answered, r.correct)
        for i, r in enumerate(rows)
    )


def rank_teams(periods: list[TeamPeriod]) -> tuple[TeamRow, ...]:
    def per_member(p: TeamPeriod) -> float:
        return p.points / p.active_members if p.active_members else 0.0

    def participation(p: TeamPeriod) -> float:
        possible = p.rounds * p.active_members
        return p.answers / possible if possible else 0.0

    ordered = sorted(periods, key=lambda p: (-per_member(p), -participation(p), p.team_name, p.team_id))
    return tuple(
        TeamRow(i + 1, p.team_name, p.points, p.active_members, round(per_member(p), 1), participation(p))
        for i, p in enumerate(ordered)
    )
