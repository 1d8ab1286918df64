"""Every card renders within Discord's limits, even with the longest content the core can produce."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot.adapters.discord import render as r
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

LONG = "x" * 9000
WHEN = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
ROWS = tuple(LeaderRow(i, f"u{i}", "N" * 90, 1000 * i, 50, 40) for i in range(1, 11))
MANY = tuple(Button("L" * 120, "lesson", f"lesson-{i}:{i}", "primary") for i in range(30))
LONG_ID = Button("Flag", "flag", "s" * 120)
STATS = StatsCard("N" * 300, 10, 5, 4, 2, 3, tuple((f"topic-{i}" * 20, 0.5) for i in range(3)), 7, 5, LONG)
BOARD = LeaderboardCard(LONG, "week", ROWS, ROWS[0])

CARDS: list[Card] = [
    TextReply(LONG),
    TextReply("short *bold* text", buttons=MANY),
    TextReply(LONG, title=LONG, buttons=(LONG_ID,)),
    ScenarioCard(1, "s-001", LONG, LONG, LONG, WHEN, "reactions"),
    ScenarioCard(1, "s-001", "team", "EC2", "prompt", WHEN, "buttons", MANY[:3]),
    RevealCard(1, "s-001", LONG, Party.SHARED, LONG, tuple(LONG for _ in range(20)),
               ((Party.AWS, 1), (Party.CUSTOMER, 2), (Party.SHARED, 3)), 3, 6, ROWS, (LONG_ID,)),
    BOARD,
    LeaderboardCard("Empty", "week", ()),
    TeamRankingCard(LONG, tuple(TeamRow(i, "T" * 100, 10, 3, 3.3, 0.5) for i in range(1, 40))),
    STATS,
    LessonCard("lesson-1", 1, 9, LONG, LONG, LONG, (LONG,) * 5, MANY),
    PracticeCard("s-001", LONG, LONG, LONG, MANY[:3]),
    LookupCard(LONG, LONG, Party.CUSTOMER, LONG, LONG),
    FileCard("export.csv", "a,b\n1,2\n", LONG, LONG),
    HomeCard(STATS, tuple(BOARD for _ in range(12)), "course"),
    RevealCard(2, "team-q-1", LONG, Party.AWS, LONG, (LONG,), ((Party.AWS, 1),), 1, 1, ROWS, (LONG_ID,),
               tuple(LONG[:80] for _ in range(30)), LONG),
    ReminderCard(1, 3, 12, 60, "<@&1290000000000000999>"),
    RecapCard(LONG[:300], "2026-W48", ROWS[:5], LONG, tuple(TopicAccuracy(f"t{i}" * 20, 9, 3) for i in range(40)),
              0.5, tuple((f"W{i}", 0.5) for i in range(8)), LONG, LONG, 1, 3, tuple(LONG[:90] for _ in range(40))),
    SeasonCard(LONG[:300], "November 2026", ROWS[:3], 0.8, 20, ("N" * 300, 9)),
]  # fmt: skip


def check_limits(rendered: r.Rendered) -> None:
    assert rendered.content is None or len(rendered.content) <= r.CONTENT
    assert len(rendered.embeds) <= r.EMBEDS
    assert sum(len(e) for e in rendered.embeds) <= r.TOTAL
    for embed in rendered.embeds:
        assert len(embed.title or "") <= r.TITLE and len(embed.description or "") <= r.DESCRIPTION
        assert len(embed.fields) <= r.FIELDS
        for f in embed.fields:
            assert len(f.name or "") <= r.FIELD_NAME and 0 < len(f.value or "") <= r.FIELD_VALUE
        assert len(embed.footer.text or "") <= r.FOOTER
    assert len(rendered.rows) <= r.ROWS
    ids = [b.custom_id for row in rendered.rows for b in row]
    assert len(ids) == len(set(ids))
    for row in rendered.rows:
        assert 0 < len(row) <= r.PER_ROW
        for b in row:
            assert 0 < len(b.label) <= r.LABEL and len(b.custom_id) <= 100


@pytest.mark.parametrize("card", CARDS, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("guild_id", [None, 1290000000000000100])
def test_every_card_fits_discords_limits(card: Card, guild_id: int | None) -> None:
    rendered = r.render(card, guild_id=guild_id, footer_key="round-123456")
    check_limits(rendered)
    assert rendered.content or rendered.embeds or rendered.file


def test_buttons_carry_the_server_only_in_dms() -> None:
    buttons = (Button("Next", "lesson-next", "", "primary"),)
    (row,) = r.render(TextReply("x", buttons=buttons)).rows
    assert row[0].custom_id == "rb:lesson-next:" and row[0].style is discord.ButtonStyle.primary
    (row,) = r.render(TextReply("x", buttons=buttons), guild_id=7).rows
    assert row[0].custom_id == "rb@7:lesson-next:"


def test_a_post_carries_its_key_for_recovery() -> None:
    rendered = r.render(CARDS[3], footer_key="round-9")
    assert (rendered.embeds[0].footer.text or "").endswith("· round-9")


def test_slack_bold_becomes_discord_bold() -> None:
    assert r.markdown("Your answer *AWS* is locked in") == "Your answer **AWS** is locked in"
    assert r.markdown("already **bold** and 2*3*4") == "already **bold** and 2*3*4"


def test_the_file_is_attached() -> None:
    rendered = r.render(FileCard("export.csv", "a,b\n", "Export"))
    assert rendered.file == ("export.csv", b"a,b\n")
