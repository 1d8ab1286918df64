"""The whole day through real gateway dispatches and interaction callbacks: setup → post → five members
react → reveal → leaderboard."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import AnswerGiven
from bot.core.model import RoundState
from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, start_bot
from tests.adapters.discord.helpers import (
    EMOJI,
    EPHEMERAL,
    WRONG,
    bot_posts,
    channel_of,
    command,
    post_channel,
    round_of,
    text_of,
)
from tests.fakes.fake_discord import FakeDiscord


async def test_full_day_cycle(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study", "random"))
    admin = fake.add_member(guild, "alice", admin=True)
    people = [fake.add_member(guild, name) for name in ("ann", "bob", "cid", "dan", "eve")]
    channel = channel_of(guild, "aws-study")
    bot = await start_bot(fake, db)
    try:
        # setup: an admin, through the app command; the reply is private and the guild gets its commands
        (reply,) = await command(bot, guild, admin, "setup", channel, time="09:30", tz="UTC", window="4h")
        assert text_of(reply).startswith("✅") and "#aws-study" in text_of(reply)
        assert reply["flags"] & EPHEMERAL
        assert fake.command_syncs == [guild.id]  # per-guild sync on setup; no global sync by default
        team = await db.get_team(post_channel(guild, channel))
        assert team is not None and team.name == "#aws-study"

        # the post at 09:30, with the three options seeded by the bot
        bot.clock.set(MONDAY.replace(hour=9, minute=30))
        await bot.engine.tick()
        (post,) = bot_posts(bot, channel)
        assert "Who's responsible?" in text_of(post) and post["nonce"]
        for emoji in EMOJI.values():
            assert fake.reaction_users(int(post["id"]), emoji) == [fake.bot.id]
        rnd = await round_of(bot, guild, channel, post)
        answer = bot.engine.content.scenarios[rnd.scenario_id].answer

        # five members react: three right, two wrong; each gets a private receipt by DM
        for person, party in zip(people, [answer, answer, answer, WRONG[answer], WRONG[answer]], strict=True):
            await fake.react(channel, int(post["id"]), person.id, EMOJI[party])
        await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 5)
        await fake.wait_until(lambda: all(fake.dms_to(p) for p in people))
        assert "locked in" in text_of(fake.dms_to(people[0])[0])
        stored = await db.answers_for_round(rnd.id, "discord", str(guild.id))
        assert sorted(a.user.user_id for a in stored) == sorted(str(p.id) for p in people)

        # the reveal at 13:30, as a reply to the post, with the team's votes
        bot.clock.set(MONDAY.replace(hour=13, minute=30))
        await bot.engine.tick()
        posts = bot_posts(bot, channel)
        assert len(posts) == 2
        reveal = posts[1]
        assert reveal["message_reference"]["message_id"] == post["id"]
        assert "3 of 5" in text_of(reveal)
        done = await db.get_round(rnd.id)
        assert (
            done is not None and done.state is RoundState.REVEALED and done.reveal_message_id == reveal["id"]
        )

        # the leaderboard, privately
        (board,) = await command(bot, guild, people[0], "leaderboard", channel, period="week")
        lines = text_of(board).splitlines()
        ranked = [line for line in lines if line.startswith("**")]
        assert [line.split("** ")[1].split(" —")[0] for line in ranked] == ["Ann", "Bob", "Cid", "Dan", "Eve"]
        assert "10 pts" in ranked[0] and "0 pts" in ranked[3]
        assert board["flags"] & EPHEMERAL
        assert bot.clock.now() - MONDAY == timedelta(hours=5, minutes=30)
    finally:
        await bot.adapter.stop()
