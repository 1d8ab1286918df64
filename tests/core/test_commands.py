"""The `/responsibility` grammar and what each command does, as a person would use it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time

import pytest

from bot.core import commands as c
from bot.core.leaderboard import Period
from bot.core.messages import FileCard, LookupCard, PracticeCard, TextReply
from bot.core.model import AnswerMode
from bot.core.ports import Repository
from content.schema import Party
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("help", c.Help()),
        ("leaderboard", c.Leaderboard(Period.WEEK)),
        ("leaderboard MONTH", c.Leaderboard(Period.MONTH)),
        ("leaderboard teams", c.Leaderboard(None)),
        ("stats", c.Stats(None)),
        ("stats <@U123ABC>", c.Stats("U123ABC")),
        ("stats <@U123ABC|bob>", c.Stats("U123ABC")),
        ("stats <@!81726354>", c.Stats("81726354")),
        ("lookup ec2 patch the guest os", c.Lookup("ec2 patch the guest os")),
        ('lookup who patches "Amazon RDS"?', c.Lookup("who patches Amazon RDS?")),
        ("forget-me confirm", c.ForgetMe(True)),
        ("export month", c.Export(Period.MONTH)),
        (
            "setup time 07:05 tz America/New_York days mon,wed,fri window 90m mode buttons receipts off",
            c.Setup(
                time(7, 5), "America/New_York", frozenset({0, 2, 4}), 90, None, AnswerMode.BUTTONS, False
            ),
        ),
        ("setup window until 13:00", c.Setup(close_time=time(13, 0))),
        ("setup days mon-thu", c.Setup(days=frozenset({0, 1, 2, 3}))),
        ("flags clear ec2-ssh", c.Flags("ec2-ssh")),
    ],
)
def test_grammar(text: str, expected: c.Command) -> None:
    assert c.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("dance", "dance"),
        ("leaderboard yearly", "yearly"),
        ("setup time 25:00", "25:00"),
        ("setup tz Mars/Olympus", "Mars/Olympus"),
        ("setup days funday", "funday"),
        ("setup window 0m", "between 15m and 23h"),
        ("setup mode carrier-pigeon", "carrier-pigeon"),
        ("setup colour blue", "colour"),
        ("setup time", "needs a value"),
        ("stats bob", "bob"),
        ("quiz now", "now"),
        ("lookup", "needs a question"),
        ("x" * 600, "limit"),
    ],
)
def test_bad_input_names_what_was_wrong(text: str, names: str) -> None:
    with pytest.raises(c.UsageError) as info:
        c.parse(text)
    assert names in str(info.value)


async def test_usage_error_reply_changes_nothing(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (reply,) = await h.command("setup time 9.30")
    assert (
        isinstance(reply, TextReply)
        and "9.30" in reply.text
        and "Usage: `/responsibility setup" in reply.text
    )
    assert await sqlite_repo.get_team(h.channel()) is None


async def test_admin_commands_refused_politely_for_members(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    for text in ("setup", "pause", "resume", "post-now", "export", "onboarding", "flags", "audit"):
        (reply,) = await h.command(text, uid="member", admin=False)
        assert isinstance(reply, TextReply) and reply.text.startswith("Sorry"), text
    assert await sqlite_repo.get_team(h.channel()) is None
    assert await sqlite_repo.audit_log(h.user("x").tenant, 10) == []


async def test_setup_pause_resume_post_now_and_audit(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (reply,) = await h.command("setup time 10:00 tz Europe/Berlin window until 12:00")
    assert isinstance(reply, TextReply) and "is now a team" in reply.text
    (reply,) = await h.command("setup window until 09:00")
    assert isinstance(reply, TextReply) and "must be at least 15 minutes after" in reply.text
    (reply,) = await h.command("pause")
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None and team.paused and team.next_post_at is None
    await h.run_until(MONDAY.replace(hour=12))
    assert h.scenario_posts() == []  # paused: nothing posted
    await h.command("resume")
    (reply,) = await h.command("post-now")
    assert isinstance(reply, TextReply) and "Posted" in reply.text
    (reply,) = await h.command("post-now")
    assert isinstance(reply, TextReply) and "already" in reply.text
    assert len(h.scenario_posts()) == 1
    log = await sqlite_repo.audit_log(h.user("x").tenant, 10)
    assert [action for _, _, action, _ in log] == ["post-now", "post-now", "resume", "pause", "setup"]
    (reply,) = await h.command("audit")
    assert isinstance(reply, TextReply) and "setup" in reply.text


async def test_export_is_a_csv_with_the_documented_columns(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC")
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    answer = h.engine.content.scenarios[card.scenario_id].answer
    await h.answer(post, "ann", answer.value)
    await h.answer(post, "=cmd", Party.AWS.value if answer is not Party.AWS else Party.SHARED.value)
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    (export,) = await h.command("export week")
    assert isinstance(export, FileCard) and export.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(export.content)))
    assert rows[0] == [
        "person",
        "person_id",
        "team",
        "rounds_answered",
        "correct",
        "points",
        "period",
        "course",
        "achievements",
        "questions_approved",
    ]
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["ann"][3:6] == ["1", "1", "10"]
    assert "'=cmd" in by_id  # a formula-looking id is neutralised for spreadsheets


async def test_lookup_quiz_and_help(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (card,) = await h.command("lookup rds database engine patching", admin=False)
    assert isinstance(card, LookupCard) and card.party is Party.AWS
    (card,) = await h.command("lookup saturn rings", admin=False)
    assert isinstance(card, TextReply) and "Known services" in card.text
    (card,) = await h.command("quiz", admin=False)
    assert isinstance(card, PracticeCard) and len(card.buttons) == 3
    (member_help,) = await h.command("help", admin=False)
    (admin_help,) = await h.command("help", admin=True)
    assert isinstance(member_help, TextReply) and isinstance(admin_help, TextReply)
    assert "setup" not in member_help.text and "setup" in admin_help.text


async def test_forget_me_removes_the_person(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC")
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, _ = h.scenario_posts()[0]
    await h.answer(post, "ann", "aws")
    await h.answer(post, "bob", "aws")
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    (ask,) = await h.command("forget-me", uid="ann", admin=False)
    assert isinstance(ask, TextReply) and ask.buttons and ask.buttons[0].action == "forget-confirm"
    (done,) = await h.press("ann", "forget-confirm", "")
    assert isinstance(done, TextReply) and "deleted" in done.text
    (export,) = await h.command("export all")
    assert isinstance(export, FileCard) and "ann" not in export.content and "bob" in export.content
