"""The dashboard's read model on both backends, checked against straightforward SQL over the stored answers
(not the aggregates the read model uses), and never leaking another workspace's rows."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.leaderboard import Period, period_key
from bot.core.ports import Repository
from bot.dashboard import pages
from bot.dashboard.wiring import sql_reports
from storage.db import Database
from storage.repository import SqlRepository
from tests.dashboard.seed import NOW, START, A, B, seed


def _db(repo: Repository) -> Database:
    assert isinstance(repo, SqlRepository)
    return repo.db


async def _truth(db: Database, team_id: int, since: str = "0000") -> tuple[int, int, int]:
    row = await db.fetchrow(
        "SELECT COUNT(*) AS n, COALESCE(SUM(a.correct), 0) AS c, COUNT(DISTINCT a.user_id) AS p "
        "FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.team_id = $1 AND r.local_date >= $2",
        team_id,
        since,
    )
    assert row is not None
    return int(row["n"]), int(row["c"]), int(row["p"])


async def test_team_accuracy_and_members_match_the_answers(repo: Repository) -> None:
    seeded = await seed(repo)
    reports = sql_reports(repo)
    accuracy = {a.team_id: (a.answered, a.correct) for a in await reports.team_accuracy(A)}
    assert set(accuracy) == {seeded.teams["Platform team"], seeded.teams["Data team"]}
    for name in ("Platform team", "Data team"):
        n, c, _ = await _truth(_db(repo), seeded.teams[name])
        assert accuracy[seeded.teams[name]] == (n, c)
    assert await reports.tenants() == [A, B]


async def test_weekly_activity_matches_the_answers_of_each_week(repo: Repository) -> None:
    seeded = await seed(repo)
    reports = sql_reports(repo)
    weeks = pages.recent_weeks(NOW.date(), 5)
    activity = {a.period: a for a in await reports.period_activity(A, weeks)}
    assert len(activity) == 4  # June 2026: weeks 23-26 have rounds, week 22 has none
    db = _db(repo)
    for offset in range(4):
        monday = START + timedelta(weeks=offset)
        row = await db.fetchrow(
            "SELECT COUNT(*) AS n, SUM(a.correct) AS c, COUNT(DISTINCT a.user_id) AS p, "
            "COUNT(DISTINCT r.id) AS rounds FROM answers a JOIN rounds r ON r.id = a.round_id "
            "JOIN teams t ON t.id = r.team_id WHERE t.workspace_id = $1 AND r.local_date >= $2 AND r.local_date < $3",
            A.workspace_id,
            monday.isoformat(),
            (monday + timedelta(days=7)).isoformat(),
        )
        assert row is not None
        week = activity[period_key(Period.WEEK, monday)]
        assert (week.answered, week.correct, week.participants) == (
            int(row["n"]),
            int(row["c"]),
            int(row["p"]),
        )
        assert week.rounds == int(row["rounds"])
    team = seeded.teams["Data team"]
    one = {a.period: a for a in await reports.period_activity(A, weeks, team)}
    n, c, p = await _truth(db, team, START.isoformat())
    assert sum(a.answered for a in one.values()) == n and sum(a.correct for a in one.values()) == c


async def test_board_topics_hardest_and_streaks(repo: Repository) -> None:
    seeded = await seed(repo)
    reports, db = sql_reports(repo), _db(repo)
    board = await reports.period_board(A, "m:2026-06", 100)
    rows = await db.fetch(
        "SELECT a.user_id, SUM(a.points) AS pts FROM answers a JOIN rounds r ON r.id = a.round_id "
        "JOIN teams t ON t.id = r.team_id WHERE t.workspace_id = $1 GROUP BY a.user_id",
        A.workspace_id,
    )
    assert {b.user_id: b.points for b in board} == {r["user_id"]: int(r["pts"]) for r in rows}
    assert [b.points for b in board] == sorted((b.points for b in board), reverse=True)
    team = seeded.teams["Platform team"]
    days = await reports.topic_days(A, team, START)
    n, c, _ = await _truth(db, team)
    assert (sum(d.answered for d in days), sum(d.correct for d in days)) == (n, c)
    hardest = await reports.hardest_questions(A, team, 10, 1)
    rates = [q.correct / q.answered for q in hardest]
    assert rates == sorted(rates) and sum(q.answered for q in hardest) == n
    streaks = await reports.streak_leaders(A, team, 10)
    assert streaks and all(s.best >= s.current for s in streaks)
    assert [s.current for s in streaks] == sorted((s.current for s in streaks), reverse=True)


async def test_a_team_of_another_workspace_reads_as_nothing(repo: Repository) -> None:
    seeded = await seed(repo)
    reports = sql_reports(repo)
    other = seeded.teams["Other company"]
    assert await reports.topic_days(A, other, date(2000, 1, 1)) == []
    assert await reports.hardest_questions(A, other, 10, 1) == []
    assert await reports.streak_leaders(A, other, 10) == []
    assert await reports.period_activity(A, ["all"], other) == []
    assert await pages.team_page(repo, reports, A, other, NOW) is None
    assert all(
        b.user_id.startswith(("Uplatform", "Udata")) for b in await reports.period_board(A, "all", 100)
    )
    assert sorted(r.display_name for r in await reports.course_rows(A)) == ["=Dan", "Ada", "Ben", "Cleo"]
    assert [r.display_name for r in await reports.course_rows(B)] == ["Other Person"]


async def test_latest_activity_and_empty_workspace(repo: Repository) -> None:
    await seed(repo)
    reports = sql_reports(repo)
    latest = await reports.latest_activity(A)
    assert latest is not None and latest.date() == date(2026, 6, 26)
    nobody = type(A)("slack", "TNOBODY")
    assert await reports.latest_activity(nobody) is None
    assert await reports.period_activity(nobody, ["all"]) == []
    assert await reports.team_accuracy(nobody) == []
