"""translate.py on recorded gateway payloads, parsed by discord.py's own parsers (no network)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord import translate
from bot.core.events import AnswerGiven, AnswerWithdrawn, ButtonPressed, CommandIssued
from content.schema import Party

PAYLOADS = Path(__file__).parent / "payloads"
AT = datetime(2026, 11, 30, 9, 45, tzinfo=UTC)
GUILD, CHANNEL, BOT = "1290000000000000100", "1290000000000000555", 1290000000000000001


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))["d"]
    return data


class Parsed:
    """A detached discord.py ConnectionState that knows the recorded guild; collects what it dispatches."""

    def __init__(self) -> None:
        self.client = discord.Client(intents=discord.Intents(guilds=True, guild_reactions=True, members=True))
        self.state = self.client._connection
        me = {"id": str(BOT), "username": "respbot", "discriminator": "1234", "avatar": None, "bot": True}
        self.state.user = discord.ClientUser(state=self.state, data=me)  # type: ignore[arg-type]
        self.state._add_guild_from_data(payload("guild_create"))  # type: ignore[arg-type]
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self.state.dispatch = lambda name, *args: self.events.append((name, args))

    def feed(self, event: str, name: str) -> Any:
        self.state.parsers[event](payload(name))
        return self.events[-1][1][0]


@pytest.fixture
async def parsed() -> AsyncIterator[Parsed]:
    p = Parsed()
    yield p
    await p.client.close()


async def test_reaction_add_becomes_an_answer(parsed: Parsed) -> None:
    raw = parsed.feed("MESSAGE_REACTION_ADD", "message_reaction_add")
    event = translate.reaction_event(raw, BOT, AT)
    assert isinstance(event, AnswerGiven)
    assert (event.post.channel.workspace_id, event.post.channel.channel_id) == (GUILD, CHANNEL)
    assert event.post.message_id == "1290001234567890123"
    assert event.user.user_id == "208764124234858496" and event.user.display_name == "Ann from Platform"
    assert event.choice is Party.AWS and not event.user.is_bot and event.at == AT


async def test_reaction_remove_becomes_a_withdrawal(parsed: Parsed) -> None:
    raw = parsed.feed("MESSAGE_REACTION_REMOVE", "message_reaction_remove")
    event = translate.reaction_event(raw, BOT, AT)
    assert isinstance(event, AnswerWithdrawn) and event.choice is Party.SHARED


async def test_the_bots_own_reaction_and_dm_reactions_are_dropped(parsed: Parsed) -> None:
    raw = parsed.feed("MESSAGE_REACTION_ADD", "message_reaction_add")
    assert translate.reaction_event(raw, int(raw.user_id), AT) is None
    dm = parsed.feed("MESSAGE_REACTION_ADD", "message_reaction_add_dm")
    assert translate.reaction_event(dm, BOT, AT) is None


async def test_a_custom_emoji_named_cloud_is_not_an_answer(parsed: Parsed) -> None:
    raw = parsed.feed("MESSAGE_REACTION_ADD", "message_reaction_add_custom")
    assert translate.reaction_event(raw, BOT, AT) is None


@pytest.mark.parametrize(
    ("name", "party"),
    [("☁️", Party.AWS), ("☁", Party.AWS), ("🧑‍💻", Party.CUSTOMER), ("🧑🏿‍💻", Party.CUSTOMER), ("🤝", Party.SHARED),
     ("🤝🏻", Party.SHARED), ("🅰️", None), ("aws", None), ("a", None), ("s", None), ("c", None), ("👍", None),
     ("", None)],
)  # fmt: skip
def test_only_the_three_answer_emoji_count(name: str, party: Party | None) -> None:
    assert translate.emoji_party(discord.PartialEmoji(name=name)) is party
    assert translate.emoji_party(discord.PartialEmoji(name=name, id=42)) is None  # custom: never


async def test_member_join(parsed: Parsed) -> None:
    member = parsed.feed("GUILD_MEMBER_ADD", "guild_member_add")
    event = translate.member_joined(member, AT)
    assert event is not None and event.user.workspace_id == GUILD and event.user.display_name == "New Person"
    assert event.channel is None


async def test_app_command_becomes_the_grammar(parsed: Parsed) -> None:
    interaction = parsed.feed("INTERACTION_CREATE", "interaction_leaderboard")
    event = translate.command_event(interaction, None, AT)
    assert isinstance(event, CommandIssued)
    assert event.text == "leaderboard week" and not event.is_admin
    assert event.channel.channel_id == CHANNEL and event.channel_name == "#aws-study"


async def test_setup_options_map_to_key_value_pairs_and_manage_server_is_admin(parsed: Parsed) -> None:
    interaction = parsed.feed("INTERACTION_CREATE", "interaction_setup_admin")
    event = translate.command_event(interaction, None, AT)
    assert event is not None and event.is_admin  # permissions "32" = Manage Server
    assert event.text == "setup time 09:30 tz Europe/Berlin window until 13:00 mode buttons receipts off"
    assert event.user.display_name == "Alice (SecOps)"


async def test_a_user_option_becomes_a_mention(parsed: Parsed) -> None:
    interaction = parsed.feed("INTERACTION_CREATE", "interaction_stats_user")
    event = translate.command_event(interaction, None, AT)
    assert event is not None and event.text == "stats <@308764124234858400>"


async def test_the_admin_role_by_name(parsed: Parsed) -> None:
    everyday = discord.Permissions(view_channel=True, send_messages=True)
    assert translate.is_admin(everyday, ["Respbot Admin"], "respbot admin")
    assert not translate.is_admin(everyday, ["Respbot Admin"], None)
    assert not translate.is_admin(everyday, ["Members"], "Respbot Admin")
    assert translate.is_admin(discord.Permissions(administrator=True), [], None)


async def test_button_in_a_channel(parsed: Parsed) -> None:
    interaction = parsed.feed("INTERACTION_CREATE", "interaction_button")
    event = translate.button_event(interaction, AT)
    assert isinstance(event, ButtonPressed)
    assert (event.action, event.value) == ("answer", "42:aws")
    assert event.post is not None and event.post.message_id == "1290001234567890123"
    assert event.channel is not None and event.channel.workspace_id == GUILD


async def test_button_in_a_dm_takes_the_server_from_the_custom_id(parsed: Parsed) -> None:
    interaction = parsed.feed("INTERACTION_CREATE", "interaction_button_dm")
    event = translate.button_event(interaction, AT)
    assert isinstance(event, ButtonPressed)
    assert event.user.workspace_id == GUILD and event.channel is None and event.post is None
    assert (event.action, event.value) == ("lesson", "lesson-1:0")


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ([], "help"),
        ([("leaderboard", [])], "leaderboard"),
        ([("leaderboard", [("period", 3, "teams")])], "leaderboard teams"),
        (
            [("lookup", [("question", 3, "who patches the engine on rds")])],
            "lookup who patches the engine on rds",
        ),
        (
            [("flag", [("scenario", 3, "s-001"), ("reason", 3, "the answer is wrong")])],
            "flag s-001 the answer is wrong",
        ),
        ([("forget-me", [("confirm", 5, True)])], "forget-me confirm"),
        ([("forget-me", [("confirm", 5, False)])], "forget-me"),
        ([("export", [("period", 3, "month")])], "export month"),
        ([("flags", [("clear", 3, "s-002")])], "flags clear s-002"),
        ([("post-now", [])], "post-now"),
        (
            [("setup", [("days", 3, "mon,wed,fri"), ("window", 3, "90m")])],
            "setup days mon,wed,fri window 90m",
        ),
    ],
)
def test_command_text(options: list[tuple[str, list[tuple[str, int, object]]]], text: str) -> None:
    data = {
        "name": "responsibility",
        "type": 1,
        "options": [
            {"name": sub, "type": 1, "options": [{"name": n, "type": t, "value": v} for n, t, v in opts]}
            for sub, opts in options
        ],
    }
    assert translate.command_text(data) == text


def test_custom_ids_round_trip() -> None:
    assert translate.parse_custom_id(translate.custom_id("quiz", "s-001:aws")) == (None, "quiz", "s-001:aws")
    assert translate.parse_custom_id(translate.custom_id("lesson-next", "", 42)) == (42, "lesson-next", "")
    assert translate.parse_custom_id("someone-else:x") is None
    assert translate.parse_custom_id("rb@notanumber:x:y") is None


def test_nonces_are_stable_short_and_per_channel() -> None:
    one = translate.nonce_for("1", "round-1")
    assert one == translate.nonce_for("1", "round-1") and len(one) <= translate.MAX_NONCE
    assert one != translate.nonce_for("2", "round-1") and one != translate.nonce_for("1", "round-2")


def test_setup_course_announce_reaches_the_core_grammar() -> None:
    from bot.core import commands as core_commands

    data = {
        "name": "responsibility",
        "options": [
            {"name": "setup", "type": 1, "options": [{"name": "course-announce", "type": 3, "value": "on"}]}
        ],
    }
    text = translate.command_text(data)
    assert text == "setup course-announce on"
    assert core_commands.parse(text) == core_commands.Setup(announce_course=True)
