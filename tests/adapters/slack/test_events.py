"""Event handling edge cases: the bot's own reactions, Slack's retries, Socket Mode reconnects."""

from __future__ import annotations

from bot.core.events import AnswerGiven, MemberJoined
from bot.core.messages import option_for
from content.schema import Party
from tests.adapters.slack.conftest import CHANNEL, MONDAY, TEAM, SlackWorld
from tests.fakes.fake_slack import Message


async def _posted(world: SlackWorld) -> Message:
    await world.fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h")
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (post,) = world.posts()
    return post


async def test_the_bots_own_reactions_are_ignored(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()
    post = await _posted(world)
    # Slack echoes the seeded reactions back as reaction_added events from the bot user.
    for name in ("cloud", "technologist", "handshake"):
        await fake.react(TEAM, ws.bot_user_id, CHANNEL, post.ts, name)
    await fake.react(TEAM, "UANN", CHANNEL, post.ts, "cloud")
    await world.settle()
    assert [e.user for e in ws.ephemerals] == ["UANN"]
    answers = [e for e in world.events if isinstance(e, AnswerGiven)]
    assert [(a.user.user_id, a.choice) for a in answers] == [("UANN", Party.AWS)]
    # At reveal the seeded reactions are not counted either.
    await world.tick_at(MONDAY.replace(hour=13, minute=30))
    rnd = await world.round_of(post)
    stored = await world.repo.answers_for_round(rnd.id, "slack", TEAM)
    assert [a.user.user_id for a in stored] == ["UANN"]


async def test_a_retried_event_is_counted_once(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()
    post = await _posted(world)
    event_id = await fake.react(TEAM, "UBOB", CHANNEL, post.ts, "technologist")
    # Slack thought we missed it and sends the same event again (X-Slack-Retry-Num / retry_attempt).
    await fake.react(TEAM, "UBOB", CHANNEL, post.ts, "technologist", event_id=event_id, retry=1)
    await fake.react(TEAM, "UBOB", CHANNEL, post.ts, "technologist", event_id=event_id, retry=2)
    await fake.react(TEAM, "UCID", CHANNEL, post.ts, "handshake")
    await world.settle()
    answers = [(e.user.user_id, e.choice) for e in world.events if isinstance(e, AnswerGiven)]
    assert answers == [("UBOB", Party.CUSTOMER), ("UCID", Party.SHARED)]
    assert sorted(e.user for e in ws.ephemerals) == ["UBOB", "UCID"]


async def test_a_retried_new_member_gets_one_welcome(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()
    user = fake.add_user(TEAM, "UNEW", "Nia", tz="Asia/Tokyo")
    event = {"type": "team_join", "user": user}
    event_id = await fake.send_event(TEAM, event)
    await fake.send_event(TEAM, event, event_id=event_id, retry=1)
    await world.settle()
    joins = [e for e in world.events if isinstance(e, MemberJoined)]
    assert len(joins) == 1 and joins[0].timezone == "Asia/Tokyo" and joins[0].channel is None
    welcome, lesson = ws.messages["DUNEW"]
    assert "bot" in welcome.text and lesson.text.startswith("Lesson 1/")


async def test_socket_mode_reconnects_after_disconnect(socket_world: SlackWorld) -> None:
    fake = socket_world.fake
    assert fake.socket_connections == 1
    await fake.disconnect_socket()
    await fake.wait_until(lambda: fake.socket_connections == 2 and fake.socket_connected)
    assert len(fake.calls_of("apps.connections.open")) == 2  # a fresh URL for the new connection
    (reply,) = await fake.command(TEAM, "UANN", CHANNEL, "help")
    assert "Commands" in reply.text
    assert all(e.acked_at is not None for e in fake.envelopes)


async def test_answer_buttons_are_private(world: SlackWorld) -> None:
    """Buttons mode: the press is acknowledged at once and answered on the response_url, ephemerally."""
    fake = world.fake
    await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h mode buttons")
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (post,) = world.posts()
    assert post.reactions == {}  # nothing seeded in buttons mode
    (actions,) = [b for b in post.blocks if b["type"] == "actions"]
    shared = next(e for e in actions["elements"] if "Shared" in e["text"]["text"])
    payload = fake.block_actions(TEAM, "UDAN", shared["action_id"], shared["value"], CHANNEL, post.ts)
    await fake.deliver("interactive", payload)
    await fake.wait_until(lambda: len(fake.responses_to(payload["response_url"])) == 1)
    (reply,) = fake.responses_to(payload["response_url"])
    assert reply.body["response_type"] == "ephemeral" and reply.body["replace_original"] is False
    assert "locked in" in reply.text
    rnd = await world.round_of(post)
    stored = await world.repo.answers_for_round(rnd.id, "slack", TEAM)
    assert [(a.user.user_id, a.choice) for a in stored] == [("UDAN", Party.SHARED)]
    assert option_for(Party.SHARED).label in shared["text"]["text"]
