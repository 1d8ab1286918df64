"""Posting once: a 429 during the daily post neither loses nor duplicates it, and a retry after a crash —
inside Discord's nonce window or beyond it — returns the first message instead of posting again."""

from __future__ import annotations

from bot.core.messages import ScenarioCard, TextReply
from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, make_adapter, start_bot
from tests.adapters.discord.helpers import EMOJI, bot_posts, channel_of, command, post_channel
from tests.fakes.fake_discord import FakeDiscord

CREATE = r"^/channels/\d+/messages$"


def card(round_id: int = 1) -> ScenarioCard:
    return ScenarioCard(
        round_id, "s-001", "#aws-study", "Amazon EC2", "Who patches the guest OS?", MONDAY, "reactions"
    )


async def test_429_during_the_post_neither_loses_nor_duplicates_it(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    channel = channel_of(guild)
    bot = await start_bot(fake, db)
    try:
        await command(bot, guild, admin, "setup", channel, time="09:30", tz="UTC")
        fake.rate_limit("POST", CREATE, count=2, retry_after=0.01)
        fake.rate_limit("PUT", r"/reactions/", count=1, retry_after=0.01)
        bot.clock.set(MONDAY.replace(hour=9, minute=30))
        report = await bot.engine.tick()
        assert report.posted == 1
        (post,) = bot_posts(bot, channel)
        creates = [r for r in fake.requests if r[0] == "POST" and r[1] == f"/channels/{channel}/messages"]
        assert len(creates) == 3  # two 429s, then the post
        for emoji in EMOJI.values():
            assert fake.reaction_users(int(post["id"]), emoji) == [fake.bot.id]
        rnd = await db.round_for_post(post_channel(guild, channel), post["id"])
        assert rnd is not None and rnd.message_id == post["id"]
    finally:
        await bot.adapter.stop()


async def test_retry_after_a_crash_returns_the_first_post(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    channel = channel_of(guild)
    ref = post_channel(guild, channel)
    first = await start_bot(fake, db)
    posted = await first.adapter.post_card(ref, card(), "round-1")
    await first.adapter.stop()  # the process dies before recording the message id

    second = await start_bot(fake, db)  # a new process, a new client, nothing cached
    try:
        again = await second.adapter.post_card(ref, card(), "round-1")
        assert again == posted
        fake.forget_nonces()  # much later: Discord no longer remembers the nonce; history still finds it
        assert await second.adapter.post_card(ref, card(), "round-1") == posted
        assert len(bot_posts(second, channel)) == 1
        assert fake.reaction_users(int(posted.message_id), "🤝") == [fake.bot.id]
        other = await second.adapter.post_card(ref, card(2), "round-2")  # a different key is a new post
        assert other != posted and len(bot_posts(second, channel)) == 2
    finally:
        await second.adapter.stop()


async def test_the_nonce_alone_prevents_a_duplicate(fake: FakeDiscord, db: Repository) -> None:
    """A plain text post has no embed footer to find in history: the nonce with enforce_nonce does it."""
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ref = post_channel(guild, channel_of(guild))
    bot = await start_bot(fake, db)
    try:
        one = await bot.adapter.post_card(ref, TextReply("Hello"), "hello-1")
        two = await bot.adapter.post_card(ref, TextReply("Hello"), "hello-1")
        assert one == two and len(bot_posts(bot, channel_of(guild))) == 1
        creates = [r for r in fake.requests if r[0] == "POST" and "/messages" in r[1]]
        assert len(creates) == 2  # the second request went out, and Discord answered with the first message
    finally:
        await bot.adapter.stop()


async def test_the_reveal_is_a_reply_posted_once(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    channel = channel_of(guild)
    ref = post_channel(guild, channel)
    bot = await start_bot(fake, db)
    try:
        post = await bot.adapter.post_card(ref, card(), "round-1")
        reply = await bot.adapter.reply_thread(post, TextReply("The answer", title="Answer"), "reveal-1")
        assert (
            await bot.adapter.reply_thread(post, TextReply("The answer", title="Answer"), "reveal-1") == reply
        )
        messages = bot_posts(bot, channel)
        assert len(messages) == 2 and messages[1]["message_reference"]["message_id"] == post.message_id
    finally:
        await bot.adapter.stop()


async def test_start_does_not_sync_commands_unless_asked(fake: FakeDiscord, db: Repository) -> None:
    fake.add_guild("Acme")
    bot = await start_bot(fake, db)
    await bot.adapter.stop()
    assert fake.command_syncs == []
    adapter = make_adapter(fake, bot.clock, sync_commands=True)
    await adapter.start(bot.sink)
    await adapter.stop()
    assert fake.command_syncs == [None]
    (group,) = fake.global_commands
    subcommands = {o["name"] for o in group["options"]}
    assert group["name"] == "responsibility" and {"setup", "leaderboard", "lookup", "export"} <= subcommands
