"""The whole day through signed activities and the Bot Connector: setup → post with three buttons → answers
from several people (the first locks) → the card redrawn with a count, never the votes → reveal in the
thread → boards."""

from __future__ import annotations

import asyncio

from bot.core.events import ChannelRef
from bot.core.model import RoundState
from bot.core.ports import Repository
from content.schema import Party
from tests.adapters.teams.conftest import ALICE, BOB, CAROL, MONDAY, TENANT, Bot, set_up
from tests.fakes.fake_teams import FakeTeams, Person, Team

TITLES = {Party.AWS: "AWS", Party.CUSTOMER: "Customer", Party.SHARED: "Shared"}
WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}


async def test_full_day(bot: Bot, fake: FakeTeams, team: Team, db: Repository) -> None:
    channel = await set_up(bot, team)
    stored_team = await db.get_team(bot_channel(channel))
    assert stored_team is not None
    (setup_reply,) = fake.chat_with(ALICE)
    assert "✅" in setup_reply.text  # the reply is private: in Alice's personal chat, not the channel
    assert fake.posts(channel) == []

    await bot.tick(MONDAY.replace(hour=9, minute=30))
    (post,) = fake.posts(channel)
    actions = post.card["actions"]
    assert [a["type"] for a in actions] == ["Action.Execute"] * 3
    assert [a["data"]["choice"] for a in actions] == ["AWS", "Customer", "Shared"]
    assert post.activity["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    rnd = await db.round_for_post(bot_channel(channel), post.id)
    assert rnd is not None and rnd.state is RoundState.POSTED
    answer = bot.engine.content.scenarios[rnd.scenario_id].answer

    receipt = await bot.press(post, TITLES[answer], BOB, team)
    assert "locked in" in receipt
    assert "1 answered" in post.text
    wrong = await bot.press(post, TITLES[WRONG[answer]], CAROL, team)
    assert "locked in" in wrong
    again = await bot.press(post, TITLES[WRONG[answer]], BOB, team)  # Bob changes his mind: too late
    assert "first answer" in again and TITLES[answer] in again
    assert "2 answered" in post.text
    for party in Party:
        assert f"{TITLES[party]}: " not in post.text  # the count only, never the votes

    stored = await db.answers_for_round(rnd.id, "teams", TENANT)
    assert {a.user.user_id: a.choice for a in stored} == {BOB.id: answer, CAROL.id: WRONG[answer]}

    await bot.tick(MONDAY.replace(hour=13, minute=30))
    (reveal,) = fake.replies(post.id)
    scenario = bot.engine.content.scenarios[rnd.scenario_id]
    assert "Answer: " in reveal.text and scenario.explanation in reveal.text
    assert "1 of 2" in reveal.text and scenario.references[0] in reveal.text
    assert f"{TITLES[answer]}: 1" in reveal.text
    assert "actions" not in post.card and "Closed · 2 answered" in post.text
    done = await db.get_round(rnd.id)
    assert done is not None and done.state is RoundState.REVEALED and done.reveal_message_id == reveal.id

    await bot.command(team, channel, CAROL, "leaderboard week")
    board = fake.chat_with(CAROL)[-1]
    assert "Bob — 10 pts" in board.text and "Carol — 0 pts" in board.text
    assert len(fake.posts(channel)) == 1  # boards went privately, the channel has only the day's post


def bot_channel(channel: str) -> ChannelRef:
    return ChannelRef("teams", TENANT, channel)


async def test_a_burst_of_answers_is_one_redraw_more_not_one_per_answer(
    bot: Bot, fake: FakeTeams, team: Team
) -> None:
    channel = await set_up(bot, team)
    await bot.tick(MONDAY.replace(hour=9, minute=30))
    (post,) = fake.posts(channel)
    people = [Person(f"29:p{i}", f"aad-p{i}", f"P{i}") for i in range(6)]
    fake.updates_gate = asyncio.Event()  # the first redraw is held at Teams while the others arrive
    for person in people:
        status, body = await fake.deliver(bot.url, fake.press_button(post, "AWS", person, team))
        assert status == 200 and "locked in" in body["value"]
    fake.updates_gate.set()
    await bot.adapter.idle()
    assert fake.count("PUT", f"/activities/{post.id}") == 2
    assert "6 answered" in post.text
