"""Slack misbehaving during the day — 429 storms, 5xx answers, answers slower than the client's timeout, a
recycled or cut Socket Mode connection — while the bot posts, takes answers and reveals. The bot recovers by
itself: one post, one reveal, every answer counted, and a failure logged once with its round, not per try."""

from __future__ import annotations

import aiohttp

from bot.adapters.slack.translate import PARTY_REACTION
from bot.core.model import Round, RoundState
from content.schema import Party
from tests.adapters.slack.conftest import CHANNEL, MONDAY, TEAM, SlackWorld
from tests.fakes.fake_slack import Message
from tests.faults_platform.conftest import BotLog

POST_AT = MONDAY.replace(hour=9, minute=30)
CLOSE_AT = MONDAY.replace(hour=13, minute=30)
WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}


async def _setup(world: SlackWorld) -> None:
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h")
    assert reply.text.startswith("✅")


async def _posted(world: SlackWorld) -> tuple[Message, Round]:
    (post,) = world.posts()
    rnd = await world.round_of(post)
    assert rnd.state is RoundState.POSTED
    return post, rnd


def _emoji(world: SlackWorld, rnd: Round, right: bool) -> str:
    answer = world.engine.content.scenarios[rnd.scenario_id].answer
    return PARTY_REACTION[answer if right else WRONG[answer]]


async def _answers(world: SlackWorld, rnd: Round) -> dict[str, object]:
    return {a.user.user_id: a.choice for a in await world.repo.answers_for_round(rnd.id, "slack", TEAM)}


async def _revealed_once(world: SlackWorld, post: Message) -> Round:
    rnd = await world.round_of(post)
    assert rnd.state is RoundState.REVEALED and rnd.reveal_message_id not in (None, "-")
    (reveal,) = world.ws().replies(CHANNEL, post.ts)
    assert reveal.ts == rnd.reveal_message_id
    assert len(world.posts()) == 1
    return rnd


async def test_429_storms_on_every_step_lose_nothing_and_log_no_retries(
    slack: SlackWorld, bot_log: BotLog
) -> None:
    fake, ws = slack.fake, slack.ws()
    await _setup(slack)
    bot_log.clear()
    fake.rate_limit("conversations.history", 2)
    fake.rate_limit("chat.postMessage", 3)  # the client's limit is 3 retries: the 4th try goes through
    fake.rate_limit("reactions.add", 2)
    await slack.tick_at(POST_AT)
    post, rnd = await _posted(slack)
    assert [c.status for c in fake.calls_of("chat.postMessage")] == [429, 429, 429, 200]
    assert sorted(post.reactions) == ["cloud", "handshake", "technologist"]

    fake.rate_limit("users.info", 2)
    fake.rate_limit("chat.postEphemeral", 2)
    await fake.react(TEAM, "UANN", CHANNEL, post.ts, _emoji(slack, rnd, True))
    await slack.settle()
    assert [e.user for e in ws.ephemerals] == ["UANN"]

    fake.rate_limit("reactions.get", 2)
    fake.rate_limit("conversations.replies", 2)
    fake.rate_limit("chat.postMessage", 2)
    await slack.tick_at(CLOSE_AT)
    await _revealed_once(slack, post)
    assert list(await _answers(slack, rnd)) == ["UANN"]
    assert sum(c.status == 429 for c in fake.calls) == 17
    # Every retry worked, so nothing is a problem; and no line per retry, even at INFO.
    assert bot_log.problems() == [], bot_log.describe()
    assert not [e for e in bot_log.entries() if "retry" in str(e["message"]).lower()], bot_log.describe()


async def test_a_5xx_burst_is_logged_once_with_the_round_and_heals_without_a_duplicate(
    slack: SlackWorld, bot_log: BotLog
) -> None:
    """Slack stores the post but answers 500, then history is down for every retry: the post step fails,
    is logged once with its round, and the next tick after the lease finds the post instead of re-posting.
    At reveal, reactions.get answers 503 to every try: the reveal fails once, logged once, and is retried."""
    fake, ws = slack.fake, slack.ws()
    await _setup(slack)
    bot_log.clear()
    fake.fail("chat.postMessage", 1, status=500, after_apply=True)
    fake.fail("conversations.history", 9, status=503, after=1)  # 3 more attempts × (1 + 2 SDK retries)
    await slack.tick_at(POST_AT)
    assert len(slack.posts()) == 1  # Slack has it; the bot never learnt its ts
    (error,) = bot_log.problems()
    assert error["level"] == "ERROR" and error["round_id"] == 1 and "round 1" in error["message"]
    assert "503" in error["exception"]

    bot_log.clear()
    await slack.tick_at(POST_AT.replace(minute=33))  # the lease (2 min) ran out: recovery
    post, rnd = await _posted(slack)
    assert len(fake.calls_of("chat.postMessage")) == 1 and bot_log.problems() == []

    await fake.react(TEAM, "UANN", CHANNEL, post.ts, _emoji(slack, rnd, True))
    await slack.settle()
    fake.fail("users.info", 3, status=503)  # the profile lookup fails for good; the answer still counts
    fake.fail("chat.postEphemeral", 1, status=500)  # the receipt is lost; the answer is not
    await fake.react(TEAM, "UBOB", CHANNEL, post.ts, _emoji(slack, rnd, False))
    await slack.settle()
    assert set(await _answers(slack, rnd)) == {"UANN", "UBOB"}
    assert [e.user for e in ws.ephemerals] == ["UANN"]
    problems = bot_log.problems()
    assert [p["message"] for p in problems] == [
        "users.info failed; going on without the profile",
        "could not send a receipt",
    ], bot_log.describe()
    assert all(p["tenant"] == TEAM for p in problems)

    bot_log.clear()
    fake.fail("reactions.get", 3, status=503)
    await slack.tick_at(CLOSE_AT)
    (error,) = bot_log.problems()
    assert error["round_id"] == rnd.id and "revealing round" in error["message"]
    assert ws.replies(CHANNEL, post.ts) == []
    bot_log.clear()
    await slack.tick_at(CLOSE_AT.replace(minute=33))
    await _revealed_once(slack, post)
    assert set(await _answers(slack, rnd)) == {"UANN", "UBOB"} and bot_log.problems() == []


async def test_answers_slower_than_the_timeout_never_duplicate_the_post_or_the_reveal(
    slack: SlackWorld, bot_log: BotLog
) -> None:
    """Slack stores the message but its answer comes after the client gave up (30 s in production, half a
    second here: set on the shared session, where slack_sdk leaves it). The bot cannot know whether the post exists: it looks before posting again, and finds it.
    A read that times out at reveal fails the reveal once (logged once) and the next tick completes it."""
    fake = slack.fake
    session = slack.adapter.directory.session  # the process's one HTTP session carries the timeout
    assert session is not None
    session._timeout = aiohttp.ClientTimeout(total=0.5)
    await _setup(slack)
    bot_log.clear()
    fake.slow("chat.postMessage", 1.5)
    await slack.tick_at(POST_AT)
    post, rnd = await _posted(slack)  # found in history after the timeout: no second post
    await fake.wait_until(lambda: len(fake.calls_of("chat.postMessage")) == 1)  # the late answer
    assert len(fake.calls_of("conversations.history")) == 2 and bot_log.problems() == []

    await fake.react(TEAM, "UCID", CHANNEL, post.ts, _emoji(slack, rnd, True))
    await slack.settle()
    fake.slow("reactions.get", 1.5)
    await slack.tick_at(CLOSE_AT)
    (error,) = bot_log.problems()
    assert error["round_id"] == rnd.id and "revealing round" in error["message"]
    bot_log.clear()
    fake.slow("chat.postMessage", 1.5)  # the reveal itself, stored at once, answered late
    await slack.tick_at(CLOSE_AT.replace(minute=33))
    await _revealed_once(slack, post)
    await fake.wait_until(lambda: len(fake.calls_of("chat.postMessage")) == 2)
    assert list(await _answers(slack, rnd)) == ["UCID"] and bot_log.problems() == []


async def test_a_recycled_socket_mode_connection_loses_no_answer(slack: SlackWorld) -> None:
    """Slack sends `disconnect` (it recycles connections every few hours) in the middle of the answers, the
    post and the reveal: the client reconnects by itself and every later event arrives."""
    fake = slack.fake
    await _setup(slack)
    await _reconnected(slack, fake.disconnect_socket)
    await slack.tick_at(POST_AT)
    post, rnd = await _posted(slack)
    await fake.react(TEAM, "UANN", CHANNEL, post.ts, _emoji(slack, rnd, True))
    await _reconnected(slack, fake.disconnect_socket)
    await fake.react(TEAM, "UBOB", CHANNEL, post.ts, _emoji(slack, rnd, False))
    await slack.settle()
    await _reconnected(slack, fake.disconnect_socket)
    await slack.tick_at(CLOSE_AT)
    rnd = await _revealed_once(slack, post)
    assert set(await _answers(slack, rnd)) == {"UANN", "UBOB"}
    assert fake.socket_connections == 5 and fake.late_acks == []


async def test_a_cut_socket_loses_no_answer_given_while_the_bot_was_away(slack: SlackWorld) -> None:
    """The TCP connection is cut with no warning. Reactions made while the bot is away never reach it as
    events; they are on the message, and the reveal re-reads them."""
    fake = slack.fake
    await _setup(slack)
    await slack.tick_at(POST_AT)
    post, rnd = await _posted(slack)
    await fake.react(TEAM, "UANN", CHANNEL, post.ts, _emoji(slack, rnd, True))
    await slack.settle()

    connections = fake.socket_connections
    await fake.drop_socket()
    fake.react_unseen(TEAM, "UBOB", CHANNEL, post.ts, _emoji(slack, rnd, True))
    fake.react_unseen(TEAM, "UCID", CHANNEL, post.ts, _emoji(slack, rnd, False))
    await fake.wait_until(lambda: fake.socket_connected and fake.socket_connections > connections)
    await fake.react(TEAM, "UDAN", CHANNEL, post.ts, _emoji(slack, rnd, False))  # live again
    await slack.settle()
    assert set(await _answers(slack, rnd)) == {"UANN", "UDAN"}

    await fake.drop_socket()  # and once more, while it reveals
    await slack.tick_at(CLOSE_AT)
    rnd = await _revealed_once(slack, post)
    assert set(await _answers(slack, rnd)) == {"UANN", "UBOB", "UCID", "UDAN"}
    tenant = slack.channel().tenant
    points = {uid: (await slack.repo.person_totals(tenant, uid)).points for uid in ("UANN", "UBOB", "UCID")}
    assert points["UANN"] == points["UBOB"] > 0 and points["UCID"] == 0  # the unseen answers were scored
    await fake.wait_until(lambda: fake.socket_connected)


async def _reconnected(world: SlackWorld, cut: object) -> None:
    fake = world.fake
    before = fake.socket_connections
    assert callable(cut)
    await cut()
    await fake.wait_until(lambda: fake.socket_connected and fake.socket_connections > before)
