"""Buttons by custom_id (they work after a restart), answer buttons with private receipts, lesson buttons
in DMs, practice, autocomplete, and shards."""

from __future__ import annotations

from bot.core.events import AnswerGiven, ButtonPressed
from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, start_bot
from tests.adapters.discord.helpers import (
    EPHEMERAL,
    bot_posts,
    channel_of,
    command,
    replies,
    round_of,
    text_of,
)
from tests.fakes.fake_discord import FakeDiscord, Json


def custom_ids(message: Json) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


async def test_answer_buttons_survive_a_restart_and_reply_privately(
    fake: FakeDiscord, db: Repository
) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin, ann = fake.add_member(guild, "alice", admin=True), fake.add_member(guild, "ann")
    first = await start_bot(fake, db)
    await command(first, guild, admin, "setup", time="09:30", tz="UTC", mode="buttons")
    first.clock.set(MONDAY.replace(hour=9, minute=30))
    await first.engine.tick()
    await first.adapter.stop()
    (post,) = bot_posts(first, channel_of(guild))
    rnd = await round_of(first, guild, channel_of(guild), post)
    ids = custom_ids(post)
    assert ids == [f"rb:answer:{rnd.id}:{p}" for p in ("aws", "customer", "shared")]
    assert fake.reaction_users(int(post["id"]), "☁️") == []  # buttons mode seeds no reactions

    bot = await start_bot(fake, db, clock=first.clock)  # a new process: no view was ever registered here
    try:
        interaction = await fake.click(post, ann, ids[1])
        (receipt,) = await replies(bot, interaction)
        assert fake.callbacks[interaction.id] == [{"type": 6}]  # acknowledged without editing the post
        assert "locked in" in text_of(receipt) and receipt["flags"] & EPHEMERAL
        (pressed,) = bot.sink.of(ButtonPressed)
        assert pressed.post is not None and pressed.post.message_id == post["id"]
        stored = await db.answers_for_round(rnd.id, "discord", str(guild.id))
        assert [(a.user.user_id, a.choice.value) for a in stored] == [(str(ann.id), "customer")]
        assert fake.dms_to(ann) == []  # the receipt was the ephemeral follow-up, not a DM
        assert bot.sink.of(AnswerGiven) == []
    finally:
        await bot.adapter.stop()


async def test_lesson_buttons_in_a_dm_carry_the_server(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ann = fake.add_member(guild, "ann")
    bot = await start_bot(fake, db)
    try:
        (reply,) = await command(bot, guild, ann, "learn")
        assert reply["flags"] & EPHEMERAL
        await fake.wait_until(lambda: any(m["components"] for m in fake.dms_to(ann)))
        lesson = next(m for m in fake.dms_to(ann) if m["components"])
        interaction = await fake.click(lesson, ann, custom_ids(lesson)[0])  # in the DM: no guild_id
        (feedback, *_) = await replies(bot, interaction)
        assert "guild_id" not in interaction.payload
        (pressed,) = bot.sink.of(ButtonPressed)
        assert pressed.user.workspace_id == str(guild.id) and pressed.action == "lesson"
        assert text_of(feedback)
    finally:
        await bot.adapter.stop()


async def test_practice_question_and_answer(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ann = fake.add_member(guild, "ann")
    bot = await start_bot(fake, db)
    try:
        (question,) = await command(bot, guild, ann, "quiz")
        assert "Practice" in text_of(question) and question["flags"] & EPHEMERAL
        ids = custom_ids(question)
        assert all(i.startswith("rb:quiz:") for i in ids) and len(ids) == 3
        interaction = await fake.click(question, ann, ids[0])
        (result, *_) = await replies(bot, interaction)
        assert result["flags"] & EPHEMERAL and text_of(result)
    finally:
        await bot.adapter.stop()


async def test_lookup_takes_a_whole_question(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ann = fake.add_member(guild, "ann")
    bot = await start_bot(fake, db)
    try:
        (answer,) = await command(
            bot, guild, ann, "lookup", question="who patches the database engine on rds"
        )
        assert "RDS" in text_of(answer) and "AWS" in text_of(answer)
    finally:
        await bot.adapter.stop()


async def test_shards_split_the_servers(fake: FakeDiscord, db: Repository) -> None:
    guilds = [fake.add_guild(f"G{i}", channels=("aws-study", "random")[: 1 + i % 2]) for i in range(6)]
    shard_of = {g.id: (g.id >> 22) % 2 for g in guilds}
    assert set(shard_of.values()) == {0, 1}  # the fake's ids land on both shards
    admins = {g.id: fake.add_member(g, "admin", admin=True) for g in guilds}
    bot = await start_bot(fake, db, shard_count=2, shard_ids=[0, 1])
    try:
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        for guild in guilds:
            (reply,) = await command(bot, guild, admins[guild.id], "help")
            assert "Who's Responsible?" in text_of(reply)
        assert {fake.sessions[s].shard[0] for s in fake.sessions} == {0, 1}
    finally:
        await bot.adapter.stop()
