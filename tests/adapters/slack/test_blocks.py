"""Every card renders to Block Kit within Slack's limits, however long its content."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack import blocks as b
from bot.adapters.slack.translate import parse_action_id
from bot.core.messages import (
    Button,
    Card,
    FileCard,
    HomeCard,
    LeaderboardCard,
    LeaderRow,
    LessonCard,
    LookupCard,
    PracticeCard,
    RecapCard,
    ReminderCard,
    RevealCard,
    ScenarioCard,
    SeasonCard,
    StatsCard,
    TeamRankingCard,
    TeamRow,
    TextReply,
    TopicAccuracy,
)
from content.schema import Party
from tests.fakes.fake_slack import validate_blocks

LONG = "Who patches the guest operating system on an EC2 instance & <why>? " * 200  # ~13k characters
CLOSES = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
REF = (
    "https://docs.aws.amazon.com/whitepapers/latest/aws-risk-and-compliance/shared-responsibility-model.html"
)


def rows(n: int, name: str = "A very long display name " * 5) -> tuple[LeaderRow, ...]:
    return tuple(LeaderRow(i + 1, f"U{i}", f"{name}{i}", 100 - i, 10, 7) for i in range(n))


def buttons(n: int, label: str = "A button label that goes on and on " * 4) -> tuple[Button, ...]:
    return tuple(Button(f"{label}{i}", "quiz", f"s-{i:03d}:" + "x" * 3000, "primary") for i in range(n))


def stats() -> StatsCard:
    return StatsCard(
        LONG[:300], 120, 14, 9, 3, 5, tuple((f"topic-{i}" * 20, 0.1 * i) for i in range(10)), 4, 2, LONG
    )


def board(n: int = 100) -> LeaderboardCard:
    return LeaderboardCard("Team " + LONG[:200], "week", rows(n), rows(200)[-1])


EVERY_CARD: list[Card] = [
    TextReply(LONG, "A title " * 40, buttons(40)),
    TextReply(""),
    ScenarioCard(7, "s-001", "#" + "t" * 200, "Amazon EC2", LONG, CLOSES, "reactions"),
    ScenarioCard(7, "s-001", "#team", "Amazon EC2", LONG, CLOSES, "buttons", buttons(3)),
    RevealCard(
        7,
        "s-001",
        LONG,
        Party.CUSTOMER,
        LONG,
        (REF,) * 12,
        ((Party.AWS, 3), (Party.CUSTOMER, 40), (Party.SHARED, 0)),
        40,
        43,
        rows(5),
        (Button("Flag as wrong or unclear", "flag", "s-001"),),
    ),  # fmt: skip
    RevealCard(8, "s-002", "p", Party.AWS, "e", (), ((Party.AWS, 0),), 0, 0),
    board(),
    LeaderboardCard("Empty", "all", ()),
    TeamRankingCard(
        "Teams " + LONG[:300], tuple(TeamRow(i + 1, "team " * 30, 50, 4, 12.5, 0.8) for i in range(150))
    ),
    stats(),
    LessonCard("lesson-1", 1, 9, LONG[:400], LONG, LONG, (REF,) * 15, buttons(30)),
    PracticeCard("s-003", "AWS Lambda", LONG, LONG, buttons(3)),
    LookupCard("Amazon RDS " * 20, "database engine patching " * 10, Party.AWS, LONG, REF),
    FileCard("responsibility-week-20261130.csv", "a,b\n" * 1000, "Participation export (week)"),
    HomeCard(stats(), tuple(board(60) for _ in range(6)), LONG),
    ReminderCard(7, 3, 12, 60, "<!subteam^S0123|@ops>"),
    RecapCard(
        "#team",
        "2026-W48",
        rows(5),
        "Ann (+40 points of accuracy)",
        tuple(TopicAccuracy(f"topic-{i}", 10, i) for i in range(40)),
        0.75,
        tuple((f"W{i}", 0.5) for i in range(41, 49)),
        LONG,
        LONG,
        2,
        5,
        ("Ann: 🔥 5-round streak",) * 30,
        5,
        40,
    ),  # fmt: skip
    SeasonCard("#team", "November 2026", rows(3), 0.8, 20, ("Ann", 12)),
]


def check(message: b.SlackMessage, limit: int = b.MAX_BLOCKS) -> None:
    assert validate_blocks(message.blocks, limit) is None
    assert 0 < len(message.text) <= b.MAX_FALLBACK_TEXT
    for block in message.blocks:
        if block["type"] == "section" and "text" in block:
            assert block["text"]["text"].strip()
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert parse_action_id(element["action_id"]) is not None


@pytest.mark.parametrize("card", EVERY_CARD, ids=lambda c: type(c).__name__)
def test_every_card_renders_within_slacks_limits(card: Card) -> None:
    check(b.render(card))


def test_every_card_type_is_covered() -> None:
    assert {type(c) for c in EVERY_CARD} == set(Card.__args__)


def test_the_home_view_fits_a_home_tab() -> None:
    view = b.home_view(HomeCard(stats(), tuple(board(60) for _ in range(20)), LONG))
    assert view["type"] == "home"
    assert validate_blocks(view["blocks"], b.MAX_HOME_BLOCKS) is None


def test_a_message_too_long_for_one_post_keeps_its_buttons() -> None:
    lesson = LessonCard("l", 1, 2, "t", "word " * 60_000, "q?", (REF,), (Button("Right", "lesson", "l:0"),))
    message = b.render(lesson)
    check(message)
    assert len(message.blocks) == b.MAX_BLOCKS
    assert message.blocks[-1]["type"] == "actions" and "more than fits" in str(message.blocks[-2])


def test_user_text_cannot_form_mentions_or_links() -> None:
    message = b.render(TextReply("<!channel> & <https://evil.example|click>"))
    assert message.blocks[0]["text"]["text"] == "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"


def test_a_scenario_shows_the_close_time_in_each_readers_time_zone() -> None:
    card = ScenarioCard(7, "s-001", "#team", "Amazon EC2", "prompt", CLOSES, "reactions")
    text = str(b.render(card).blocks)
    assert f"<!date^{int(CLOSES.timestamp())}^{{time}}|13:30 UTC>" in text
    assert ":cloud: AWS · :technologist: Customer · :handshake: Shared" in text


def test_button_values_and_actions_survive_rendering() -> None:
    card = TextReply("sure?", buttons=(Button("Yes, forget me", "forget-confirm", "", "danger"),))
    (actions,) = [blk for blk in b.render(card).blocks if blk["type"] == "actions"]
    (button,) = actions["elements"]
    assert (parse_action_id(button["action_id"]), button["value"], button["style"]) == (
        "forget-confirm",
        "",
        "danger",
    )


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(min_size=0, max_size=9000),
    title=st.text(max_size=300),
    labels=st.lists(st.text(max_size=200), max_size=30),
)
def test_any_text_reply_fits(text: str, title: str, labels: list[str]) -> None:
    card = TextReply(text, title, tuple(Button(label, "quiz", label) for label in labels))
    check(b.render(card))


def test_a_cached_boards_rows_are_rendered_once_and_a_new_board_afresh() -> None:
    """The core hands everyone the same rows tuple until the next reveal; a new tuple is a new board."""
    shared = rows(3, "Ada")
    first = b.render(LeaderboardCard("Team", "week", shared, LeaderRow(9, "U9", "Me", 1, 1, 0)))
    second = b.render(LeaderboardCard("Team", "week", shared, None))
    assert first.blocks[1] is second.blocks[1] and "1. Ada0" in first.blocks[1]["text"]["text"]
    assert first.blocks[-1] != second.blocks[-1]  # the caller's own line is never shared
    after_reveal = b.render(LeaderboardCard("Team", "week", rows(3, "Bob"), None))
    assert "1. Bob0" in after_reveal.blocks[1]["text"]["text"]
    assert "Ada" not in str(after_reveal.blocks)


def test_a_board_dropped_by_the_core_is_never_mistaken_for_a_new_one() -> None:
    """The cache keeps each tuple it keyed by id alive: CPython gives a freed tuple's address to the next tuple
    of its size, which would otherwise show a new board with the old one's text."""
    old, new = rows(2, "Old"), rows(2, "New")
    b.render(LeaderboardCard("Team", "week", (old[0], old[1]), None))  # the tuple is dropped right after
    fresh = b.render(LeaderboardCard("Team", "week", (new[0], new[1]), None))
    assert "New0" in fresh.blocks[1]["text"]["text"]
