"""Issue 12 item 1 on Discord: a new deployment on a fresh database never takes an earlier deployment's
post (same round id, other database) for today's — neither by nonce nor by the key in the footer."""

from __future__ import annotations

from pathlib import Path

from storage.sqlite import SqliteRepository
from tests.adapters.discord.conftest import start_bot
from tests.adapters.discord.helpers import bot_posts, channel_of, command, post_channel, text_of
from tests.fakes.fake_discord import FakeDiscord


async def test_a_fresh_database_posts_its_own_round_one(fake: FakeDiscord, tmp_path: Path) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ada = fake.add_member(guild, "ada", admin=True)
    channel = channel_of(guild)
    old_repo = await SqliteRepository.open(str(tmp_path / "old.db"))
    old = await start_bot(fake, old_repo)
    try:
        await command(old, guild, ada, "setup", time="09:30", tz="UTC")
        (reply,) = await command(old, guild, ada, "post-now")
        assert text_of(reply).startswith("📣 Posted today's scenario (round 1)")
    finally:
        await old.adapter.stop()
        await old_repo.close()

    new_repo = await SqliteRepository.open(str(tmp_path / "new.db"))
    new = await start_bot(fake, new_repo)
    try:
        await command(new, guild, ada, "setup", time="09:30", tz="UTC")
        (reply,) = await command(new, guild, ada, "post-now")
        assert text_of(reply).startswith("📣 Posted today's scenario (round 1)")
        first, second = bot_posts(new, channel)
        ref = post_channel(guild, channel)
        rnd = await new_repo.round_for_post(ref, second["id"])
        assert rnd is not None and rnd.id == 1 and second["id"] != first["id"]
        assert await new_repo.round_for_post(ref, first["id"]) is None
    finally:
        await new.adapter.stop()
        await new_repo.close()
