"""Answers by reaction: on messages discord.py never cached, never from the bot itself, withdrawals
logged, custom emoji ignored."""

from __future__ import annotations

from bot.core.events import AnswerGiven, AnswerWithdrawn
from bot.core.ports import Repository
from content.schema import Party
from tests.adapters.discord.conftest import MONDAY, Bot, start_bot
from tests.adapters.discord.helpers import EMOJI, bot_posts, channel_of, command, round_of
from tests.fakes.fake_discord import FakeDiscord, FakeGuild, FakeUser, Json


async def _posted(bot: Bot, guild: FakeGuild, admin: FakeUser) -> Json:
    channel = channel_of(guild)
    await command(bot, guild, admin, "setup", channel, time="09:30", tz="UTC")
    bot.clock.set(MONDAY.replace(hour=9, minute=30))
    await bot.engine.tick()
    (post,) = bot_posts(bot, channel)
    return post


async def test_reactions_on_an_uncached_message_count(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann = fake.add_member(guild, "ann")
    first = await start_bot(fake, db)
    post = await _posted(first, guild, admin)
    await first.adapter.stop()

    bot = await start_bot(fake, db, clock=first.clock)  # restarted: the post was never in this client's cache
    try:
        assert all(m.id != int(post["id"]) for m in bot.adapter.client.cached_messages)
        await fake.react(channel_of(guild), int(post["id"]), ann.id, "🤝")
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 1)
        rnd = await round_of(bot, guild, channel_of(guild), post)
        stored = await db.answers_for_round(rnd.id, "discord", str(guild.id))
        assert [(a.user.user_id, a.user.display_name) for a in stored] == [(str(ann.id), "Ann")]
    finally:
        await bot.adapter.stop()


async def test_the_bots_own_reactions_are_ignored(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann = fake.add_member(guild, "ann")
    helper = fake.add_member(guild, "helperbot", bot=True)
    bot = await start_bot(fake, db)
    try:
        post = await _posted(bot, guild, admin)
        channel, message = channel_of(guild), int(post["id"])
        dispatched = [p for s in fake.sessions.values() for p in s.sent if p["t"] == "MESSAGE_REACTION_ADD"]
        assert len(dispatched) == 3  # Discord echoes our three seeds back to us
        await fake.react(channel, message, helper.id, "☁️")  # another bot
        await fake.react(channel, message, ann.id, "☁️")
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 2)
        users = [e.user.user_id for e in bot.sink.of(AnswerGiven)]
        assert users == [str(helper.id), str(ann.id)]  # our own seeds never reached the engine
        assert bot.sink.of(AnswerGiven)[0].user.is_bot
        rnd = await round_of(bot, guild, channel, post)
        stored = await db.answers_for_round(rnd.id, "discord", str(guild.id))
        assert [a.user.user_id for a in stored] == [str(ann.id)]

        # read back at reveal: the bot's seeds are excluded, other bots are marked as bots
        collected = await bot.adapter.collect_answers(bot.sink.of(AnswerGiven)[0].post)
        assert {(c.user.user_id, c.user.is_bot) for c in collected} == {
            (str(helper.id), True),
            (str(ann.id), False),
        }
    finally:
        await bot.adapter.stop()


async def test_withdrawals_and_custom_emoji(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann, bob = fake.add_member(guild, "ann"), fake.add_member(guild, "bob")
    bot = await start_bot(fake, db)
    try:
        post = await _posted(bot, guild, admin)
        channel, message = channel_of(guild), int(post["id"])
        await fake.react(channel, message, ann.id, EMOJI[next(iter(EMOJI))])
        await fake.unreact(channel, message, ann.id, EMOJI[next(iter(EMOJI))])
        await bot.sink.wait_until(
            lambda: len(bot.sink.of(AnswerWithdrawn)) == len(bot.sink.of(AnswerGiven)) == 1
        )
        await fake.wait_until(lambda: len(fake.dms_to(ann)) == 1)  # the receipt
        rnd = await round_of(bot, guild, channel, post)
        assert (
            len(await db.answers_for_round(rnd.id, "discord", str(guild.id))) == 1
        )  # the first answer stays

        # a server emoji called "cloud" is not the ☁️ answer
        data = {"user_id": str(bob.id), "channel_id": str(channel), "message_id": str(message),
                "guild_id": str(guild.id), "emoji": {"id": "99", "name": "cloud"},
                "member": guild.members[bob.id].to_dict(), "burst": False, "type": 0}  # fmt: skip
        await fake.dispatch("MESSAGE_REACTION_ADD", data, guild.id)
        data["emoji"] = {"id": None, "name": "🅰️"}  # a standard emoji that is not an answer either
        await fake.dispatch("MESSAGE_REACTION_ADD", data, guild.id)
        await fake.react(channel, message, bob.id, "🤝🏽")  # an answer, skin tone and all: the barrier
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 2)
        assert [(e.user.user_id, e.choice) for e in bot.sink.of(AnswerGiven)][1:] == [
            (str(bob.id), Party.SHARED)
        ]
        assert {a.user.user_id for a in await db.answers_for_round(rnd.id, "discord", str(guild.id))} == {
            str(ann.id),
            str(bob.id),
        }
    finally:
        await bot.adapter.stop()
