"""The gateway: intents on IDENTIFY, RECONNECT → RESUME without losing answers, INVALID_SESSION → a fresh
IDENTIFY, member joins, and a refused privileged intent explained."""

from __future__ import annotations

import pytest

from bot.core.events import AnswerGiven, MemberJoined
from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, start_bot
from tests.adapters.discord.helpers import EMOJI, bot_posts, channel_of, command, text_of
from tests.fakes.fake_discord import GUILD_MEMBERS, GUILDS, FakeDiscord

GUILD_REACTIONS = 1 << 10
MESSAGE_CONTENT = 1 << 15


async def test_identify_asks_only_for_the_intents_used(fake: FakeDiscord, db: Repository) -> None:
    fake.add_guild("Acme")
    bot = await start_bot(fake, db)
    await bot.adapter.stop()
    bot = await start_bot(fake, db, members_intent=False)
    await bot.adapter.stop()
    first, second = fake.identifies
    assert first["intents"] == GUILDS | GUILD_MEMBERS | GUILD_REACTIONS
    assert second["intents"] == GUILDS | GUILD_REACTIONS
    assert not first["intents"] & MESSAGE_CONTENT


async def test_refused_members_intent_says_what_to_do(db: Repository) -> None:
    fake = await FakeDiscord(members_intent_granted=False).start()
    try:
        fake.add_guild("Acme")
        with pytest.raises(RuntimeError, match="DISCORD_MEMBERS_INTENT=false"):
            await start_bot(fake, db)
        bot = await start_bot(fake, db, members_intent=False)  # the documented way out works
        await bot.adapter.stop()
    finally:
        await fake.stop()


async def test_bad_token_is_reported_without_echoing_it(fake: FakeDiscord, db: Repository) -> None:
    with pytest.raises(RuntimeError, match="DISCORD_TOKEN") as info:
        await start_bot(fake, db, token="a-wrong-token")
    assert "a-wrong-token" not in str(info.value)
    assert fake.identifies == []  # it never reached the gateway


async def test_reconnect_mid_round_loses_no_answers(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann, bob, cid = (fake.add_member(guild, n) for n in ("ann", "bob", "cid"))
    channel = channel_of(guild)
    bot = await start_bot(fake, db)
    try:
        await command(bot, guild, admin, "setup", channel, time="09:30", tz="UTC")
        bot.clock.set(MONDAY.replace(hour=9, minute=30))
        await bot.engine.tick()
        (post,) = bot_posts(bot, channel)
        message = int(post["id"])
        await fake.react(channel, message, ann.id, EMOJI[next(iter(EMOJI))])
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 1)

        await fake.reconnect()  # Discord asks the bot to reconnect; meanwhile two more people answer
        await fake.react(channel, message, bob.id, "🤝")
        await fake.react(channel, message, cid.id, "🧑‍💻")
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 3)

        assert len(fake.identifies) == 1 and len(fake.resumes) == 1  # resumed, not re-identified
        assert fake.gateway_paths == ["/gateway", "/resume-gateway"]  # at READY's resume_gateway_url
        rnd = await bot.repo.round_for_post(bot.sink.of(AnswerGiven)[0].post.channel, post["id"])
        assert rnd is not None
        stored = await db.answers_for_round(rnd.id, "discord", str(guild.id))
        assert {a.user.user_id for a in stored} == {str(ann.id), str(bob.id), str(cid.id)}
    finally:
        await bot.adapter.stop()


async def test_invalid_session_identifies_again_and_keeps_working(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    bot = await start_bot(fake, db)
    try:
        await fake.invalidate_session()
        await fake.wait_until(lambda: len(fake.identifies) == 2 and fake.connected())
        assert fake.gateway_paths == ["/gateway", "/gateway"]  # a fresh session starts at the gateway
        (reply,) = await command(bot, guild, admin, "help")
        assert "Who's Responsible?" in text_of(reply)
    finally:
        await bot.adapter.stop()


async def test_new_member_gets_the_course_by_dm(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme")
    bot = await start_bot(fake, db)
    try:
        await fake.member_join(guild, "otherbot", bot=True)  # bots get no course
        newbie = await fake.member_join(guild, "newbie")
        await bot.sink.wait_until(lambda: len(bot.sink.of(MemberJoined)) == 1)
        await fake.wait_until(lambda: len(fake.dms_to(newbie)) >= 2)
        (joined,) = bot.sink.of(MemberJoined)
        assert joined.user.workspace_id == str(guild.id) and joined.channel is None
        lesson = next(m for m in fake.dms_to(newbie) if m["components"])
        ids = [c["custom_id"] for row in lesson["components"] for c in row["components"]]
        assert ids and all(i.startswith(f"rb@{guild.id}:lesson:") for i in ids)  # the server travels along
    finally:
        await bot.adapter.stop()
