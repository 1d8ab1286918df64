"""Who counts as an admin, and the onboarding course by DM with its check-question buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.events import CommandIssued, UserRef
from bot.core.ports import Repository
from tests.adapters.slack.conftest import (
    CHANNEL,
    TEAM,
    SlackWorld,
    build_world,
    close_world,
    populate,
    slack_settings,
)
from tests.fakes.fake_slack import FakeSlack


async def test_admin_commands_need_a_workspace_admin(world: SlackWorld) -> None:
    fake = world.fake
    (refused,) = await fake.command(TEAM, "UANN", CHANNEL, "setup")
    assert "is for admins" in refused.text
    assert await world.repo.get_team(world.channel()) is None
    fake.add_user(TEAM, "UOWNER", "Olga Owner", is_owner=True)
    (accepted,) = await fake.command(TEAM, "UOWNER", CHANNEL, "setup")
    assert accepted.text.startswith("✅")
    commands = [e for e in world.events if isinstance(e, CommandIssued)]
    assert [(c.user.user_id, c.is_admin, c.channel_name) for c in commands] == [
        ("UANN", False, "#cloud-team"),
        ("UOWNER", True, "#cloud-team"),
    ]


@pytest.fixture
async def listed_admin_world(fake: FakeSlack, slack_repo: Repository) -> AsyncIterator[SlackWorld]:
    ws = populate(fake)
    settings = slack_settings(fake, "socket", slack_bot_token=ws.token, slack_admin_users="UBOB")
    world = await build_world(fake, slack_repo, "socket", settings)
    try:
        yield world
    finally:
        await close_world(world)


async def test_slack_admin_users_are_admins(listed_admin_world: SlackWorld) -> None:
    (reply,) = await listed_admin_world.fake.command(TEAM, "UBOB", CHANNEL, "setup")
    assert reply.text.startswith("✅")


async def test_export_is_a_private_file_never_in_the_channel(world: SlackWorld) -> None:
    fake = world.fake
    await fake.command(TEAM, "UADMIN", CHANNEL, "setup")
    (notice,) = await fake.command(TEAM, "UADMIN", CHANNEL, "export all")
    assert notice.body["response_type"] == "ephemeral"
    (upload,) = fake.uploads.values()
    assert upload.channel == "DUADMIN" and upload.content.startswith(b"person,person_id,team")
    assert world.posts() == []  # nothing in the channel
    (opened,) = fake.calls_of("conversations.open")
    assert opened.params["users"] == "UADMIN"


async def test_the_course_runs_in_the_dm_with_buttons(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()
    (reply,) = await fake.command(TEAM, "UCID", CHANNEL, "learn")
    assert "direct message" in reply.text
    await fake.wait_until(lambda: len(ws.messages.get("DUCID", [])) == 2)
    welcome, lesson = ws.messages["DUCID"]
    (actions,) = [b for b in lesson.blocks if b["type"] == "actions"]
    right = actions["elements"][0]  # the small bundle's correct option is the first
    await fake.press(
        TEAM, "UCID", right["action_id"], right["value"], channel_id="DUCID", message_ts=lesson.ts
    )
    await fake.wait_until(lambda: len(ws.messages["DUCID"]) == 3)
    feedback = ws.messages["DUCID"][2]
    assert feedback.text.startswith("✅")  # answered in the DM itself, as a normal message
    (next_button,) = [b for b in feedback.blocks if b["type"] == "actions"][0]["elements"]
    await fake.press(TEAM, "UCID", next_button["action_id"], "", channel_id="DUCID", message_ts=feedback.ts)
    await fake.wait_until(lambda: len(ws.messages["DUCID"]) == 4)
    assert ws.messages["DUCID"][3].text.startswith("Lesson 2/")
    progress = await world.repo.course_progress(UserRef("slack", TEAM, "UCID"))
    assert progress is not None and progress.lesson_index == 1 and progress.timezone == "UTC"


async def test_a_new_member_of_the_workspace_gets_the_course_in_their_time_zone(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()
    user = fake.add_user(TEAM, "UNEW", "Nia", tz="America/Lima")
    await fake.send_event(TEAM, {"type": "team_join", "user": user})
    await fake.wait_until(lambda: len(ws.messages.get("DUNEW", [])) == 2)
    progress = await world.repo.course_progress(UserRef("slack", TEAM, "UNEW"))
    assert progress is not None and progress.timezone == "America/Lima"
    # The bot joining a channel is not a new member to onboard.
    await fake.send_event(
        TEAM, {"type": "member_joined_channel", "user": ws.bot_user_id, "channel": CHANNEL, "team": TEAM}
    )
    await world.settle()
    assert ws.dm_of(ws.bot_user_id) is None


async def test_quiz_and_lookup_answer_privately(world: SlackWorld) -> None:
    fake = world.fake
    (quiz,) = await fake.command(TEAM, "UDAN", CHANNEL, "quiz")
    assert quiz.body["response_type"] == "ephemeral" and quiz.body["blocks"][0]["text"]["text"] == "Practice"
    (actions,) = [b for b in quiz.body["blocks"] if b["type"] == "actions"]
    pick = actions["elements"][0]
    payload = fake.block_actions(
        TEAM, "UDAN", pick["action_id"], pick["value"], CHANNEL, "1700000099.000001", is_ephemeral=True
    )
    await fake.deliver("interactive", payload)
    await fake.wait_until(lambda: len(fake.responses_to(payload["response_url"])) >= 1)
    assert fake.responses_to(payload["response_url"])[0].body["response_type"] == "ephemeral"
    (lookup,) = await fake.command(TEAM, "UDAN", CHANNEL, "lookup rds")
    assert lookup.body["response_type"] == "ephemeral"
    assert world.posts() == []


async def test_joining_a_team_channel_starts_the_course_in_channel_mode(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()
    world.engine.onboarding.join_mode = "channel"  # ONBOARDING=channel
    (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
    assert reply.text.startswith("✅")
    newcomer = fake.add_user(TEAM, "UCHAN", "Chan")
    await fake.send_event(TEAM, {"type": "team_join", "user": newcomer})  # workspace joins: not in this mode
    fake.add_channel(TEAM, "COTHER", "random")
    await fake.send_event(
        TEAM, {"type": "member_joined_channel", "user": "UCHAN", "channel": "COTHER", "team": TEAM}
    )
    await world.settle()
    assert ws.dm_of("UCHAN") is None  # not a team channel either
    await fake.send_event(
        TEAM, {"type": "member_joined_channel", "user": "UCHAN", "channel": CHANNEL, "team": TEAM}
    )
    await fake.wait_until(lambda: len(ws.messages.get("DUCHAN", [])) == 2)
    welcome, lesson = ws.messages["DUCHAN"]
    assert "bot" in welcome.text and lesson.text.startswith("Lesson 1/")
