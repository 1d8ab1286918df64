"""Crashes and downtime: never a duplicate post, never a lost answer, late posts inside the window only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.messages import RevealCard
from bot.core.model import RoundState
from bot.core.ports import Repository
from bot.core.rounds import LEASE
from tests.fakes.harness import Harness
from tests.fakes.recording import RecordingAdapter

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
POST = MONDAY.replace(hour=9, minute=30)


async def _team(h: Harness) -> None:
    await h.command("setup time 09:30 tz UTC window 4h")


async def test_crash_between_claim_and_post_recovers_without_duplicate(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await _team(h)
    h.adapter.fail_posts = 1  # the process "dies" after the claim, before anything reaches the platform
    h.clock.set(POST)
    await h.tick()
    team = await repo.get_team(h.channel())
    assert team is not None
    rnd = await repo.round_on(team.id, POST.date())
    assert rnd is not None and rnd.state is RoundState.CLAIMED
    assert h.scenario_posts() == []
    # A restarted process: a fresh engine over the same database and the same platform
    h2 = Harness.build(repo, POST + timedelta(seconds=30), adapter=h.adapter)
    await h2.tick()  # lease still held: nothing happens yet
    assert h.scenario_posts() == []
    h2.clock.advance(LEASE)
    await h2.tick()
    assert len(h.scenario_posts()) == 1
    rnd = await repo.round_on(team.id, POST.date())
    assert rnd is not None and rnd.state is RoundState.POSTED


async def test_crash_after_the_platform_accepted_the_post(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await _team(h)
    h.adapter.fail_after_post = 1  # posted, but we never learned the message id
    h.clock.set(POST)
    await h.tick()
    assert len(h.scenario_posts()) == 1
    h.clock.advance(LEASE + timedelta(seconds=1))
    await h.tick()  # recovery re-posts with the same idempotency key: the platform returns the same post
    assert len(h.scenario_posts()) == 1
    team = await repo.get_team(h.channel())
    assert team is not None
    rnd = await repo.round_on(team.id, POST.date())
    assert rnd is not None and rnd.state is RoundState.POSTED
    assert rnd.message_id == h.scenario_posts()[0][0].message_id


async def test_late_post_inside_the_window_keeps_the_close_time(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await _team(h)
    h.clock.set(POST + timedelta(hours=2))  # the bot was down at 09:30, back at 11:30
    await h.tick()
    posts = h.scenario_posts()
    assert len(posts) == 1
    assert posts[0][1].closes_at == MONDAY.replace(hour=13, minute=30)  # shorter window, same close


async def test_day_is_skipped_after_the_window(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await _team(h)
    h.clock.set(MONDAY.replace(hour=14))  # back after the window closed
    report = await h.tick()
    assert report.skipped == 1 and h.scenario_posts() == []
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None and team.next_post_date == (MONDAY + timedelta(days=1)).date()
    await h.run_until(MONDAY + timedelta(days=1, hours=10))
    assert len(h.scenario_posts()) == 1  # Tuesday runs normally


async def test_reveal_retries_while_reactions_cannot_be_read(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await _team(h)
    await h.run_until(POST)
    post, card = h.scenario_posts()[0]
    h.adapter.fail_collect = 1
    h.clock.set(MONDAY.replace(hour=13, minute=30))
    await h.tick()
    assert h.adapter.cards("thread", RevealCard) == []
    rnd = await sqlite_repo.get_round(card.round_id)
    assert rnd is not None and rnd.state is RoundState.CLOSING
    h.clock.advance(LEASE)
    await h.tick()
    assert len(h.adapter.cards("thread", RevealCard)) == 1


async def test_two_engines_ticking_together_post_and_reveal_once(repo: Repository) -> None:
    shared = RecordingAdapter("console")
    a = Harness.build(repo, MONDAY, adapter=shared)
    b = Harness.build(repo, MONDAY, adapter=shared)
    await _team(a)
    for step in range(0, 8 * 60, 5):
        now = MONDAY + timedelta(minutes=step)
        a.clock.set(now)
        b.clock.set(now)
        await a.tick()
        await b.tick()
    assert len(a.scenario_posts()) == 1
    assert len(shared.cards("thread", RevealCard)) == 1
