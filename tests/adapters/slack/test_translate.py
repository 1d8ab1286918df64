"""translate.py on recorded Slack payloads (shapes from Slack's documentation, ids anonymised)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import translate as t
from bot.core.events import (
    AnswerGiven,
    AnswerWithdrawn,
    ButtonPressed,
    ChannelRef,
    CommandIssued,
    HomeOpened,
    MemberJoined,
    PostRef,
    UserRef,
)
from bot.core.ports import CollectedAnswer
from content.schema import Party

AT = datetime(2026, 11, 30, 9, 45, tzinfo=UTC)
PAYLOADS = Path(__file__).parent / "payloads"
BOT = "U0G9QF9C6"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def test_person_from_users_info() -> None:
    person = t.person_from_user(load("users_info")["user"])
    # no display name set → the real name; an owner counts as an admin
    assert person == t.Person("W012A3CDE", "Egon Spengler", False, True, "Europe/Berlin")


def test_slash_command() -> None:
    event = t.command_event(load("slash_command"), t.Person("U2147483697", "", is_admin=True), AT)
    assert event == CommandIssued(
        UserRef("slack", "T0001", "U2147483697"),
        ChannelRef("slack", "T0001", "C2147483705"),
        "leaderboard   week",
        True,
        AT,
        "#cloud-team",
    )
    assert event.user.display_name == "steve"  # from the payload when users.info gave nothing


def test_slash_command_in_a_dm_has_no_channel_name() -> None:
    event = t.command_event(load("slash_command_dm"), t.Person("U2147483697", "Steve"), AT)
    assert event.channel_name == "" and event.channel.channel_id == "D024BE91L" and not event.is_admin


def test_reaction_added_ignores_the_skin_tone() -> None:
    event = t.reaction_event(load("reaction_added"), t.Person("U024BE7LH", "Ann"), AT, BOT)
    post = PostRef(ChannelRef("slack", "T0001", "C0G9QF9GZ"), "1360782400.498405")
    assert event == AnswerGiven(post, UserRef("slack", "T0001", "U024BE7LH"), Party.CUSTOMER, AT)
    assert event.user.display_name == "Ann" and not event.user.is_bot


def test_reaction_by_the_bot_is_marked_as_the_bot() -> None:
    body = load("reaction_added")
    body["event"]["user"] = BOT
    event = t.reaction_event(body, t.Person(BOT), AT, BOT)
    assert event is not None and event.user.is_bot


def test_reaction_removed() -> None:
    event = t.reaction_event(load("reaction_removed"), t.Person("U024BE7LH"), AT, BOT)
    assert isinstance(event, AnswerWithdrawn) and event.choice is Party.AWS


def test_reaction_on_a_file_is_not_an_answer() -> None:
    assert t.reaction_event(load("reaction_added_file"), t.Person("U024BE7LH"), AT, BOT) is None


def test_team_join_carries_the_time_zone() -> None:
    event = t.member_joined_event(load("team_join"), None, AT, BOT)
    assert event == MemberJoined(UserRef("slack", "T0001", "W012A3CDE"), None, AT, "America/Los_Angeles")
    assert event.user.display_name == "spengler"


def test_member_joined_channel() -> None:
    person = t.Person("W06GH7XHN", "Pat", timezone="Asia/Kolkata")
    event = t.member_joined_event(load("member_joined_channel"), person, AT, BOT)
    assert event == MemberJoined(
        UserRef("slack", "T0001", "W06GH7XHN"), ChannelRef("slack", "T0001", "C0698JE0H"), AT, "Asia/Kolkata"
    )


def test_the_bot_joining_a_channel_is_marked_as_the_bot() -> None:
    body = load("member_joined_channel")
    body["event"]["user"] = BOT
    event = t.member_joined_event(body, None, AT, BOT)
    assert event is not None and event.user.is_bot


def test_app_home_opened() -> None:
    event = t.home_opened_event(load("app_home_opened"), t.Person("U061F7AUR", "Amy"), AT)
    assert event == HomeOpened(UserRef("slack", "T0001", "U061F7AUR"), AT)
    assert t.home_opened_event(load("app_home_opened_messages_tab"), t.Person("U061F7AUR"), AT) is None


def test_answer_button_on_the_channel_post() -> None:
    event = t.button_event(load("block_actions_message"), t.Person("U0CA5"), AT)
    channel = ChannelRef("slack", "T0001", "C0CA5")
    assert event == ButtonPressed(
        UserRef("slack", "T0001", "U0CA5"),
        channel,
        "answer",
        "17:shared",
        AT,
        PostRef(channel, "1548261231.000200"),
    )
    assert event.user.display_name == "Amy McGee"


def test_button_on_an_ephemeral_message_has_no_post() -> None:
    event = t.button_event(load("block_actions_ephemeral"), t.Person("U0CA5"), AT)
    assert event is not None and event.action == "quiz" and event.value == "s-001:aws" and event.post is None


def test_button_in_the_app_home_has_no_channel() -> None:
    event = t.button_event(load("block_actions_home"), t.Person("U0CA5"), AT)
    assert (
        event is not None and event.action == "lesson-next" and event.channel is None and event.post is None
    )


def test_foreign_action_ids_are_not_ours() -> None:
    body = load("block_actions_home")
    body["actions"] = body["actions"][1:]
    assert t.button_event(body, t.Person("U0CA5"), AT) is None
    assert t.parse_action_id("respbot:forget-confirm:0") == "forget-confirm"
    assert t.parse_action_id(t.action_id("lesson", 3)) == "lesson"
    assert t.parse_action_id("respbot") is None


def test_collected_answers_exclude_the_bot() -> None:
    answers = t.collected_answers(load("reactions_get")["message"], "T0001", BOT)
    assert answers == [
        CollectedAnswer(UserRef("slack", "T0001", "U024BE7LH"), Party.AWS),
        CollectedAnswer(UserRef("slack", "T0001", "U024BE7LI"), Party.CUSTOMER),
    ]  # `tada` is not an answer: the adapter leaves it out


def test_find_keyed_message_only_matches_our_metadata() -> None:
    messages = load("conversations_history")["messages"]
    assert t.find_keyed_message(messages, "round-17") == "1512085950.000215"
    assert t.find_keyed_message(messages, "reveal-16") == "1512085950.000216"
    assert t.find_keyed_message(messages, "round-18") is None
    assert t.metadata_for("round-17") == {"event_type": "respbot_post", "event_payload": {"key": "round-17"}}


def test_workspace_of_every_kind_of_payload() -> None:
    assert {
        t.workspace_of(load(name))
        for name in (
            "slash_command",
            "reaction_added",
            "block_actions_message",
            "block_actions_home",
            "team_join",
        )
    } == {"T0001"}


@pytest.mark.parametrize(
    ("reaction", "party"),
    [("cloud", Party.AWS), ("technologist", Party.CUSTOMER), ("technologist::skin-tone-4", Party.CUSTOMER),
     ("handshake", Party.SHARED), ("handshake::skin-tone-2", Party.SHARED), ("a", None), ("aws", None),
     ("s", None), ("c", None), ("shared", None), ("customer", None), ("person_technologist", None),
     ("thumbsup", None), ("", None), ("::skin-tone-2", None)],
)  # fmt: skip
def test_only_the_three_seeded_reactions_are_answers(reaction: str, party: Party | None) -> None:
    body = dict(load("reaction_added"))
    body["event"] = {**body["event"], "reaction": reaction}
    event = t.reaction_event(body, t.Person("U024BE7LH", "Ann"), AT, BOT)
    assert (event.choice if event is not None else None) is party
