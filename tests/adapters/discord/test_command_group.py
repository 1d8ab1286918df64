"""The Discord `/responsibility` group is built from the core's command table: same subcommands, same options
(required first, choices, autocomplete), and every option maps back to the core's text grammar."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.adapters.discord import translate
from bot.adapters.discord.commands import build_group
from bot.core import commands as c
from bot.core.command_spec import CommandSpec, Kind


async def _runner(_: discord.Interaction[Any]) -> None:
    return None


@pytest.fixture(scope="module")
def group() -> app_commands.Group:
    return build_group(_runner)


def _subcommand(group: app_commands.Group, name: str) -> app_commands.Command[Any, ..., None]:
    found = group.get_command(name)
    assert isinstance(found, app_commands.Command), name
    return found


def test_one_subcommand_per_table_entry(group: app_commands.Group) -> None:
    assert [cmd.name for cmd in group.commands] == [spec.name for spec in c.TABLE]


@pytest.mark.parametrize("spec", c.TABLE, ids=lambda s: s.name)
def test_options_match_the_spec(group: app_commands.Group, spec: CommandSpec) -> None:
    command = _subcommand(group, spec.name)
    params = {p.display_name: p for p in command.parameters}
    assert set(params) == {o.name for o in spec.options}
    required = [p.required for p in command.parameters]
    assert required == sorted(required, reverse=True)  # Discord wants required options first
    for option in spec.options:
        param = params[option.name]
        assert param.required is option.required
        assert [ch.value for ch in param.choices] == list(option.allowed)
        if option.kind is Kind.MENTION:
            assert param.type is discord.AppCommandOptionType.user
        elif option.kind is Kind.FLAG:
            assert param.type is discord.AppCommandOptionType.boolean
        else:
            assert param.type is discord.AppCommandOptionType.string
    assert len(command.description) <= 100


def test_autocomplete_for_time_zones(group: app_commands.Group) -> None:
    setup = {p.display_name: p for p in _subcommand(group, "setup").parameters}
    assert setup["tz"].autocomplete
    assert not setup["time"].autocomplete


def test_the_group_serialises_for_discord(group: app_commands.Group) -> None:
    payload = group.to_dict(app_commands.CommandTree(discord.Client(intents=discord.Intents.none())))
    names = [o["name"] for o in payload["options"]]
    assert names == list(c.NAMES)
    setup = next(o for o in payload["options"] if o["name"] == "setup")
    assert "course-announce" in [o["name"] for o in setup["options"]]


def _value(spec: CommandSpec, name: str) -> tuple[int, object]:
    option = spec.option(name)
    assert option is not None
    if option.kind is Kind.FLAG:
        return 5, True
    if option.kind is Kind.MENTION:
        return 6, "81726354"
    if option.allowed:
        return 3, option.allowed[-1]
    samples = {Kind.TIME: "07:05", Kind.ZONE: "America/New_York", Kind.DAYS: "mon,wed", Kind.WINDOW: "until 13:00",
               Kind.SCENARIO: "ec2-ssh", Kind.TEXT: "two words", Kind.WORD: "ec2", Kind.SCHEDULE: "fri 16:00",
               Kind.PING: "role:Ops"}  # fmt: skip
    return 3, samples[option.kind]


@pytest.mark.parametrize("spec", c.TABLE, ids=lambda s: s.name)
def test_every_option_given_in_discord_parses_in_the_core(spec: CommandSpec) -> None:
    options = []
    for option in spec.options:
        kind, value = _value(spec, option.name)
        options.append({"name": option.name, "type": kind, "value": value})
    data = {"name": "responsibility", "options": [{"name": spec.name, "type": 1, "options": options}]}
    parsed_spec, _ = c.parse_with_spec(translate.command_text(data))
    assert parsed_spec is spec
