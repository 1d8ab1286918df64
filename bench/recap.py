"""`recap`: how long one team's weekly recap takes to build and draw — storage reads plus the PNG chart.

A team of 500 members (quick: 100) with 8 weeks of daily rounds (40), every round scored through the real
reveal transaction (`finish_round`), so every aggregate the recap reads is the one production keeps.
Measured: `RecapService.recap` for the last week plus `recap_png` of the card, median of several runs.
Baseline: drawing the chart alone (what matplotlib costs), so the ratio shows what storage adds.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Result, now
from bot.adapters.recap_chart import recap_png
from bot.core.clock import ManualClock
from bot.core.events import ChannelRef, UserRef
from bot.core.leaderboard import Period, period_key, period_keys
from bot.core.model import Award, RoundResult, TeamSettings
from bot.core.recap import RecapService
from bot.core.rounds import RoundDeps
from content.loader import load_bundle
from content.schema import Party
from storage.db import ms
from storage.sqlite import SqliteRepository

TARGET_S = 1.0
START = datetime(2026, 9, 7, 9, 30, tzinfo=UTC)  # a Monday


async def populate(repo: SqliteRepository, members: int, weeks: int, seed: int = 1) -> tuple[int, str]:
    bundle = load_bundle()
    scenarios = sorted(bundle.scenarios.values(), key=lambda s: s.id)
    team = await repo.save_team(ChannelRef("slack", "T1", "C1"), "bench", TeamSettings(), None, START)
    rng = random.Random(seed)
    days = [START.date() + timedelta(days=d) for d in range(weeks * 7) if d % 7 < 5]
    for day in days:
        scenario = rng.choice(scenarios)
        closes = datetime.combine(day, START.timetz()) + timedelta(hours=4)
        rnd = await repo.claim_round(team.id, day, scenario.id, scenario.topic, closes, closes, closes)
        assert rnd is not None
        awards = []
        for u in range(members):
            if rng.random() < 0.6:
                right = rng.random() < 0.7
                choice = scenario.answer if right else next(p for p in Party if p is not scenario.answer)
                user = UserRef("slack", "T1", f"U{u:05d}", f"Member {u}")
                awards.append(Award(user, choice, closes, right, 10 if right else 0, 1))
        await repo.db.executemany(
            "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
            "VALUES ($1, $2, $3, $4, $5, 'live')",
            [(rnd.id, a.user.user_id, a.user.name, a.choice.value, ms(closes)) for a in awards],
        )
        await repo.db.execute("UPDATE rounds SET state = 'closing' WHERE id = $1", rnd.id)
        result = RoundResult(rnd.id, team.id, scenario.topic, period_keys(day), tuple(awards), (), closes,
                             local_date=day)  # fmt: skip
        assert await repo.finish_round(result)
    return team.id, period_key(Period.WEEK, days[-1])


async def run(quick: bool) -> Result:
    members = 100 if quick else 500
    with tempfile.TemporaryDirectory(prefix="bench-recap-") as tmp:
        repo = await SqliteRepository.open(str(Path(tmp) / "bench.db"))
        try:
            team_id, week = await populate(repo, members, 8)
            team = await repo.get_team_by_id(team_id)
            assert team is not None
            service = RecapService(RoundDeps(repo, load_bundle(), ManualClock(START), {}))
            totals, charts = [], []
            card = await service.recap(team, week)
            for _ in range(5 if quick else 9):
                began = now()
                card = await service.recap(team, week)
                built = now()
                png = recap_png(card)
                done = now()
                totals.append(done - began)
                charts.append(done - built)
            assert png.startswith(b"\x89PNG") and len(card.top) == 5
        finally:
            await repo.close()
    value = statistics.median(totals)
    baseline = statistics.median(charts)
    return Result(
        "recap",
        round(value * 1000, 1),
        "ms per recap (reads + PNG)",
        round(baseline * 1000, 1),
        round(value / baseline, 2),
        f"< {TARGET_S * 1000:.0f} ms for {members} members",
        value < TARGET_S,
        f"{members} members, 40 rounds over 8 weeks; baseline: the chart alone",
    )
