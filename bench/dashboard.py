"""`dashboard`: how long each dashboard page takes to render for a big workspace, over a real socket.

50 teams of 100 members (5,000 people; quick: 10 × 50) with 8 weeks of daily rounds, each member answering
about 60% of them, 5,000 people in the onboarding course, flags and 200 audit entries — SQLite, as written by
the reveal transaction (aggregates included). Each page is fetched with a session cookie from an aiohttp client
on 127.0.0.1; the figure is the median of the slowest page. Baseline: the same round trip for the stylesheet
(server, cookie and socket overhead with no query and no template).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.common import Result, now
from bot.core.clock import ManualClock
from bot.core.events import ChannelRef, Tenant, UserRef
from bot.core.leaderboard import Period, period_key
from bot.core.model import TeamSettings
from bot.dashboard.wiring import build_dashboard
from bot.http_server import HttpServer
from content.loader import load_bundle
from storage.db import Database, ms
from storage.sqlite import SqliteRepository

TENANT = Tenant("slack", "TBENCH")
START = date(2026, 4, 6)  # a Monday
WEEKS = 8
TOPICS = ("patching", "encryption", "identity-access", "network", "logging-monitoring")
TARGET_MS = 200


def _days() -> list[date]:
    return [START + timedelta(days=d) for d in range(WEEKS * 7) if (START + timedelta(days=d)).weekday() < 5]


async def _answers(db: Database, teams: list[int], members: int, rng: random.Random) -> None:
    days = _days()
    async with db.transaction() as tx:
        round_id = 0
        for t, team_id in enumerate(teams):
            rounds, answers = [], []
            for i, day in enumerate(days):
                round_id += 1
                at = ms(datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC))
                rounds.append((round_id, team_id, day.isoformat(), f"s{i % 40}", TOPICS[i % len(TOPICS)], at))
                for u in range(members):
                    if rng.random() < 0.6:
                        right = rng.random() < 0.65
                        answers.append((round_id, f"U{t:02d}{u:04d}", f"Member {t}-{u}", "aws", at + u * 1000,
                                        int(right), 10 if right else 0))  # fmt: skip
            await tx.executemany(
                "INSERT INTO rounds (id, team_id, local_date, scenario_id, topic, state, closes_at, claimed_at, "
                "revealed_at) VALUES ($1, $2, $3, $4, $5, 'revealed', $6, $6, $6)",
                rounds,
            )
            await tx.executemany(
                "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source, correct, "
                "points) VALUES ($1, $2, $3, $4, $5, 'live', $6, $7)",
                answers,
            )


async def _aggregates(db: Database) -> None:
    """The aggregates the reveal transaction keeps, recomputed from the answers for every period."""
    days = _days()
    spans = [("all", days[0], days[-1])]
    spans += [(period_key(Period.WEEK, d), d, d + timedelta(days=6)) for d in days if d.weekday() == 0]
    months = sorted({period_key(Period.MONTH, d) for d in days})
    spans += [(m, min(d for d in days if period_key(Period.MONTH, d) == m), max(days)) for m in months]
    for period, first, last in spans:
        month = period[2:] if period.startswith("m:") else ""
        args = (period, first.isoformat(), last.isoformat(), month)
        await db.execute(
            "INSERT INTO member_scores (team_id, period, user_id, display_name, points, answered, correct, acc_bp, "
            "first_answer_at) SELECT r.team_id, $1, a.user_id, MAX(a.display_name), SUM(a.points), COUNT(*), "
            "SUM(a.correct), SUM(a.correct) * 10000 / COUNT(*), MIN(a.answered_at) FROM answers a "
            "JOIN rounds r ON r.id = a.round_id WHERE r.local_date >= $2 AND r.local_date <= $3 "
            "AND ($4 = '' OR substr(r.local_date, 1, 7) = $4) GROUP BY r.team_id, a.user_id",
            *args,
        )
        await db.execute(
            "INSERT INTO team_periods (team_id, period, rounds, answers, points, active_members) "
            "SELECT r.team_id, $1, COUNT(DISTINCT r.id), COUNT(a.user_id), COALESCE(SUM(a.points), 0), "
            "COUNT(DISTINCT a.user_id) FROM rounds r LEFT JOIN answers a ON a.round_id = r.id "
            "WHERE r.local_date >= $2 AND r.local_date <= $3 AND ($4 = '' OR substr(r.local_date, 1, 7) = $4) "
            "GROUP BY r.team_id",
            *args,
        )
    await db.execute(
        "INSERT INTO team_topics (team_id, topic, answered, correct) SELECT r.team_id, r.topic, COUNT(*), "
        "SUM(a.correct) FROM answers a JOIN rounds r ON r.id = a.round_id GROUP BY r.team_id, r.topic"
    )
    await db.execute(
        "INSERT INTO member_streaks (team_id, user_id, current, best, last_round_id) "
        "SELECT team_id, user_id, answered % 7, answered % 11 + 7, NULL FROM member_scores WHERE period = 'all'"
    )


async def populate(repo: SqliteRepository, teams: int, members: int) -> int:
    """Write the workspace; returns the first team's id."""
    rng = random.Random(16)
    created = datetime(2026, 4, 1, tzinfo=UTC)
    ids = []
    for t in range(teams):
        channel = ChannelRef(TENANT.platform, TENANT.workspace_id, f"C{t:03d}")
        ids.append((await repo.save_team(channel, f"Team {t:02d}", TeamSettings(), None, created)).id)
    await _answers(repo.db, ids, members, rng)
    await _aggregates(repo.db)
    people = [(f"U{t:02d}{u:04d}", f"Member {t}-{u}") for t in range(teams) for u in range(members)]
    await repo.db.executemany(
        "INSERT INTO course_progress (platform, workspace_id, user_id, display_name, lesson_index, "
        "answered_current, correct, timezone, started_at, completed_at) VALUES ($1, $2, $3, $4, $5, 0, $5, 'UTC', $6, $7)",
        [
            (
                TENANT.platform,
                TENANT.workspace_id,
                uid,
                name,
                n % 8,
                ms(created + timedelta(hours=n % 500)),
                ms(created + timedelta(days=9)) if n % 3 else None,
            )
            for n, (uid, name) in enumerate(people)
        ],  # fmt: skip
    )
    for n in range(200):
        who = UserRef(TENANT.platform, TENANT.workspace_id, people[n][0])
        await repo.add_audit(
            who, "setup", f"Team {n % teams:02d}: posts at 09:30", created + timedelta(hours=n)
        )
        if n < 30:
            await repo.add_flag(who, f"s{n % 12}", "unclear wording", created)
    return ids[0]


async def _time(client: aiohttp.ClientSession, url: str, reps: int) -> float:
    samples = []
    for _ in range(reps):
        t0 = now()
        async with client.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)
        samples.append(now() - t0)
    return statistics.median(samples) * 1000


async def run(quick: bool) -> Result:
    teams, members, reps = (10, 50, 10) if quick else (50, 100, 15)
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        repo = await SqliteRepository.open(str(Path(tmp) / "dashboard.db"))
        server = None
        try:
            team_id = await populate(repo, teams, members)
            clock = ManualClock(datetime(2026, 5, 29, 18, 0, tzinfo=UTC))
            dashboard = build_dashboard(repo, load_bundle(), clock, "", 3)
            app = web.Application()
            dashboard.mount(app)
            server = HttpServer(app, "127.0.0.1", 0)
            base = f"http://127.0.0.1:{await server.start()}/dashboard"
            dashboard.access.base_url = base.removesuffix("/dashboard")
            link = await dashboard.issue_login_link(
                UserRef(TENANT.platform, TENANT.workspace_id, "Uadmin"), clock.now()
            )
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
                async with client.post(link, allow_redirects=False) as response:
                    assert response.status == 303
                pages = ["/", f"/teams/{team_id}", "/onboarding", "/onboarding?days=30", "/onboarding.csv",
                         "/flags", "/audit"]  # fmt: skip
                await _time(client, base + "/", 2)  # warm the caches once
                times = {p: await _time(client, base + p, reps) for p in pages}
                baseline = await _time(client, base + "/static/dashboard.css", reps)
        finally:
            if server is not None:
                await server.stop()
            await repo.close()
    slowest = max(times, key=lambda p: times[p])
    worst = times[slowest]
    detail = ", ".join(f"{p} {t:.0f}" for p, t in times.items())
    return Result(
        "dashboard", round(worst, 1), "ms (median, slowest page)", round(baseline, 2), round(worst / baseline, 1),
        f"< {TARGET_MS} ms per page", worst < TARGET_MS,
        f"{teams} teams, {teams * members} members, {WEEKS} weeks of rounds; slowest {slowest}; ms per page: {detail}",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
