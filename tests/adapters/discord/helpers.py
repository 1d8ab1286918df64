"""Small helpers shared by the Discord adapter tests: running commands and finding the bot's posts."""

from __future__ import annotations

from typing import Any

from bot.core.events import ChannelRef, PostRef
from bot.core.model import Round
from content.schema import Party
from tests.adapters.discord.conftest import Bot
from tests.fakes.fake_discord import FakeGuild, FakeUser, Interaction, Json

EMOJI = {Party.AWS: "☁️", Party.CUSTOMER: "🧑‍💻", Party.SHARED: "🤝"}
WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}
EPHEMERAL = 64


def channel_of(guild: FakeGuild, name: str | None = None) -> int:
    return next(cid for cid, n in guild.channels.items() if name is None or n == name)


async def command(
    bot: Bot, guild: FakeGuild, user: FakeUser, sub: str, channel: int | None = None, **options: Any
) -> list[Json]:
    """Run `/responsibility sub …` and wait for the deferral and at least one follow-up."""
    interaction = await bot.fake.slash(guild, channel or channel_of(guild), user, sub, **options)
    return await replies(bot, interaction)


async def replies(bot: Bot, interaction: Interaction, count: int = 1) -> list[Json]:
    await bot.fake.wait_until(lambda: len(bot.fake.followups.get(interaction.token, [])) >= count)
    return bot.fake.followups[interaction.token]


def text_of(message: Json) -> str:
    """Content plus every embed's text, for assertions on what a person sees."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def bot_posts(bot: Bot, channel: int) -> list[Json]:
    return [m for m in bot.fake.channel_messages(channel) if m["author"]["id"] == str(bot.fake.bot.id)]


async def round_of(bot: Bot, guild: FakeGuild, channel: int, message: Json) -> Round:
    ref = ChannelRef("discord", str(guild.id), str(channel))
    rnd = await bot.repo.round_for_post(ref, message["id"])
    assert rnd is not None
    return rnd


def post_ref(guild: FakeGuild, channel: int, message: Json) -> PostRef:
    return PostRef(ChannelRef("discord", str(guild.id), str(channel)), message["id"])


def post_channel(guild: FakeGuild, channel: int) -> ChannelRef:
    return ChannelRef("discord", str(guild.id), str(channel))
