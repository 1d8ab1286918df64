"""`/responsibility suggest` opens a Discord modal; field errors come back privately by field; a valid one is
stored for this server only; an approved question's credit and text never ping anyone."""

from __future__ import annotations

from bot.core.events import Tenant
from bot.core.ports import Repository
from tests.adapters.discord.conftest import start_bot
from tests.adapters.discord.helpers import channel_of, command, replies, text_of
from tests.fakes.content import REF
from tests.fakes.fake_discord import FakeDiscord

QUESTION = "@everyone Our team left an S3 bucket open to the world <@&123456>. Who is responsible for it?"
WHY = "Bucket policies are configuration you write and own; AWS only enforces what you set."


def form(prompt: str, answer: str, explanation: str, link: str) -> dict[str, str]:
    return {"suggest:prompt": prompt, "suggest:answer": answer, "suggest:explanation": explanation,
            "suggest:link": link}  # fmt: skip


async def test_the_suggestion_modal(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann = fake.add_member(guild, "ann")
    channel = channel_of(guild, "aws-study")
    bot = await start_bot(fake, db)
    try:
        opened = await fake.slash(guild, channel, ann, "suggest")
        await fake.wait_until(lambda: bool(fake.callbacks.get(opened.id)))
        (modal,) = fake.callbacks[opened.id]
        assert modal["type"] == 9 and modal["data"]["custom_id"] == "suggest"
        inputs = [row["components"][0]["custom_id"] for row in modal["data"]["components"]]
        assert inputs == ["suggest:prompt", "suggest:answer", "suggest:explanation", "suggest:link"]

        bad = await fake.submit_modal(
            guild, channel, ann, "suggest", form("short", "customer", "x", "https://x.io/a")
        )
        (reply,) = await replies(bot, bad)
        assert "**prompt**" in text_of(reply) and "**link**" in text_of(reply)
        assert await db.suggestions(Tenant("discord", str(guild.id)), "pending", 10) == []

        again = await fake.slash(guild, channel, ann, "suggest")  # a modal takes one submission: reopen
        await fake.wait_until(lambda: bool(fake.callbacks.get(again.id)))
        good = await fake.submit_modal(guild, channel, ann, "suggest", form(QUESTION, "Customer", WHY, REF))
        (reply,) = await replies(bot, good)
        assert "waiting for an admin" in text_of(reply)
        (stored,) = await db.suggestions(Tenant("discord", str(guild.id)), "pending", 10)
        assert "@everyone" not in stored.prompt and "<@&" not in stored.prompt
        (listing,) = await command(bot, guild, admin, "review", channel)
        assert "Our team left an S3 bucket" in text_of(listing)
        assert listing["_allowed_mentions"]["parse"] == []  # whatever the text says, nobody is pinged
        other = fake.add_guild("Other", channels=("general",))
        assert await db.suggestions(Tenant("discord", str(other.id)), "pending", 10) == []
    finally:
        await bot.adapter.stop()
