"""Rate limits, server errors and restarts never lose or duplicate a post or an answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.adapters.slack.adapter import SlackAdapter
from bot.core.events import ChannelRef, Event
from bot.core.messages import Card, RevealCard, ScenarioCard, TextReply
from bot.core.model import RoundState
from bot.core.ports import PostRefused, Repository
from content.schema import Party
from tests.adapters.slack.conftest import CHANNEL, MONDAY, TEAM, SlackWorld, slack_settings
from tests.fakes.clock import FakeClock
from tests.fakes.fake_slack import FakeSlack

CARD = ScenarioCard(
    round_id=41,
    scenario_id="s-001",
    team_name="#cloud-team",
    service="Amazon EC2",
    prompt="Who patches the guest OS?",
    closes_at=datetime(2026, 11, 30, 13, 30, tzinfo=UTC),
    mode="reactions",
)


async def _setup(world: SlackWorld) -> None:
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h")
    assert reply.text.startswith("✅")


async def test_a_429_storm_during_the_daily_post(world: SlackWorld) -> None:
    fake = world.fake
    await _setup(world)
    fake.rate_limit("conversations.history", 1)
    fake.rate_limit("chat.postMessage", 2)
    fake.rate_limit("reactions.add", 1)
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (post,) = world.posts()  # posted exactly once, after waiting out Retry-After
    statuses = [c.status for c in fake.calls_of("chat.postMessage")]
    assert statuses == [429, 429, 200]
    assert sorted(post.reactions) == ["cloud", "handshake", "technologist"]
    rnd = await world.round_of(post)
    assert rnd.state is RoundState.POSTED and rnd.message_id == post.ts

    # Answers during a storm on the receipts are not lost either.
    fake.rate_limit("chat.postEphemeral", 1)
    fake.rate_limit("users.info", 1)
    await fake.react(TEAM, "UANN", CHANNEL, post.ts, "cloud")
    await world.settle()
    assert [e.user for e in world.ws().ephemerals] == ["UANN"]
    assert len(await world.repo.answers_for_round(rnd.id, "slack", TEAM)) == 1


async def test_a_5xx_after_slack_stored_the_post_does_not_duplicate_it(world: SlackWorld) -> None:
    """The worst case: Slack stored the message but answered 500. The adapter looks in history (by the
    metadata key) before trying again, and finds it."""
    fake = world.fake
    await _setup(world)
    fake.fail("chat.postMessage", 1, status=500, after_apply=True)
    fake.fail("conversations.history", 1, status=503)  # retried by the SDK: safe to repeat
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (post,) = world.posts()
    assert [c.status for c in fake.calls_of("chat.postMessage")] == [500]
    rnd = await world.round_of(post)
    assert rnd.state is RoundState.POSTED


async def test_a_post_that_keeps_failing_is_retried_by_the_scheduler_without_a_duplicate(
    world: SlackWorld,
) -> None:
    """Every attempt of the first tick fails (after storing); the round stays claimed and the next tick after
    the lease finds the message instead of posting again."""
    fake = world.fake
    await _setup(world)
    fake.fail("chat.postMessage", 1, status=500, after_apply=True)
    fake.fail("conversations.history", 9, status=500, after=1)  # 3 more attempts × (1 + 2 SDK retries)
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    assert len(world.posts()) == 1  # Slack has it, but we never learnt its ts
    team = await world.repo.get_team(world.channel())
    assert team is not None
    rnd = await world.repo.round_on(team.id, MONDAY.date())
    assert rnd is not None and rnd.state is RoundState.CLAIMED
    await world.tick_at(MONDAY.replace(hour=9, minute=40))  # the lease ran out: recovery
    (post,) = world.posts()
    rnd = await world.round_of(post)
    assert rnd.state is RoundState.POSTED and len(fake.calls_of("chat.postMessage")) == 1


async def test_a_restarted_process_finds_its_post_instead_of_posting_again(
    fake: FakeSlack, slack_repo: Repository
) -> None:
    ws = fake.add_workspace(TEAM)
    fake.add_channel(TEAM, CHANNEL, "cloud-team")
    settings = slack_settings(fake, "http", slack_bot_token=ws.token)
    first = SlackAdapter.from_settings(
        settings, slack_repo, clock=FakeClock(MONDAY), post_interval=0, retry_pause=0
    )
    second = SlackAdapter.from_settings(
        settings, slack_repo, clock=FakeClock(MONDAY), post_interval=0, retry_pause=0
    )
    where = ChannelRef("slack", TEAM, CHANNEL)
    for adapter in (first, second):
        await adapter.start(_no_events)
    posted = await first.post_card(where, CARD, "round-41")
    again = await second.post_card(where, CARD, "round-41")  # a new process: no memory of the first
    assert again == posted
    reply = await first.reply_thread(posted, TextReply("the reveal"), "reveal-41")
    reply_again = await second.reply_thread(posted, TextReply("the reveal"), "reveal-41")
    assert reply_again == reply
    assert len(ws.posts(CHANNEL)) == 1 and len(ws.replies(CHANNEL, posted.message_id)) == 1
    assert len(fake.calls_of("chat.postMessage")) == 2
    # Reactions are seeded once per option even though both processes tried.
    stored = ws.message(CHANNEL, posted.message_id)
    assert stored is not None and all(users == [ws.bot_user_id] for users in stored.reactions.values())
    for adapter in (first, second):
        await adapter.stop()


async def _no_events(event: Event) -> Sequence[Card]:
    return []


async def test_the_bot_joins_a_public_channel_it_is_not_in(fake: FakeSlack, slack_repo: Repository) -> None:
    ws = fake.add_workspace(TEAM)
    fake.add_channel(TEAM, CHANNEL, "cloud-team", bot_member=False)
    adapter = SlackAdapter.from_settings(
        slack_settings(fake, "http", slack_bot_token=ws.token),
        slack_repo,
        clock=FakeClock(MONDAY),
        post_interval=0,
        retry_pause=0,
    )
    await adapter.start(_no_events)
    post = await adapter.post_card(ChannelRef("slack", TEAM, CHANNEL), CARD, "round-41")
    assert [c.method for c in fake.calls if c.method.startswith("conversations.")] == [
        "conversations.history",
        "conversations.join",
        "conversations.history",
    ]
    assert ws.posts(CHANNEL)[0].ts == post.message_id
    await adapter.stop()


async def test_the_reveal_can_be_broadcast_to_the_channel(fake: FakeSlack, slack_repo: Repository) -> None:
    ws = fake.add_workspace(TEAM)
    fake.add_channel(TEAM, CHANNEL, "cloud-team")
    settings = slack_settings(fake, "http", slack_bot_token=ws.token, slack_broadcast_reveal=True)
    adapter = SlackAdapter.from_settings(
        settings, slack_repo, clock=FakeClock(MONDAY), post_interval=0, retry_pause=0
    )
    await adapter.start(_no_events)
    post = await adapter.post_card(ChannelRef("slack", TEAM, CHANNEL), CARD, "round-41")
    reveal = RevealCard(41, "s-001", "p", Party.CUSTOMER, "e", (), ((Party.CUSTOMER, 1),), 1, 1)
    await adapter.reply_thread(post, reveal, "reveal-41")
    await adapter.reply_thread(post, TextReply("not a reveal"), "other-41")
    first, second = ws.replies(CHANNEL, post.message_id)
    assert (first.reply_broadcast, second.reply_broadcast) == (True, False)
    assert len(ws.posts(CHANNEL)) == 2  # the broadcast reveal also shows in the channel
    await adapter.stop()


async def test_a_private_channel_the_bot_is_not_in_fails_loudly_without_posting(
    fake: FakeSlack, slack_repo: Repository, caplog: pytest.LogCaptureFixture
) -> None:
    ws = fake.add_workspace(TEAM)
    fake.add_channel(TEAM, CHANNEL, "secret-team", bot_member=False, private=True)
    settings = slack_settings(fake, "http", slack_bot_token=ws.token)
    adapter = SlackAdapter.from_settings(
        settings, slack_repo, clock=FakeClock(MONDAY), post_interval=0, retry_pause=0
    )
    await adapter.start(_no_events)
    with pytest.raises(PostRefused) as refused:
        await adapter.post_card(ChannelRef("slack", TEAM, CHANNEL), CARD, "round-41")
    assert ws.posts(CHANNEL) == [] and fake.calls_of("chat.postMessage") == []
    assert "/invite @whos-responsible" in refused.value.fix
    await adapter.stop()


async def test_a_5xx_with_a_plain_text_body_is_retried_like_any_5xx(world: SlackWorld) -> None:
    """Issue 12 item 7: a proxy's `503 text/plain` on chat.postMessage (after Slack stored the message) used to
    raise AttributeError inside the retry path; now it is a 5xx like any other: history is read, no duplicate."""
    fake = world.fake
    await _setup(world)
    fake.plain_failures.add("chat.postMessage")
    fake.fail("chat.postMessage", 1, status=503, after_apply=True)
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (post,) = world.posts()
    assert [c.status for c in fake.calls_of("chat.postMessage")] == [503]
    assert (await world.round_of(post)).state is RoundState.POSTED
