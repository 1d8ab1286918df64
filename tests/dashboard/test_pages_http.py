"""The numbers on each page, read from the HTML without JavaScript, against SQL over the stored answers."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.dashboard.conftest import Served
from tests.dashboard.html_tables import read
from tests.dashboard.seed import A
from tests.dashboard.test_access_http import login, page


@pytest.fixture
async def client(served: Served) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await login(session, await served.link())
        yield session


async def _get(served: Served, client: aiohttp.ClientSession, path: str, status: int = 200) -> str:
    got, html = await page(client, served.base + "/dashboard" + path)
    assert got == status, html
    return html


def pct(correct: int, answered: int) -> str:
    return f"{correct / answered:.0%}"


async def test_overview_numbers_match_the_database(served: Served, client: aiohttp.ClientSession) -> None:
    tables, figures = read(await _get(served, client, "/"))
    db = served.repo.db
    people = await db.fetchval(
        "SELECT COUNT(DISTINCT a.user_id) FROM answers a JOIN rounds r ON r.id = a.round_id "
        "JOIN teams t ON t.id = r.team_id WHERE t.workspace_id = $1",
        A.workspace_id,
    )
    assert figures == {"team-count": "2", "known-members": str(people), "active-month": str(people)}
    by_name = {row[0]: row for row in tables["teams"]}
    assert set(by_name) == {"Platform team", "Data team"}
    for name, team_id in served.seeded.teams.items():
        if name not in by_name:
            continue
        row = await db.fetchrow(
            "SELECT COUNT(*) AS n, SUM(a.correct) AS c, COUNT(DISTINCT a.user_id) AS p, SUM(a.points) AS pts "
            "FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.team_id = $1",
            team_id,
        )
        assert row is not None
        n, c, p, pts = (int(row[k]) for k in ("n", "c", "p", "pts"))
        assert by_name[name][1:] == ["running", str(p), str(n), pct(c, n), str(p), str(pts)]
    weeks = {row[0]: row for row in tables["weeks"]}
    assert list(weeks) == ["2026-W23", "2026-W24", "2026-W25", "2026-W26"]  # no empty weeks before the first
    answered = sum(int(row[4]) for row in weeks.values())
    assert answered == sum(int(r[3]) for r in tables["teams"])
    board_points = [int(r[2]) for r in tables["board"]]
    assert board_points == sorted(board_points, reverse=True) and sum(board_points) == sum(
        int(r[6]) for r in tables["teams"]
    )


async def test_team_page_heatmap_hardest_and_streaks(served: Served, client: aiohttp.ClientSession) -> None:
    team_id = served.seeded.teams["Platform team"]
    html = await _get(served, client, f"/teams/{team_id}")
    tables, figures = read(html)
    db = served.repo.db
    rows = await db.fetch(
        "SELECT r.topic, COUNT(*) AS n, SUM(a.correct) AS c FROM answers a JOIN rounds r ON r.id = a.round_id "
        "WHERE r.team_id = $1 GROUP BY r.topic ORDER BY r.topic",
        team_id,
    )
    heat = {row[0]: row[1:] for row in tables["heatmap"]}
    assert sorted(heat) == [r["topic"] for r in rows]
    for r in rows:  # every cell prints "NN% (right/answered)": the sums per topic are the database's
        cells = [c for c in heat[r["topic"]] if c != "—"]
        pairs = [c.split("(")[1].rstrip(")").split("/") for c in cells]
        assert sum(int(x[1]) for x in pairs) == int(r["n"]) and sum(int(x[0]) for x in pairs) == int(r["c"])
    total = sum(int(r["n"]) for r in rows)
    assert figures["team-answers"] == str(total)
    hardest = [(r[0].split()[0], int(r[2]), int(r[3])) for r in tables["hardest"]]
    assert sum(n for _, n, _ in hardest) == total
    assert [c / n for _, n, c in hardest] == sorted(c / n for _, n, c in hardest)
    best = await db.fetchval("SELECT MAX(best) FROM member_streaks WHERE team_id = $1", team_id)
    assert int(tables["streaks"][0][2]) <= int(best) and max(int(r[2]) for r in tables["streaks"]) == int(
        best
    )
    assert (await _get(served, client, "/teams/abc", 404)) and (await _get(served, client, "/teams/999", 404))


async def test_onboarding_filter_and_csv_show_the_same_rows(
    served: Served, client: aiohttp.ClientSession
) -> None:
    tables, _ = read(await _get(served, client, "/onboarding"))
    assert sorted(r[0] for r in tables["course"]) == ["=Dan", "Ada", "Ben", "Cleo"]
    ada = next(r for r in tables["course"] if r[0] == "Ada")
    lessons = served.dashboard.content.lessons
    assert ada[1:] == ["2026-06-06", f"{lessons} / {lessons}", "6", "2026-06-14", "8"]
    ben = next(r for r in tables["course"] if r[0] == "Ben")
    assert ben[1:] == ["2026-06-08", f"3 / {lessons}", "2", "not finished", "18"]
    html = await _get(served, client, "/onboarding?days=7")
    tables, _ = read(html)
    shown = [r for r in tables["course"]]
    assert sorted(r[0] for r in shown) == ["Ben", "Cleo"]  # started 18 and 9 days ago; Dan only yesterday
    async with client.get(served.base + "/dashboard/onboarding.csv?days=7") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert "not-finished-after-7-days" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[0][2] == "started (UTC)"
    assert [r[0] for r in rows[1:]] == [r[0] for r in shown]
    assert [r[2] for r in rows[1:]] == [r[1] for r in shown]
    async with client.get(served.base + "/dashboard/onboarding.csv") as response:
        everyone = list(csv.reader(io.StringIO(await response.text())))
    assert "'=Dan" in [r[0] for r in everyone]  # a formula-looking name cannot run in a spreadsheet


async def test_bad_filter_gets_a_clear_message(served: Served, client: aiohttp.ClientSession) -> None:
    html = await _get(served, client, "/onboarding?days=soon")
    assert "whole number from 0 to 3650" in html and 'role="alert"' in html
    async with client.get(served.base + "/dashboard/onboarding.csv?days=-1") as response:
        assert response.status == 400 and "Traceback" not in await response.text()


async def test_dates_follow_the_viewer_time_zone(served: Served, client: aiohttp.ClientSession) -> None:
    tables, _ = read(await _get(served, client, "/audit"))
    assert tables["audit"][0][:3] == ["2026-06-26 15:00", "Uadmin", "export"]
    tables, _ = read(await _get(served, client, "/audit?tz=Asia/Tokyo"))
    assert tables["audit"][0][0] == "2026-06-27 00:00"
    async with client.get(
        served.base + "/dashboard/tz?tz=America/New_York&next=/dashboard/audit", allow_redirects=False
    ) as response:
        assert response.status == 303 and response.headers["Location"] == "/dashboard/audit"
    html = await _get(served, client, "/audit")
    assert read(html)[0]["audit"][0][0] == "2026-06-26 11:00" and "America/New_York" in html
    await _get(served, client, "/tz?tz=Mars/Olympus", 400)
    async with client.get(
        served.base + "/dashboard/tz?tz=UTC&next=//evil.example/", allow_redirects=False
    ) as r:
        assert r.headers["Location"] == "/dashboard/"


async def test_flags_page_lists_only_this_workspace(served: Served, client: aiohttp.ClientSession) -> None:
    tables, _ = read(await _get(served, client, "/flags"))
    flags = {r[0].split()[0]: r for r in tables["flags"]}
    assert set(flags) == {"ec2-private-key-in-git", "ec2-ssh-open-world"}
    assert flags["ec2-private-key-in-git"][1:3] == ["3", "withheld"] and flags["ec2-ssh-open-world"][1:3] == [
        "1",
        "in rotation",
    ]
