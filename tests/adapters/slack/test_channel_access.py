"""Issue 12 item 2 on Slack: a private channel the bot was not invited to. Setup says how to invite it and
saves nothing; once invited, setup and post-now work at once; a post refused later (the bot removed) is
retried the moment the admin asks again."""

from __future__ import annotations

from bot.core.model import RoundState
from tests.adapters.slack.conftest import CHANNEL, TEAM, SlackWorld


def _hide(world: SlackWorld) -> None:
    ws = world.ws()
    channel = ws.channels[CHANNEL]
    channel.is_private = True
    channel.members.discard(ws.bot_user_id)


def _invite(world: SlackWorld) -> None:
    ws = world.ws()
    ws.channels[CHANNEL].members.add(ws.bot_user_id)


async def test_setup_in_a_private_channel_not_invited_says_how_to_invite(world: SlackWorld) -> None:
    _hide(world)
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
    assert "/invite @whos-responsible" in reply.text and "Nothing was saved" in reply.text
    assert await world.repo.get_team(world.channel()) is None
    _invite(world)
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
    assert reply.text.startswith("✅")
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "post-now")
    assert reply.text.startswith("📣 Posted") and len(world.posts()) == 1


async def test_post_now_after_removal_tells_the_truth_then_posts_at_once(world: SlackWorld) -> None:
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
    assert reply.text.startswith("✅")
    _hide(world)  # someone made the channel private and removed the bot
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "post-now")
    assert (
        reply.text.startswith("⚠️ I can't post in this channel") and "/invite @whos-responsible" in reply.text
    )
    assert world.posts() == []
    _invite(world)
    (reply,) = await world.fake.command(TEAM, "UADMIN", CHANNEL, "post-now")  # no lease to wait out
    assert reply.text.startswith("📣 Posted"), reply.text
    (post,) = world.posts()
    assert (await world.round_of(post)).state is RoundState.POSTED
