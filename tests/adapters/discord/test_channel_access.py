"""Issue 12 item 2 on Discord: a channel the bot cannot see. Setup names the permissions and saves nothing;
a post refused later is retried the moment the admin runs post-now again, with the truth each time."""

from __future__ import annotations

from bot.core.ports import Repository
from tests.adapters.discord.conftest import start_bot
from tests.adapters.discord.helpers import bot_posts, channel_of, command, post_channel, text_of
from tests.fakes.fake_discord import FakeDiscord


async def test_a_channel_the_bot_cannot_see(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ada = fake.add_member(guild, "ada", admin=True)
    channel = channel_of(guild)
    fake.hidden_channels.add(channel)
    bot = await start_bot(fake, db)
    try:
        (reply,) = await command(bot, guild, ada, "setup", time="09:30", tz="UTC")
        assert "View Channel" in text_of(reply) and "Nothing was saved" in text_of(reply)
        assert await db.get_team(post_channel(guild, channel)) is None

        fake.hidden_channels.discard(channel)
        (reply,) = await command(bot, guild, ada, "setup", time="09:30", tz="UTC")
        assert text_of(reply).startswith("✅")

        fake.hidden_channels.add(channel)  # someone took the bot's access away
        (reply,) = await command(bot, guild, ada, "post-now")
        assert text_of(reply).startswith("⚠️ I can't post in this channel") and "View Channel" in text_of(
            reply
        )
        assert bot_posts(bot, channel) == []

        fake.hidden_channels.discard(channel)
        (reply,) = await command(bot, guild, ada, "post-now")
        assert text_of(reply).startswith("📣 Posted"), text_of(reply)
        assert len(bot_posts(bot, channel)) == 1
    finally:
        await bot.adapter.stop()
