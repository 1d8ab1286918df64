"""Admin subcommands need Manage Server or the DISCORD_ADMIN_ROLE role; `export` arrives privately."""

from __future__ import annotations

from bot.core.ports import Repository
from tests.adapters.discord.conftest import start_bot
from tests.adapters.discord.helpers import EPHEMERAL, channel_of, command, post_channel, text_of
from tests.fakes.fake_discord import FakeDiscord


async def test_a_non_admin_is_refused(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",), roles=("Respbot Admin",))
    ann = fake.add_member(guild, "ann")
    bot = await start_bot(fake, db)
    try:
        (reply,) = await command(bot, guild, ann, "setup", time="09:30")
        assert "is for admins" in text_of(reply) and reply["flags"] & EPHEMERAL
        assert await db.get_team(post_channel(guild, channel_of(guild))) is None
        assert fake.command_syncs == []
        (reply,) = await command(bot, guild, ann, "export", period="all")
        assert "is for admins" in text_of(reply) and not reply["attachments"]
    finally:
        await bot.adapter.stop()


async def test_the_admin_role_grants_admin_commands(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",), roles=("Respbot Admin",))
    lead = fake.add_member(guild, "lead", roles=("Respbot Admin",))  # no Manage Server, but the role
    bot = await start_bot(fake, db)
    try:
        (reply,) = await command(bot, guild, lead, "setup", time="10:00", tz="Europe/Berlin", mode="buttons")
        assert text_of(reply).startswith("✅")
        team = await db.get_team(post_channel(guild, channel_of(guild)))
        assert (
            team is not None
            and team.settings.timezone == "Europe/Berlin"
            and team.settings.mode.value == "buttons"
        )
    finally:
        await bot.adapter.stop()


async def test_export_sends_the_csv_privately(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    bot = await start_bot(fake, db)
    try:
        await command(bot, guild, admin, "setup", time="09:30")
        (reply,) = await command(bot, guild, admin, "export", period="all")
        assert reply["flags"] & EPHEMERAL
        (attachment,) = reply["attachments"]
        assert attachment["filename"].startswith("responsibility-all-") and attachment["filename"].endswith(
            ".csv"
        )
        assert attachment["_bytes"].splitlines()[0].startswith("person,person_id,team")
        assert all(
            m["author"]["id"] != str(fake.bot.id) or not m["attachments"]
            for m in fake.channel_messages(channel_of(guild))
        )
    finally:
        await bot.adapter.stop()
