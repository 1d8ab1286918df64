"""Reminder (pinging only the configured role), weekly recap with its chart attached to the embed, and the
season post, through the real Discord adapter and FakeDiscord."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import AnswerGiven
from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, start_bot
from tests.adapters.discord.helpers import EMOJI, bot_posts, channel_of, command, round_of, text_of
from tests.fakes.fake_discord import FakeDiscord

THURSDAY = MONDAY.replace(day=3, month=12)
FRIDAY = THURSDAY + timedelta(days=1)


async def test_reminder_pings_the_role_and_the_recap_carries_its_chart(
    fake: FakeDiscord, db: Repository
) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",), roles=("Ops",))
    admin = fake.add_member(guild, "alice", admin=True)
    people = [fake.add_member(guild, name) for name in ("ann", "bob", "cid", "dan")]
    channel = channel_of(guild, "aws-study")
    bot = await start_bot(fake, db)
    try:
        bot.clock.set(THURSDAY)
        (reply,) = await command(
            bot, guild, admin, "setup", channel, time="09:30", tz="UTC", window="4h", ping="role:Ops"
        )
        assert text_of(reply).startswith("✅"), text_of(reply)
        bot.clock.set(THURSDAY.replace(hour=9, minute=30))
        await bot.engine.tick()
        (thursday,) = bot_posts(bot, channel)
        answer = bot.engine.content.scenarios[
            (await round_of(bot, guild, channel, thursday)).scenario_id
        ].answer
        for person in people:
            await fake.react(channel, int(thursday["id"]), person.id, EMOJI[answer])
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 4)
        bot.clock.set(THURSDAY.replace(hour=13, minute=31))
        await bot.engine.tick()

        bot.clock.set(FRIDAY.replace(hour=9, minute=30))
        await bot.engine.tick()
        friday = bot_posts(bot, channel)[-1]
        await fake.react(channel, int(friday["id"]), people[0].id, EMOJI[answer])
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 5)
        bot.clock.set(FRIDAY.replace(hour=12, minute=31))
        await bot.engine.tick()
        reminder = bot_posts(bot, channel)[-1]
        ops = next(rid for rid, name in guild.roles.items() if name == "Ops")
        assert reminder["message_reference"]["message_id"] == friday["id"]
        assert reminder["content"] == f"<@&{ops}>" and "1 of 4 regulars" in text_of(reminder)
        allowed = reminder["_allowed_mentions"]
        assert allowed["roles"] == [ops] and allowed["parse"] == [] and not allowed.get("users")

        bot.clock.set(FRIDAY.replace(hour=13, minute=31))
        await bot.engine.tick()
        recap = bot_posts(bot, channel)[-1]
        assert "Week 49 recap" in text_of(recap)
        (chart,) = recap["attachments"]
        assert chart["filename"] == "recap-2026-W49.png" and chart["_bytes"][1:4] == "PNG"
        assert recap["embeds"][0]["image"]["url"] == "attachment://recap-2026-W49.png"
        assert recap["_allowed_mentions"]["parse"] == []  # names in the recap never ping anyone
        count = len(bot_posts(bot, channel))
        bot.clock.set(FRIDAY.replace(hour=16))
        await bot.engine.tick()
        assert len(bot_posts(bot, channel)) == count  # one recap, one reminder
    finally:
        await bot.adapter.stop()


async def test_season_champions_post_on_discord(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann = fake.add_member(guild, "ann")
    channel = channel_of(guild, "aws-study")
    bot = await start_bot(fake, db)
    try:
        (reply,) = await command(
            bot, guild, admin, "setup", channel, time="09:30", tz="UTC", window="4h", recap="off"
        )
        assert text_of(reply).startswith("✅"), text_of(reply)
        bot.clock.set(MONDAY.replace(hour=9, minute=30))
        await bot.engine.tick()
        (november,) = bot_posts(bot, channel)
        await fake.react(channel, int(november["id"]), ann.id, EMOJI[next(iter(EMOJI))])
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 1)
        bot.clock.set(MONDAY.replace(hour=13, minute=31))
        await bot.engine.tick()
        december = MONDAY.replace(day=1, month=12)
        for hour, minute in ((9, 30), (13, 31), (15, 0)):
            bot.clock.set(december.replace(hour=hour, minute=minute))
            await bot.engine.tick()
        seasons = [m for m in bot_posts(bot, channel) if "season champions" in text_of(m)]
        assert len(seasons) == 1 and "November 2026" in text_of(seasons[0])
        assert seasons[0]["_allowed_mentions"]["parse"] == []
    finally:
        await bot.adapter.stop()
