"""Two tenants on one bot: separate references, teams, rounds and boards; a press from one tenant never
counts on the other's post."""

from __future__ import annotations

from bot.core.events import ChannelRef, Tenant
from bot.core.ports import Repository
from tests.adapters.teams.conftest import ALICE, BOB, CAROL, MONDAY, OTHER_TENANT, TENANT, Bot, set_up
from tests.fakes.fake_teams import FakeTeams, Person, Team

ZOE = Person("29:zoe", "aad-zoe", "Zoe")
YAN = Person("29:yan", "aad-yan", "Yan")


async def two_days(bot: Bot, fake: FakeTeams, team: Team) -> Team:
    other = fake.add_team(OTHER_TENANT, "Contoso Cloud", owners=(ZOE,), members=(YAN,))
    await set_up(bot, team)
    await bot.command(other, other.team_id, ZOE, "setup time 09:30 tz UTC window 4h")
    await bot.tick(MONDAY.replace(hour=9, minute=30))
    return other


async def test_each_tenant_gets_its_own_post_and_reference(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository
) -> None:
    other = await two_days(bot, fake, team)
    assert len(fake.posts(team.team_id)) == 1 and len(fake.posts(other.team_id)) == 1
    mine = await db.get_installation(Tenant("teams", TENANT))
    theirs = await db.get_installation(Tenant("teams", OTHER_TENANT))
    assert mine is not None and theirs is not None
    assert team.team_id in mine and other.team_id not in mine
    assert other.team_id in theirs and team.team_id not in theirs


async def test_answers_and_boards_stay_in_their_tenant(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository
) -> None:
    other = await two_days(bot, fake, team)
    (mine,) = fake.posts(team.team_id)
    (theirs,) = fake.posts(other.team_id)
    await bot.press(mine, "AWS", BOB, team)
    await bot.press(mine, "Shared", CAROL, team)
    await bot.press(theirs, "Customer", YAN, other)
    assert "2 answered" in mine.text and "1 answered" in theirs.text

    await bot.tick(MONDAY.replace(hour=13, minute=30))
    await bot.command(team, team.team_id, ALICE, "leaderboard all")
    await bot.command(other, other.team_id, ZOE, "leaderboard all")
    board_a, board_b = fake.chat_with(ALICE)[-1].text, fake.chat_with(ZOE)[-1].text
    assert "Yan" not in board_a and "Bob" not in board_b and "Carol" not in board_b


async def test_a_press_from_another_tenant_is_not_counted(
    bot: Bot, fake: FakeTeams, team: Team, db: Repository
) -> None:
    other = await two_days(bot, fake, team)
    (mine,) = fake.posts(team.team_id)
    forged = fake.press_button(mine, "AWS", YAN, other)  # tenant B's activity naming tenant A's post
    status, body = await bot.send(forged)
    assert status == 200 and "locked in" not in str(body)
    rnd = await db.round_for_post(ChannelRef("teams", TENANT, team.team_id), mine.id)
    assert rnd is not None
    assert await db.answers_for_round(rnd.id, "teams", TENANT) == []
    assert await db.answers_for_round(rnd.id, "teams", OTHER_TENANT) == []
