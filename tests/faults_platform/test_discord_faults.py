"""Discord misbehaving during the day — 429 bursts, 5xx answers, answers slower than the client's timeout,
and a gateway that asks to RECONNECT, invalidates the session or is cut — while the bot posts, takes
answers and reveals. The bot recovers by itself: one post, one reveal, every answer counted, and a failure
logged once with its round, not once per retry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.core.events import AnswerGiven
from bot.core.messages import option_for
from bot.core.model import Round, RoundState
from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, Bot, start_bot
from tests.adapters.discord.helpers import WRONG, bot_posts, channel_of, command, post_channel, text_of
from tests.fakes.fake_discord import FakeDiscord, FakeGuild, FakeUser, Json
from tests.faults_platform.conftest import BotLog

POST_AT = MONDAY.replace(hour=9, minute=30)
CLOSE_AT = MONDAY.replace(hour=13, minute=30)
CREATE = r"^/channels/\d+/messages$"
REACTIONS = r"/reactions/"


@dataclass
class Day:
    bot: Bot
    fake: FakeDiscord
    guild: FakeGuild
    channel: int
    people: dict[str, FakeUser]

    async def tick(self, hour: int, minute: int) -> None:
        self.bot.clock.set(MONDAY.replace(hour=hour, minute=minute))
        await self.bot.engine.tick()

    async def posted(self) -> tuple[Json, Round]:
        (post,) = bot_posts(self.bot, self.channel)
        rnd = await self.bot.repo.round_for_post(post_channel(self.guild, self.channel), post["id"])
        assert rnd is not None and rnd.state is RoundState.POSTED
        return post, rnd

    def emoji(self, rnd: Round, right: bool) -> str:
        answer = self.bot.engine.content.scenarios[rnd.scenario_id].answer
        return option_for(answer if right else WRONG[answer]).emoji

    async def react(self, post: Json, who: str, emoji: str) -> None:
        await self.fake.react(self.channel, int(post["id"]), self.people[who].id, emoji)

    async def answers(self, rnd: Round) -> set[str]:
        stored = await self.bot.repo.answers_for_round(rnd.id, "discord", str(self.guild.id))
        names = {str(u.id): name for name, u in self.people.items()}
        return {names[a.user.user_id] for a in stored}

    async def revealed_once(self, post: Json) -> Round:
        rnd = await self.bot.repo.round_for_post(post_channel(self.guild, self.channel), post["id"])
        assert rnd is not None and rnd.state is RoundState.REVEALED
        posts = bot_posts(self.bot, self.channel)
        replies = [m for m in posts if (m.get("message_reference") or {}).get("message_id") == post["id"]]
        assert [m["id"] for m in replies] == [rnd.reveal_message_id]
        assert len(posts) == 2  # the scenario and its reveal, nothing twice
        return rnd


@pytest.fixture
async def day(discord_fake: FakeDiscord, repo: Repository) -> AsyncIterator[Day]:
    fake = discord_fake
    guild = fake.add_guild("Acme", channels=("aws-study",))
    admin = fake.add_member(guild, "alice", admin=True)
    people = {name: fake.add_member(guild, name) for name in ("ann", "bob", "cid", "dan")}
    channel = channel_of(guild)
    bot = await start_bot(fake, repo)
    try:
        (reply,) = await command(bot, guild, admin, "setup", channel, time="09:30", tz="UTC", window="4h")
        assert text_of(reply).startswith("✅")
        yield Day(bot, fake, guild, channel, people)
    finally:
        await bot.adapter.stop()


async def test_429_bursts_on_every_step_lose_nothing_and_log_no_retries(day: Day, bot_log: BotLog) -> None:
    fake = day.fake
    bot_log.clear()
    fake.rate_limit("GET", r"^/channels/\d+/messages$", 1)  # the history look-up before posting
    fake.rate_limit("POST", CREATE, 2)
    fake.rate_limit("PUT", REACTIONS, 2)
    await day.tick(9, 30)
    post, rnd = await day.posted()
    assert len(fake.reaction_users(int(post["id"]), day.emoji(rnd, True))) == 1  # seeded once

    fake.rate_limit("POST", r"^/users/@me/channels$", 1)  # the receipt's DM channel
    await day.react(post, "ann", day.emoji(rnd, True))
    await day.bot.sink.wait_until(lambda: len(day.bot.sink.of(AnswerGiven)) == 1)
    await fake.wait_until(lambda: len(fake.dms_to(day.people["ann"])) == 1)

    fake.rate_limit("GET", REACTIONS, 2)
    fake.rate_limit("POST", CREATE, 2)
    await day.tick(13, 30)
    await day.revealed_once(post)
    assert await day.answers(rnd) == {"ann"}
    assert bot_log.problems() == [], bot_log.describe()
    assert not [e for e in bot_log.entries() if "rate limited" in str(e["message"])], bot_log.describe()


async def test_5xx_answers_are_logged_once_with_the_round_and_heal_without_a_duplicate(
    day: Day, bot_log: BotLog
) -> None:
    """A 500 after Discord stored the post: discord.py retries with the same nonce and gets the first
    message back. A 503 (not retried by discord.py) on the reveal fails it once, logged once, and the
    next tick posts it once. A lost receipt is logged once and the answer still counts."""
    fake = day.fake
    bot_log.clear()
    fake.fail("POST", CREATE, 1, 500, apply_first=True)
    await day.tick(9, 30)
    post, rnd = await day.posted()
    assert bot_log.problems() == [], bot_log.describe()

    fake.fail("POST", r"^/users/@me/channels$", 1, 503)
    await day.react(post, "bob", day.emoji(rnd, False))
    await day.bot.sink.wait_until(lambda: len(day.bot.sink.of(AnswerGiven)) == 1)
    assert await day.answers(rnd) == {"bob"} and fake.dms_to(day.people["bob"]) == []
    (lost,) = bot_log.problems()
    assert lost["message"] == "could not send a receipt" and lost["tenant"] == str(day.guild.id)

    bot_log.clear()
    fake.fail("POST", CREATE, 1, 503)
    await day.tick(13, 30)
    (error,) = bot_log.problems()
    assert error["round_id"] == rnd.id and "revealing round" in error["message"]
    assert "503" in error["exception"] and len(bot_posts(day.bot, day.channel)) == 1
    bot_log.clear()
    await day.tick(13, 33)  # after the lease
    await day.revealed_once(post)
    assert bot_log.problems() == []


async def test_answers_slower_than_the_timeout_never_duplicate_the_post_or_the_reveal(
    day: Day, bot_log: BotLog
) -> None:
    """Discord stores the post but answers after the client gave up. discord.py sets no request timeout
    of its own (aiohttp's 5 minutes apply); half a second here. The post step fails once (logged once),
    and the retry after the lease finds the post by the key in its footer instead of posting again."""
    fake = day.fake
    session = day.bot.adapter.client.http._HTTPClient__session  # type: ignore[attr-defined]
    session._timeout = aiohttp.ClientTimeout(total=0.5)
    bot_log.clear()
    fake.slow("POST", CREATE, 1.5)
    await day.tick(9, 30)
    team = await day.bot.repo.get_team(post_channel(day.guild, day.channel))
    assert team is not None
    claimed = await day.bot.repo.round_on(team.id, MONDAY.date())
    assert claimed is not None and claimed.state is RoundState.CLAIMED  # the bot never learnt the id
    (error,) = bot_log.problems()
    assert error["round_id"] == 1 and "posting round 1 failed" in error["message"]
    await fake.wait_until(lambda: len(bot_posts(day.bot, day.channel)) == 1)
    fake.forget_nonces()  # beyond Discord's nonce window: only the footer key can find the post
    bot_log.clear()
    await day.tick(9, 33)
    post, rnd = await day.posted()
    assert bot_log.problems() == [], bot_log.describe()

    await day.react(post, "cid", day.emoji(rnd, True))
    await day.bot.sink.wait_until(lambda: len(day.bot.sink.of(AnswerGiven)) == 1)
    fake.slow("POST", CREATE, 1.5)  # the reveal: stored at once, answered late
    await day.tick(13, 30)
    assert len(bot_log.problems()) == 1
    await fake.wait_until(lambda: len(bot_posts(day.bot, day.channel)) == 2)
    await day.tick(13, 33)
    await day.revealed_once(post)
    assert await day.answers(rnd) == {"cid"}


async def test_gateway_drops_lose_no_answer(day: Day) -> None:
    """RECONNECT during the post, a cut connection during the answers (RESUME replays what was missed),
    INVALID_SESSION while people answer (those events are gone: the reveal re-reads the reactions), and
    RECONNECT again during the reveal."""
    fake, bot = day.fake, day.bot
    await fake.reconnect()
    await day.tick(9, 30)
    post, rnd = await day.posted()
    await fake.wait_until(lambda: fake.connected() and len(fake.resumes) == 1)

    await day.react(post, "ann", day.emoji(rnd, True))
    await fake.drop_gateway()
    await day.react(post, "bob", day.emoji(rnd, False))  # held by Discord, replayed on RESUME
    await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 2)
    assert len(fake.resumes) == 2 and len(fake.identifies) == 1

    await fake.invalidate_session()
    await day.react(post, "cid", day.emoji(rnd, True))  # dispatched into a dead session: never delivered
    await fake.wait_until(lambda: len(fake.identifies) == 2 and fake.connected())
    await day.react(post, "dan", day.emoji(rnd, False))
    await bot.sink.wait_until(lambda: len(bot.sink.of(AnswerGiven)) == 3)
    assert await day.answers(rnd) == {"ann", "bob", "dan"}

    await fake.reconnect()
    await day.tick(13, 30)
    rnd = await day.revealed_once(post)
    assert await day.answers(rnd) == {"ann", "bob", "cid", "dan"}  # cid's reaction, re-read at reveal
    await fake.wait_until(lambda: fake.connected())
