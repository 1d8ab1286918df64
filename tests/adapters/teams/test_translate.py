"""Teams activities → core events, on payloads in the shapes Microsoft documents, and hostile variants."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.teams import translate as t
from bot.core.events import ButtonPressed, ChannelRef, PostRef

PAYLOADS = Path(__file__).parent / "payloads"
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHANNEL = "19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def test_a_channel_mention_is_the_command_without_the_mention() -> None:
    activity = payload("channel_mention")
    place = t.where(activity)
    assert place is not None and place.tenant == TENANT and place.channel_id == CHANNEL
    assert place.team_aad_group_id == "7c2a1b0e-3f4d-4e5a-9b8c-1d2e3f4a5b6c" and not place.personal
    event = t.command_event(activity, place, is_admin=False, at=AT)
    assert event is not None
    assert event.text == "leaderboard week"
    assert event.channel == ChannelRef("teams", TENANT, CHANNEL) and event.channel_name == "aws-study"
    assert event.user.user_id.startswith("29:") and event.user.display_name == "Megan Bowen"


def test_a_personal_message_is_a_command_in_the_personal_chat() -> None:
    activity = payload("personal_message")
    place = t.where(activity)
    assert place is not None and place.personal
    assert place.channel_id == activity["conversation"]["id"]
    event = t.command_event(activity, place, is_admin=False, at=AT)
    assert event is not None and event.text == "stats"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<at>Who's Responsible?</at> setup time 09:30", "setup time 09:30"),
        (
            "<p><at>Who's Responsible?</at>&nbsp;lookup rds &quot;os patching&quot;</p>",
            'lookup rds "os patching"',
        ),
        ("<at>Who's Responsible?</at> /responsibility quiz", "quiz"),
        ("<at>Who's Responsible?</at>", ""),
    ],
)
def test_command_text_undoes_teams_markup(text: str, expected: str) -> None:
    activity = payload("channel_mention")
    activity["text"] = text
    assert t.command_text(activity) == expected


def test_an_empty_mention_asks_for_help() -> None:
    activity = payload("channel_mention")
    activity["text"] = "<at>Who's Responsible?</at>"
    place = t.where(activity)
    assert place is not None
    event = t.command_event(activity, place, False, AT)
    assert event is not None and event.text == "help"


def test_a_mention_of_someone_else_is_kept_as_text() -> None:
    activity = payload("channel_mention")
    activity["text"] = "<at>Who's Responsible?</at> stats <at>Adele</at>"
    activity["entities"].append(
        {"type": "mention", "text": "<at>Adele</at>", "mentioned": {"id": "29:adele"}}
    )
    assert t.command_text(activity) == "stats Adele"


def test_an_answer_press_carries_the_round_and_the_core_token() -> None:
    activity = payload("adaptive_card_action")
    place = t.where(activity)
    assert place is not None
    event = t.button_event(activity, place, AT)
    assert isinstance(event, ButtonPressed)
    assert event.action == "answer" and event.value == "42:aws"
    assert event.post == PostRef(ChannelRef("teams", TENANT, CHANNEL), "1764493800000")


@pytest.mark.parametrize(("key", "token"), [("AWS", "aws"), ("Customer", "customer"), ("shared", "shared")])
def test_answer_buttons_map_to_the_three_tokens(key: str, token: str) -> None:
    assert t.answer_token(key) == token


@pytest.mark.parametrize("key", ["", "cloud", "☁️", None, 1, ["AWS"]])
def test_anything_else_is_no_answer(key: object) -> None:
    assert t.answer_token(key) is None


@pytest.mark.parametrize(
    "data",
    [
        {"round": "42", "choice": "AWS"},
        {"round": True, "choice": "AWS"},
        {"round": 42, "choice": "maybe"},
        {},
    ],
)
def test_a_malformed_answer_press_is_dropped(data: dict[str, Any]) -> None:
    activity = payload("adaptive_card_action")
    activity["value"]["action"]["data"] = data
    place = t.where(activity)
    assert place is not None
    assert t.button_event(activity, place, AT) is None


def test_other_buttons_carry_the_core_value() -> None:
    activity = payload("adaptive_card_action")
    activity["value"]["action"].update(verb="flag", data={"v": "s-001"})
    place = t.where(activity)
    assert place is not None
    event = t.button_event(activity, place, AT)
    assert event is not None and (event.action, event.value) == ("flag", "s-001")


def test_members_added_is_one_join_per_person_never_the_bot() -> None:
    activity = payload("members_added")
    activity["membersAdded"].append({"id": activity["recipient"]["id"]})
    place = t.where(activity)
    assert place is not None
    joins = t.members_added(activity, place, AT)
    assert [j.user.user_id[:6] for j in joins] == ["29:1Gc"]
    assert joins[0].channel is None and joins[0].user.workspace_id == TENANT
    assert t.bot_added(activity)
    assert not t.bot_added(payload("members_added"))


@pytest.mark.parametrize(
    "name", ["channel_mention", "personal_message", "adaptive_card_action", "members_added"]
)
@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.pop("conversation"),
        lambda a: a.update(conversation=[1, 2]),
        lambda a: a.update(serviceUrl=None),
        lambda a: a["conversation"].pop("tenantId") and a.pop("channelData"),
    ],
)
def test_an_activity_without_tenant_or_conversation_has_no_place(name: str, damage: Any) -> None:
    activity = copy.deepcopy(payload(name))
    damage(activity)
    assert t.where(activity) is None


@pytest.mark.parametrize(
    "field_value",
    [
        ("from", "someone"),
        ("from", {"id": 7}),
        ("value", "x"),
        ("entities", {"a": 1}),
        ("membersAdded", "x"),
        ("text", 5),
    ],
)
def test_hostile_fields_never_raise(field_value: tuple[str, Any]) -> None:
    for name in ("channel_mention", "adaptive_card_action", "members_added"):
        activity = payload(name)
        activity[field_value[0]] = field_value[1]
        place = t.where(activity)
        assert place is not None
        t.command_event(activity, place, False, AT)
        t.button_event(activity, place, AT)
        t.members_added(activity, place, AT)


def test_channel_chatter_without_a_mention_is_no_command() -> None:
    activity = payload("channel_mention")
    activity["text"] = "lunch at noon?"
    activity["entities"] = [{"type": "clientInfo", "locale": "en-US"}]
    place = t.where(activity)
    assert place is not None and not t.mentions_bot(activity)
    assert t.command_event(activity, place, False, AT) is None
    assert t.mentions_bot(payload("channel_mention"))
