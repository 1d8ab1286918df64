"""`leaderboard`: median latency of the boards people ask for, read from the aggregates kept at reveal.

A team of 20,000 members (quick: 2,000) with 250 revealed rounds (quick: 25), each member answering about
60% of rounds. Measured through the Repository: "weekly top 10 + my rank" and "all-time top 10".
Baseline: a straightforward GROUP BY over every stored answer, returning the identical ranking (checked).

The note adds the moment after a reveal, when every cached rank of the team is stale and 50 people ask for
their board at once: their 50 ranks read together through `RankReads` (one query, bot/core/rank_reads.py)
against 50 separate reads, one after the other in each of 20 reps, the same ranks checked.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import Result, Target, now
from bot.core.events import ChannelRef
from bot.core.leaderboard import Period, period_key
from bot.core.model import TeamSettings
from bot.core.rank_reads import RankReads
from storage.db import Database, ms
from storage.repository import rebuild_buckets
from storage.sqlite import SqliteRepository

TARGET = Target(
    full="≤ 5 ms median and ≥ 50× faster than the baseline",
    quick="≤ 5 ms median and ≥ 20× faster than the baseline (a 10× smaller history)",
)
RANK_SQL = "ORDER BY points DESC, acc_bp DESC, first_answer_at ASC, user_id ASC"


async def populate(repo: SqliteRepository, members: int, rounds: int, seed: int = 1) -> tuple[int, str, date]:
    db: Database = repo.db
    start = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    team = await repo.save_team(ChannelRef("slack", "T1", "C1"), "bench", TeamSettings(), None, start)
    days: list[date] = []
    d = start.date()
    while len(days) < rounds:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    rng = random.Random(seed)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO rounds (id, team_id, local_date, scenario_id, topic, state, closes_at, claimed_at) "
            "VALUES ($1, $2, $3, $4, 'patching', 'revealed', $5, $5)",
            [
                (i + 1, team.id, day.isoformat(), f"s{i}", ms(start + timedelta(days=i)))
                for i, day in enumerate(days)
            ],
        )
        for i, day in enumerate(days):
            base = ms(datetime.combine(day, start.timetz()))
            rows = []
            for u in range(members):
                if rng.random() < 0.6:
                    right = rng.random() < 0.7
                    rows.append((i + 1, f"U{u:06d}", f"Member {u}", "aws", base + rng.randint(0, 14_400_000),
                                 "live", int(right), (10 + 2 * (u % 3)) if right else 0))  # fmt: skip
            await tx.executemany(
                "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source, correct, points) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                rows,
            )
    week = period_key(Period.WEEK, days[-1])
    monday = days[-1] - timedelta(days=days[-1].weekday())
    for period, since in (("all", "0000-00-00"), (week, monday.isoformat())):
        await db.execute(
            "INSERT INTO member_scores (team_id, period, user_id, display_name, points, answered, correct, acc_bp, "
            "first_answer_at) SELECT $1, $2, a.user_id, MAX(a.display_name), SUM(a.points), COUNT(*), "
            "SUM(a.correct), SUM(a.correct) * 10000 / COUNT(*), MIN(a.answered_at) FROM answers a "
            "JOIN rounds r ON r.id = a.round_id WHERE r.team_id = $1 AND r.local_date >= $3 GROUP BY a.user_id",
            team.id,
            period,
            since,
        )
        await rebuild_buckets(db, team.id, period)
    return team.id, week, monday


async def baseline(db: Database, team_id: int, since: str) -> list[tuple[str, int]]:
    """The straightforward way: group every answer of the period, rank, take the order."""
    rows = await db.fetch(
        "SELECT user_id, points FROM (SELECT a.user_id, SUM(a.points) AS points, "
        "SUM(a.correct) * 10000 / COUNT(*) AS acc_bp, MIN(a.answered_at) AS first_answer_at "
        "FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.team_id = $1 AND r.local_date >= $2 "
        f"GROUP BY a.user_id) g {RANK_SQL}",
        team_id,
        since,
    )
    return [(r["user_id"], int(r["points"])) for r in rows]


AFTER_REVEAL = 50  # people asking for their board at once


async def after_reveal(repo: SqliteRepository, team_id: int, week: str) -> tuple[float, float]:
    """Median ms for 50 people's ranks read at once: together (one query), and each on its own."""
    people = [f"U{u:06d}" for u in range(0, AFTER_REVEAL * 7, 7)]
    together, apart = [], []
    for _ in range(20):
        reads = RankReads(repo)
        t0 = now()
        shared = await asyncio.gather(*(reads.rank_of(team_id, week, u) for u in people))
        t1 = now()
        alone = await asyncio.gather(*(repo.rank_of(team_id, week, u) for u in people))
        t2 = now()
        assert list(shared) == list(alone), "ranks read together differ"
        together.append(t1 - t0)
        apart.append(t2 - t1)
    return statistics.median(together) * 1000, statistics.median(apart) * 1000


async def run(quick: bool) -> Result:
    members, rounds = (2_000, 25) if quick else (20_000, 250)
    with tempfile.TemporaryDirectory(prefix="bench-board-") as tmp:
        repo = await SqliteRepository.open(str(Path(tmp) / "board.db"))
        try:
            team_id, week, monday = await populate(repo, members, rounds)
            me = "U000123"
            weekly, alltime = [], []
            for _ in range(200 if quick else 100):
                t0 = now()
                top_week = await repo.top_scores(team_id, week, 10)
                mine = await repo.rank_of(team_id, week, me)
                t1 = now()
                top_all = await repo.top_scores(team_id, "all", 10)
                t2 = now()
                weekly.append(t1 - t0)
                alltime.append(t2 - t1)
            base_week, base_all = [], []
            for _ in range(5 if quick else 3):
                t0 = now()
                ranked_week = await baseline(repo.db, team_id, monday.isoformat())
                t1 = now()
                ranked_all = await baseline(repo.db, team_id, "0000-00-00")
                t2 = now()
                base_week.append(t1 - t0)
                base_all.append(t2 - t1)
            together, apart = await after_reveal(repo, team_id, week)
        finally:
            await repo.close()
    # The same ranking, checked: top 10 of both periods and my rank this week.
    assert [(r.user_id, r.points) for r in top_week] == ranked_week[:10], "weekly ranking differs"
    assert [(r.user_id, r.points) for r in top_all] == ranked_all[:10], "all-time ranking differs"
    my_rank = next(i + 1 for i, (uid, _) in enumerate(ranked_week) if uid == me) if mine else None
    assert mine is None or mine[0] == my_rank, "my rank differs"
    ours_week, ours_all = statistics.median(weekly) * 1000, statistics.median(alltime) * 1000
    slow_week, slow_all = statistics.median(base_week) * 1000, statistics.median(base_all) * 1000
    worst = max(ours_week, ours_all)
    speedup = min(slow_week / ours_week, slow_all / ours_all)
    return Result(
        "leaderboard", round(worst, 3), "ms (median, worse of the two)", round(max(slow_week, slow_all), 1),
        round(speedup, 1), TARGET.of(quick), worst <= 5 and speedup >= (20 if quick else 50),
        f"{members} members, {rounds} rounds; weekly top10+rank {ours_week:.3f} ms vs {slow_week:.1f} ms; "
        f"all-time top10 {ours_all:.3f} ms vs {slow_all:.1f} ms; after a reveal, {AFTER_REVEAL} people's weekly "
        f"ranks at once: {together:.1f} ms read together vs {apart:.1f} ms one read each",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
