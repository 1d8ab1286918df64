"""Teams throttles (429 with Retry-After) and fails (5xx), sometimes after doing what was asked: every post is
made exactly once, every answer counted, and a refusal never crashes a turn."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from bot.adapters.teams.connector import retry_after
from bot.core.events import ChannelRef
from bot.core.messages import ScenarioCard
from bot.core.model import RoundState
from bot.core.ports import Repository
from tests.adapters.teams.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    MONDAY,
    TENANT,
    Bot,
    set_up,
    start_bot,
    stop_bot,
)
from tests.fakes.fake_teams import FakeTeams, Team

POSTS = r"^/v3/conversations/19:[^/]*/activities$"
NINE_THIRTY = MONDAY.replace(hour=9, minute=30)


async def test_a_throttled_post_is_retried_and_posted_once(bot: Bot, fake: FakeTeams, team: Team) -> None:
    channel = await set_up(bot, team)
    fake.fail("POST", POSTS, status=429, times=2)
    await bot.tick(NINE_THIRTY)
    assert len(fake.posts(channel)) == 1
    assert fake.count("POST", f"/v3/conversations/{channel}/activities") == 3


@pytest.mark.parametrize("plain", [False, True], ids=["json-error", "plain-text-error"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_post_that_failed_after_landing_is_found_not_repeated(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository, status: int, plain: bool
) -> None:
    channel = await set_up(bot, team)
    fake.fail("POST", POSTS, status=status, after=True, plain=plain)
    await bot.tick(NINE_THIRTY)
    (post,) = fake.posts(channel)
    rnd = await db.round_for_post(ChannelRef("teams", TENANT, channel), post.id)
    assert rnd is not None and rnd.state is RoundState.POSTED  # found through Graph by its key


async def test_a_post_that_keeps_failing_is_recovered_later_once(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository
) -> None:
    channel = await set_up(bot, team)
    fake.fail("POST", POSTS, status=503, times=4)
    await bot.tick(NINE_THIRTY)
    assert fake.posts(channel) == []
    await bot.tick(NINE_THIRTY + timedelta(minutes=3))  # the claim's lease ran out: recovered
    (post,) = fake.posts(channel)
    assert await db.round_for_post(ChannelRef("teams", TENANT, channel), post.id) is not None


async def test_a_crash_between_posting_and_recording_never_posts_twice(
    fake: FakeTeams, db: Repository, team: Team
) -> None:
    first = await start_bot(fake, db)
    await set_up(first, team)
    channel = ChannelRef("teams", TENANT, team.team_id)
    card = ScenarioCard(
        7, "s-001", "General", "Amazon EC2", "Who?", NINE_THIRTY + timedelta(hours=4), "buttons"
    )
    one = await first.adapter.post_card(channel, card, "round-7")
    await stop_bot(first)
    second = await start_bot(fake, db)  # a new process with nothing in memory retries the same post
    try:
        two = await second.adapter.post_card(channel, card, "round-7")
        assert one == two and len(fake.posts(team.team_id)) == 1
        other_day = ScenarioCard(
            7, "s-001", "General", "Amazon EC2", "Who?", NINE_THIRTY + timedelta(days=1), "buttons"
        )
        three = await second.adapter.post_card(channel, other_day, "round-7")  # same key, restored backup
        assert three != one and len(fake.posts(team.team_id)) == 2
    finally:
        await stop_bot(second)


async def test_a_throttled_redraw_still_shows_the_count(bot: Bot, fake: FakeTeams, team: Team) -> None:
    channel = await set_up(bot, team)
    await bot.tick(NINE_THIRTY)
    (post,) = fake.posts(channel)
    fake.fail("PUT", "/activities/", status=429, times=2)
    assert "locked in" in await bot.press(post, "AWS", BOB, team)
    assert "1 answered" in post.text


async def test_a_reveal_that_failed_after_landing_is_one_reply(bot: Bot, fake: FakeTeams, team: Team) -> None:
    channel = await set_up(bot, team)
    await bot.tick(NINE_THIRTY)
    (post,) = fake.posts(channel)
    await bot.press(post, "Shared", CAROL, team)
    fake.fail("POST", r";messageid=\d+/activities$", status=502, after=True)
    await bot.tick(NINE_THIRTY + timedelta(hours=4))
    assert len(fake.replies(post.id)) == 1


async def test_a_failing_personal_chat_is_retried(bot: Bot, fake: FakeTeams, team: Team) -> None:
    fake.fail("POST", "^/v3/conversations$", status=500, times=2)
    await bot.send(fake.members_added(team, DAVE))
    assert len(fake.chat_with(DAVE)) == 2


async def test_an_unreadable_roster_refuses_admin_commands_politely(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository
) -> None:
    fake.fail("GET", "/members$", status=503, times=10)
    status, _ = await bot.command(team, team.team_id, ALICE, "setup time 09:30 tz UTC")
    assert status == 202
    assert await db.get_team(ChannelRef("teams", TENANT, team.team_id)) is None
    assert "admin" in fake.chat_with(ALICE)[0].text.lower()


def error(status: int, headers: dict[str, str]) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(None, (), status=status, headers=headers)  # type: ignore[arg-type]


def test_retry_after_is_honoured_and_capped() -> None:
    assert retry_after(error(429, {"Retry-After": "3"}), 1, 1.0) == 3.0
    assert retry_after(error(429, {"Retry-After": "3600"}), 1, 1.0) == 30.0
    assert retry_after(error(503, {}), 3, 1.0) == 4.0  # exponential when Teams says nothing
    assert retry_after(error(503, {"Retry-After": "soon"}), 1, 0.5) == 0.5


async def test_a_press_is_answered_even_when_its_card_cannot_be_sent(bot: Bot, fake: FakeTeams) -> None:
    await bot.send(fake.personal_message(TENANT, CAROL, "quiz"))
    practice = fake.chat_with(CAROL)[-1]
    assert practice.card["actions"]
    fake.fail("POST", r"^/v3/conversations/a:[^/]*/activities", status=403, times=10, retry_after=None)
    tried = fake.count("POST", "/v3/conversations/a:")
    status, body = await bot.send(
        fake.press_button(practice, practice.card["actions"][0]["title"], CAROL, None)
    )
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message" and body["value"]
    assert fake.count("POST", "/v3/conversations/a:") > tried  # the feedback card was tried, and refused
    assert fake.chat_with(CAROL)[-1] is practice


async def test_an_activity_before_start_gets_a_try_again(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository
) -> None:
    await bot.adapter.stop()  # the HTTP server still answers, as between start-up steps
    await bot.command(team, team.team_id, ALICE, "setup time 09:30 tz UTC")
    assert "starting up" in fake.chat_with(ALICE)[0].text
    assert await db.get_team(ChannelRef("teams", TENANT, team.team_id)) is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        "x",
        {"action": "x"},
        {"action": {"verb": "answer", "data": {"round": 1}}},
        {"action": {"verb": 5}},
    ],
)
async def test_a_malformed_press_gets_a_polite_answer(
    bot: Bot, fake: FakeTeams, team: Team, value: object
) -> None:
    channel = await set_up(bot, team)
    await bot.tick(NINE_THIRTY)
    (post,) = fake.posts(channel)
    press = fake.press_button(post, "AWS", BOB, team)
    press["value"] = value
    status, body = await bot.send(press)
    assert status == 200 and "no longer available" in body["value"]
    assert "1 answered" not in post.text
