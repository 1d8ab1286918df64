"""Admins are the team's owners (from the roster, through Graph) or a configured list; new team members get
the course in their personal chat, proactively, from the stored conversation reference."""

from __future__ import annotations

from bot.core.events import ChannelRef, MemberJoined, Tenant
from bot.core.ports import Repository
from tests.adapters.teams.conftest import ALICE, BOB, CAROL, DAVE, TENANT, Bot, set_up, start_bot, stop_bot
from tests.fakes.fake_teams import FakeTeams, Team


async def test_a_member_who_is_not_an_owner_cannot_set_up(
    bot: Bot, fake: FakeTeams, db: Repository, team: Team
) -> None:
    status, _ = await bot.command(team, team.team_id, BOB, "setup time 09:30 tz UTC")
    assert status == 202
    assert await db.get_team(ChannelRef("teams", TENANT, team.team_id)) is None
    (refusal,) = fake.chat_with(BOB)
    assert "admin" in refusal.text.lower()
    assert fake.count("GET", f"/teams/{team.aad_group_id}/members") == 1  # the roster was asked


async def test_an_owner_from_the_roster_can_set_up_and_the_roster_is_cached(
    bot: Bot, fake: FakeTeams, team: Team
) -> None:
    await set_up(bot, team)
    await bot.command(team, team.team_id, ALICE, "pause")
    assert "✅" in fake.chat_with(ALICE)[0].text
    assert fake.count("GET", f"/teams/{team.aad_group_id}/members") == 1


async def test_a_configured_admin_needs_no_roster(fake: FakeTeams, db: Repository, team: Team) -> None:
    bot = await start_bot(fake, db, teams_admin_users=[BOB.aad])
    try:
        await bot.command(team, team.team_id, BOB, "setup time 09:30 tz UTC")
        assert await db.get_team(ChannelRef("teams", TENANT, team.team_id)) is not None
        assert fake.count("GET", "/members") == 0
    finally:
        await stop_bot(bot)


async def test_setup_in_the_personal_chat_points_to_a_channel(
    bot: Bot, fake: FakeTeams, db: Repository
) -> None:
    status, _ = await bot.send(fake.personal_message(TENANT, ALICE, "setup time 09:30"))
    assert status == 202
    (reply,) = fake.chat_with(ALICE)
    assert "team channel" in reply.text
    assert await db.teams_of(Tenant("teams", TENANT)) == []


async def test_commands_in_the_personal_chat_are_answered_there(bot: Bot, fake: FakeTeams) -> None:
    await bot.send(fake.personal_message(TENANT, CAROL, "stats"))
    (reply,) = fake.chat_with(CAROL)
    assert "Stats — Carol" in reply.text
    assert fake.count("POST", "/v3/conversations") == 1  # the reply used the turn's own conversation


async def test_a_new_team_member_gets_the_course_in_the_personal_chat(
    bot: Bot, fake: FakeTeams, team: Team
) -> None:
    status, _ = await bot.send(fake.members_added(team, DAVE))
    assert status == 202
    welcome, lesson = fake.chat_with(DAVE)
    assert "Hi Dave" in welcome.text  # the name from the roster: membersAdded carries none
    assert "Lesson 1/" in lesson.text and lesson.card["actions"]
    assert bot.sink.of(MemberJoined)[0].user.user_id == DAVE.id

    reply = await bot.press(lesson, lesson.card["actions"][0]["title"], DAVE, None)
    assert reply  # the check question's feedback, privately
    assert len(fake.chat_with(DAVE)) >= 2


async def test_the_bot_itself_joining_starts_no_course(bot: Bot, fake: FakeTeams, team: Team) -> None:
    await bot.send(fake.members_added(team, bot=True))
    assert bot.sink.of(MemberJoined) == [] and fake.messages == {}


async def test_only_configured_teams_start_the_course(fake: FakeTeams, db: Repository, team: Team) -> None:
    other = fake.add_team(TENANT, "Sales")
    bot = await start_bot(fake, db, teams_course_teams=[team.team_id])
    try:
        await bot.send(fake.members_added(other, DAVE))
        assert fake.chat_with(DAVE) == []
        await bot.send(fake.members_added(team, DAVE))
        assert len(fake.chat_with(DAVE)) == 2
    finally:
        await stop_bot(bot)


async def test_the_conversation_reference_survives_a_restart(
    fake: FakeTeams, db: Repository, team: Team
) -> None:
    first = await start_bot(fake, db)
    try:
        await set_up(first, team)
    finally:
        await stop_bot(first)
    stored = await db.get_installation(Tenant("teams", TENANT))
    assert stored is not None and fake.service_url in stored and team.aad_group_id in stored
    second = await start_bot(fake, db)  # a fresh process: nothing in memory
    try:
        await second.tick(first.clock.now().replace(hour=9, minute=30))
        assert len(fake.posts(team.team_id)) == 1
    finally:
        await stop_bot(second)


async def test_channel_messages_not_addressed_to_the_bot_get_no_answer(
    bot: Bot, fake: FakeTeams, team: Team
) -> None:
    chatter = fake.mention(team, team.team_id, BOB, "lunch?")
    chatter["entities"], chatter["text"] = [], "lunch?"
    status, _ = await bot.send(chatter)
    assert status == 202 and bot.sink.handled == [] and fake.chat_with(BOB) == []
