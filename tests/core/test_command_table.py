"""One command table: the parser, help, admin gating, metrics labels, the Discord group and docs/commands.md
are all derived from bot/core/commands.py's TABLE, and these tests fail when any of them disagrees."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import commands as c
from bot.core.command_docs import markdown_table
from bot.core.command_runner import CommandRunner, help_lines
from bot.core.command_spec import CommandSpec, Kind
from bot.core.ports import Repository
from tests.fakes.harness import Harness

DOCS = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

#: A valid invocation of every command (the smallest one that does something).
EXAMPLES = {
    "help": "help",
    "quiz": "quiz",
    "leaderboard": "leaderboard month",
    "stats": "stats <@U1>",
    "lookup": "lookup ec2 patching",
    "learn": "learn",
    "flag": "flag ec2-ssh the answer is outdated",
    "forget-me": "forget-me confirm",
    "setup": "setup time 09:30 tz Europe/Berlin",
    "pause": "pause",
    "resume": "resume",
    "post-now": "post-now",
    "export": "export all",
    "onboarding": "onboarding",
    "flags": "flags clear ec2-ssh",
    "audit": "audit",
    "dashboard": "dashboard",
    "suggest": "suggest customer https://docs.aws.amazon.com/x Who patches? | Because",
    "review": "review approve 12",
}


def test_every_command_has_an_example_and_parses_by_its_own_spec() -> None:
    assert set(EXAMPLES) == set(c.NAMES)
    for name, text in EXAMPLES.items():
        spec, _ = c.parse_with_spec(text)
        assert spec.name == name


def test_every_command_type_is_built_by_exactly_one_spec() -> None:
    built = {type(c.parse(text)) for text in EXAMPLES.values()}
    assert built == set(typing.get_args(c.Command))


def test_every_parsed_command_has_a_handler() -> None:
    """The runner's match names every Command class (a command added to the table but not handled fails)."""
    source = Path(CommandRunner.dispatch.__code__.co_filename).read_text(encoding="utf-8")
    for cls in typing.get_args(c.Command):
        assert f"c.{cls.__name__}(" in source, cls.__name__


def test_aliases_reach_the_same_command() -> None:
    for spec in c.TABLE:
        for alias in spec.aliases:
            assert c.spec_for(alias) is spec
            assert type(c.parse(EXAMPLES[spec.name].replace(spec.name, alias, 1))) is type(
                c.parse(EXAMPLES[spec.name])
            )


def test_help_lists_every_command_once_and_admin_ones_only_to_admins() -> None:
    everyone = "\n".join(help_lines("/r", is_admin=False))
    admins = "\n".join(help_lines("/r", is_admin=True))
    for spec in c.TABLE:
        if spec.name == "help":
            continue
        line = f"`/r {spec.usage()}` — {spec.summary}"
        assert admins.count(line) == 1
        assert (line in everyone) is (not spec.admin)


def test_usage_lines_name_every_option_and_allowed_value() -> None:
    for spec in c.TABLE:
        usage = spec.usage()
        for option in spec.options:
            if (spec.keyed and not option.bare) or option.kind is Kind.FLAG:
                assert option.name in usage
            for value in option.allowed:
                assert value in usage


@pytest.mark.parametrize("spec", c.TABLE, ids=lambda s: s.name)
def test_keyed_options_refuse_repeats(spec: CommandSpec) -> None:
    if not spec.keyed:
        return
    option = spec.options[0]
    value = {"FLAG": "", "SCENARIO": "ec2-ssh", "TIME": "09:00"}.get(option.kind.name, "on")
    once = f"{spec.name} {option.name} {value}".strip()
    with pytest.raises(c.UsageError, match="given twice"):
        c.parse(f"{once} {option.name} {value}".strip())


def test_setup_time_given_twice_is_refused_and_changes_nothing() -> None:
    with pytest.raises(c.UsageError, match="`time` is given twice"):
        c.parse("setup time 09:00 time 10:00")
    with pytest.raises(c.UsageError, match="given twice"):
        c.parse("setup window 2h window until 13:00")


def test_nul_characters_are_refused() -> None:
    with pytest.raises(c.UsageError, match="NUL"):
        c.parse("flag ec2-ssh bad\x00reason")


def test_metrics_label_is_the_table_name_or_other() -> None:
    assert c.metrics_label("top month") == "leaderboard"
    assert c.metrics_label("") == "help"
    assert c.metrics_label("dance now") == "other"
    assert {c.metrics_label(text) for text in EXAMPLES.values()} == set(c.NAMES)


async def test_admin_gating_follows_the_table(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC")
    for spec in c.TABLE:
        (reply,) = await h.command(EXAMPLES[spec.name], uid="member", admin=False)
        refused = "is for admins" in getattr(reply, "text", "")
        assert refused is spec.admin, spec.name


def test_docs_command_table_is_current() -> None:
    assert markdown_table() in DOCS.read_text(encoding="utf-8"), (
        "run `make docs` to regenerate docs/commands.md"
    )


class _Links:
    def __init__(self) -> None:
        self.issued: list[str] = []

    async def issue_login_link(self, user: object, now: datetime) -> str:
        self.issued.append(str(getattr(user, "user_id", "")))
        return f"http://127.0.0.1:8765/dashboard/login/token-{len(self.issued)}"


async def test_dashboard_link_for_admins_only(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (reply,) = await h.command("dashboard")
    assert "not switched on" in getattr(reply, "text", "")
    links = _Links()
    h.engine.attach_dashboard(links)
    (reply,) = await h.command("dashboard", uid="ada")
    assert "http://127.0.0.1:8765/dashboard/login/token-1" in getattr(reply, "text", "") and links.issued == [
        "ada"
    ]
    (reply,) = await h.command("dashboard", uid="bob", admin=False)
    assert "is for admins" in getattr(reply, "text", "") and links.issued == ["ada"]
