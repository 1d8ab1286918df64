"""DST: a spring-forward or fall-back day neither skips nor doubles a post, in both directions and zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.messages import ScenarioCard
from bot.core.model import RoundState
from bot.core.ports import Repository
from bot.core.schedule_math import MIN_WINDOW, local_date, post_at
from tests.fakes.harness import Harness

CASES = [
    # zone, a day before the change, the change day (all Sundays), post time (02:30 falls in the spring gap)
    ("Europe/Berlin", date(2026, 3, 28), date(2026, 3, 29), "02:30"),
    ("Europe/Berlin", date(2026, 10, 24), date(2026, 10, 25), "02:30"),
    ("America/New_York", date(2026, 3, 7), date(2026, 3, 8), "02:30"),
    ("America/New_York", date(2026, 10, 31), date(2026, 11, 1), "01:30"),  # 01:30 happens twice that night
    ("Europe/Berlin", date(2026, 3, 28), date(2026, 3, 29), "09:30"),
]


@pytest.mark.parametrize(("tz", "before", "change", "at"), CASES)
async def test_one_post_per_day_across_dst(
    sqlite_repo: Repository, tz: str, before: date, change: date, at: str
) -> None:
    start = datetime.combine(before, datetime.min.time(), tzinfo=UTC) - timedelta(hours=12)
    h = Harness.build(sqlite_repo, start)
    await h.command(f"setup time {at} tz {tz} days daily window 3h")
    await h.run_until(start + timedelta(days=3), step=timedelta(minutes=10))
    posts = [card for _, card in h.scenario_posts()]
    days = [local_date(_posted_at(h, card), tz) for card in posts]
    assert len(days) == len(set(days)), f"a day was posted twice: {days}"
    assert change in days, f"the DST day {change} was skipped: {days}"
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None
    for card in posts:
        rnd = await sqlite_repo.get_round(card.round_id)
        assert rnd is not None
        expected = post_at(team.settings, rnd.local_date)
        assert rnd.posted_at is not None and expected <= rnd.posted_at < expected + timedelta(minutes=10)


def _posted_at(h: Harness, card: ScenarioCard) -> datetime:
    return card.closes_at - timedelta(hours=3)


def test_spring_gap_resolves_to_the_instant_after_the_gap() -> None:
    from bot.core.model import TeamSettings

    settings = TeamSettings(timezone="Europe/Berlin", post_time=datetime.strptime("02:30", "%H:%M").time())
    # 02:30 does not exist on 29 March 2026 in Berlin; it resolves to 01:30 UTC = 03:30 CEST
    assert post_at(settings, date(2026, 3, 29)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # and the day before / after keep their normal offsets
    assert post_at(settings, date(2026, 3, 28)) == datetime(2026, 3, 28, 1, 30, tzinfo=UTC)
    assert post_at(settings, date(2026, 3, 30)) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "before", "change", "post", "close"),
    [
        ("Europe/Berlin", date(2027, 3, 27), date(2027, 3, 28), "02:30", "03:00"),  # issue 12 item 3
        ("America/New_York", date(2027, 3, 13), date(2027, 3, 14), "02:10", "03:00"),
    ],
)
async def test_a_post_moved_by_the_gap_keeps_the_minimum_window(
    sqlite_repo: Repository, tz: str, before: date, change: date, post: str, close: str
) -> None:
    """02:30 does not exist that night; the post lands at 03:30 local, after the 03:00 close — the close moves
    with it (at least MIN_WINDOW), so the day is neither skipped nor revealed before anyone could answer."""
    start = datetime.combine(before, datetime.min.time(), tzinfo=UTC) - timedelta(hours=12)
    h = Harness.build(sqlite_repo, start)
    await h.command(f"setup time {post} tz {tz} days daily window until {close}")
    await h.run_until(start + timedelta(days=3), step=timedelta(minutes=5))
    rounds = [await sqlite_repo.get_round(card.round_id) for _, card in h.scenario_posts()]
    by_day = {r.local_date: r for r in rounds if r is not None}
    assert change in by_day, f"the DST day {change} was skipped: {sorted(by_day)}"
    rnd = by_day[change]
    assert rnd.posted_at is not None
    assert rnd.closes_at - rnd.posted_at >= MIN_WINDOW
    assert rnd.state is RoundState.REVEALED
