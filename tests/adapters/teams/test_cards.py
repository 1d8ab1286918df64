"""Cards → Adaptive Cards: three Action.Execute answers, a count that never reveals votes, a closed card
without buttons, keys that find a post again, and every card type within Teams' limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapters.teams import cards
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
    RevealCard,
    ScenarioCard,
    StatsCard,
    TeamRankingCard,
    TeamRow,
    TextReply,
)
from content.schema import Party
from tests.fakes.fake_teams import card_text

CLOSES = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
SCENARIO = ScenarioCard(
    12, "s-001", "General", "Amazon EC2", "SSH open to the world. Who?", CLOSES, "buttons"
)
ROW = LeaderRow(1, "29:bob", "Bob", 10, 1, 1)
STATS = StatsCard("Bob", 10, 1, 1, 1, 1, (("patching", 0.5),), course="lesson 2 of 8")
SAMPLES: list[Card] = [
    TextReply("*Done.*", title="Setup", buttons=(Button("Yes, forget me", "forget-confirm", "1", "danger"),)),
    SCENARIO,
    RevealCard(
        12,
        "s-001",
        "Who?",
        Party.CUSTOMER,
        "Security groups are yours.",
        ("https://docs.aws.amazon.com/a",),
        ((Party.AWS, 1), (Party.CUSTOMER, 2), (Party.SHARED, 0)),
        2,
        3,
        (ROW,),
        (Button("Flag", "flag", "s-001"),),
    ),
    LeaderboardCard("This week", "week", (ROW,), ROW),
    TeamRankingCard("Teams", (TeamRow(1, "General", 10, 1, 10.0, 1.0),)),
    STATS,
    LessonCard(
        "l-1",
        1,
        8,
        "Of vs in",
        "AWS secures the cloud.",
        "Who patches RDS?",
        (),
        (Button("AWS", "lesson", "l-1:0"),),
    ),
    PracticeCard(
        "s-002", "Amazon S3", "A bucket?", "practice", (Button("Customer", "quiz", "s-002:customer"),)
    ),
    LookupCard(
        "Amazon RDS", "patch the OS", Party.AWS, "Managed service.", "https://docs.aws.amazon.com/rds"
    ),
    FileCard("export.csv", "user,points\nbob,10\n", "Export", "this month"),
    HomeCard(STATS, (LeaderboardCard("This week", "week", (ROW,)),)),
]


def test_the_scenario_has_three_answer_buttons_and_no_votes() -> None:
    content = cards.scenario(SCENARIO, "round-12", answered=3)
    assert content["version"] == "1.4" and content["type"] == "AdaptiveCard"
    assert [(a["type"], a["verb"], a["data"]) for a in content["actions"]] == [
        ("Action.Execute", "answer", {"round": 12, "choice": "AWS"}),
        ("Action.Execute", "answer", {"round": 12, "choice": "Customer"}),
        ("Action.Execute", "answer", {"round": 12, "choice": "Shared"}),
    ]
    text = card_text(content)
    assert "3 answered" in text and "{{TIME(2026-11-30T13:30:00Z)}}" in text
    assert "AWS:" not in text and "Customer:" not in text


def test_a_closed_scenario_has_no_buttons() -> None:
    content = cards.scenario(SCENARIO, answered=5, closed=True)
    assert "actions" not in content and "Closed · 5 answered" in card_text(content)


def test_the_key_finds_the_card_as_graph_returns_it() -> None:
    content = cards.render(SCENARIO, "round-12·abc")
    assert cards.find_key(content, "round-12·abc")
    assert cards.find_key(json.dumps(content), "round-12·abc")
    assert not cards.find_key(content, "round-1")
    for garbage in (None, "not json", "[]", {"body": "x"}, {"body": [1, {"id": "rb-key"}]}):
        assert not cards.find_key(garbage, "round-12·abc")


def test_the_reveal_shows_answer_votes_and_links() -> None:
    text = card_text(cards.render(SAMPLES[2]))
    assert "Answer: 🧑‍💻 Customer" in text and "Security groups are yours." in text
    assert "Customer: 2" in text and "2 of 3" in text and "(https://docs.aws.amazon.com/a)" in text


@pytest.mark.parametrize("card", SAMPLES, ids=lambda c: type(c).__name__)
def test_every_card_is_an_adaptive_card_within_limits(card: Card) -> None:
    content = cards.render(card)
    assert content["$schema"] == cards.SCHEMA and isinstance(content["body"], list) and content["body"]
    assert len(json.dumps(content)) < 28_000
    for action in content.get("actions", []):
        assert action["type"] == "Action.Execute" and action["verb"] and len(action["title"]) <= 60
    assert cards.summary(card)


def test_slack_bold_becomes_markdown_bold_and_long_text_is_clipped() -> None:
    content = cards.render(TextReply("*bold* and " + "x" * 10_000))
    text = content["body"][0]["text"]
    assert text.startswith("**bold**") and len(text) <= cards.TEXT and text.endswith("…")


def test_a_large_export_is_truncated_not_dropped() -> None:
    content = cards.render(FileCard("export.csv", "a,b\n" * 20_000, "Export"))
    assert "… (truncated)" in card_text(content) and len(json.dumps(content)) < 28_000


def test_button_styles_map_to_adaptive_card_styles() -> None:
    (action,) = cards.render(SAMPLES[0])["actions"]
    assert action["style"] == "destructive" and action["data"] == {"v": "1"}
