"""Issue 12 item 2: setup checks that the bot can post in the channel, and a post the platform refused for a
reason an admin must fix is retried at once by `post-now`, with the admin told the truth each time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.messages import TextReply
from bot.core.model import RoundState
from bot.core.ports import Repository
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
INVITE = "type `/invite @bot` in the channel."


def _text(replies: Sequence[object]) -> str:
    (reply,) = replies
    assert isinstance(reply, TextReply)
    return reply.text


async def test_setup_in_a_channel_the_bot_cannot_post_in_saves_nothing(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    h.adapter.refused_channels["C1"] = INVITE
    text = _text(await h.command("setup time 09:30 tz UTC"))
    assert "can't post in this channel yet" in text and INVITE in text and "Nothing was saved" in text
    assert await sqlite_repo.get_team(h.channel()) is None
    del h.adapter.refused_channels["C1"]
    assert _text(await h.command("setup time 09:30 tz UTC")).startswith("✅")


async def test_post_now_after_a_refusal_retries_at_once_and_tells_the_truth(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC")
    h.adapter.refused_channels["C1"] = INVITE  # e.g. the channel was made private, the bot removed
    text = _text(await h.command("post-now"))
    assert "can't post in this channel" in text and INVITE in text and "post-now" in text
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None
    (rnd,) = [r for r in [await sqlite_repo.round_on(team.id, MONDAY.date())] if r is not None]
    assert rnd.state is RoundState.CLAIMED and rnd.lease_until is None  # released: nothing to wait for
    assert _text(await h.command("post-now")).startswith("⚠️ I can't post")  # still refused: still the truth
    del h.adapter.refused_channels["C1"]  # the admin invited the bot
    h.clock.advance(timedelta(seconds=5))  # well within the old two-minute lease
    assert _text(await h.command("post-now")) == f"📣 Posted today's scenario (round {rnd.id})."
    assert len(h.scenario_posts()) == 1
    assert _text(await h.command("post-now")) == "Today's scenario has already been posted in this channel."


async def test_a_refused_daily_post_is_retried_on_the_next_tick(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC")
    h.adapter.refused_channels["C1"] = INVITE
    await h.run_until(MONDAY.replace(hour=9, minute=31), step=timedelta(minutes=1))
    assert h.scenario_posts() == []
    del h.adapter.refused_channels["C1"]
    await h.run_until(MONDAY.replace(hour=9, minute=32), step=timedelta(minutes=1))
    assert len(h.scenario_posts()) == 1
