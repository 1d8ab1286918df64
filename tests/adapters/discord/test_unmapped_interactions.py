"""Issue 12 item 8: every `/responsibility` interaction gets an answer, even one the command tree cannot map
(an older registration's subcommand, a choice no longer offered, a missing required option, no options),
and a stale global registration is named at start-up in one line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.adapters.discord import translate
from bot.adapters.discord.tree import drift
from bot.core import commands as c
from bot.core.ports import Repository
from tests.adapters.discord.conftest import start_bot
from tests.adapters.discord.helpers import EPHEMERAL, channel_of
from tests.fakes.fake_discord import FakeDiscord, Json

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("dance", {}, "not a command"),  # a subcommand an older version registered
    ("leaderboard", {"period": "yearly"}, "must be one of"),  # a choice no longer offered
    ("lookup", {}, "needs `question`"),  # a required option missing
    ("setup", {"colour": "blue"}, "has no option"),  # an option that no longer exists
]


def _answer_text(responses: list[Json]) -> str:
    texts = [(r.get("data") or r).get("content") or "" for r in responses]
    return "\n".join(texts)


@pytest.mark.parametrize(("sub", "options", "says"), CASES)
async def test_an_unmappable_interaction_is_answered_privately(
    fake: FakeDiscord, db: Repository, sub: str, options: dict[str, Any], says: str
) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ann = fake.add_member(guild, "ann", admin=True)
    bot = await start_bot(fake, db)
    try:
        interaction = await fake.slash(guild, channel_of(guild), ann, sub, **options)
        await fake.wait_until(lambda: bool(fake.responses(interaction)))
        (response,) = fake.responses(interaction)
        body = response.get("data") or response
        assert says in body["content"]
        assert ("Usage" in body["content"]) is (sub != "dance")
        assert body["flags"] & EPHEMERAL
        assert await db.teams_of(translate.channel_ref(guild.id, channel_of(guild)).tenant) == []
    finally:
        await bot.adapter.stop()


async def test_an_interaction_with_no_subcommand_is_answered(fake: FakeDiscord, db: Repository) -> None:
    guild = fake.add_guild("Acme", channels=("aws-study",))
    ann = fake.add_member(guild, "ann")
    bot = await start_bot(fake, db)
    try:
        data: Json = {"id": str(fake.app_id + 1), "name": "responsibility", "type": 1}
        interaction = fake._interaction(2, data, guild, channel_of(guild), ann.id)
        await fake.dispatch("INTERACTION_CREATE", interaction.payload, guild.id)
        await fake.wait_until(lambda: bool(fake.responses(interaction)))
        assert "subcommands" in _answer_text(fake.responses(interaction))
    finally:
        await bot.adapter.stop()


def test_command_problem_accepts_every_valid_invocation() -> None:
    for spec in c.TABLE:
        options = [{"name": o.name, "type": 3, "value": (o.allowed or ("x",))[0]} for o in spec.options]
        data = {"name": "responsibility", "options": [{"name": spec.name, "type": 1, "options": options}]}
        assert translate.command_problem(data) is None, spec.name


def _registered(subcommands: list[tuple[str, list[str]]]) -> list[Json]:
    return [{"name": "responsibility", "options": [
        {"name": n, "type": 1, "options": [{"name": o, "type": 3} for o in opts]} for n, opts in subcommands
    ]}]  # fmt: skip


def test_drift_names_what_differs() -> None:
    current = [(s.name, [o.name for o in s.options]) for s in c.TABLE]
    assert drift(_registered(current)) is None
    assert drift([]) is None
    stale = [x for x in current if x[0] != "audit"] + [("dance", [])]
    stale = [(n, [o for o in opts if o != "course-announce"]) for n, opts in stale]
    found = drift(_registered(stale))
    assert found is not None
    assert "missing audit" in found and "no longer offered dance" in found and "changed setup" in found


async def test_a_stale_global_registration_is_named_in_one_line(
    fake: FakeDiscord, db: Repository, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_guild("Acme", channels=("aws-study",))
    fake.global_commands = _registered([("help", []), ("dance", [])])
    for command in fake.global_commands:
        command.update({"id": str(fake.app_id + 7), "application_id": str(fake.app_id), "type": 1,
                        "description": "old", "version": "1"})  # fmt: skip
        for option in command["options"]:
            option["description"] = "old"
    caplog.set_level(logging.WARNING, logger="bot.adapters.discord.adapter")
    bot = await start_bot(fake, db)
    try:
        lines = [
            r.getMessage() for r in caplog.records if "registered /responsibility differs" in r.getMessage()
        ]
        assert len(lines) == 1 and "DISCORD_SYNC_COMMANDS=true" in lines[0] and "dance" in lines[0]
    finally:
        await bot.adapter.stop()
