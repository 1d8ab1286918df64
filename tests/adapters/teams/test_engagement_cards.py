"""Teams renders the reminder (never a ping), the recap with its chart inline, and the season post."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from bot.adapters.recap_chart import recap_png
from bot.adapters.teams import cards
from bot.core.messages import LeaderRow, RecapCard, ReminderCard, SeasonCard, TopicAccuracy

ROWS = tuple(LeaderRow(i, f"u{i}", f"Name {i}", 50 - i, 5, 4) for i in range(1, 6))
RECAP = RecapCard("#team", "2026-W48", ROWS, "Ann (+40 points of accuracy)", (TopicAccuracy("iam", 10, 7),),
                  0.75, tuple((f"W{i}", 0.5) for i in range(41, 49)), "A prompt", "A lesson.", 1, 2)  # fmt: skip


def _images(node: object) -> Iterator[dict[str, Any]]:
    """Every Adaptive Card Image element, wherever the card nests it."""
    if isinstance(node, dict):
        if node.get("type") == "Image":
            yield node
        for value in node.values():
            yield from _images(value)
    elif isinstance(node, list):
        for value in node:
            yield from _images(value)


def test_the_recap_carries_its_chart_inline_and_goes_without_one_it_could_not_draw() -> None:
    png = recap_png(RECAP, dpi=cards.CHART_DPI)
    card = cards.render(RECAP, "recap-abc-1-w:2026-W48", png)
    (image,) = list(_images(card))
    assert image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1]) == png
    assert "Week 48 recap" in json.dumps(card, ensure_ascii=False)
    without = cards.render(RECAP, "recap-abc-1-w:2026-W48")
    assert list(_images(without)) == [] and "Week 48 recap" in json.dumps(without, ensure_ascii=False)


def test_reminder_and_season_render_without_a_ping() -> None:
    reminder = json.dumps(cards.render(ReminderCard(1, 2, 9, 60, "role:Ops")), ensure_ascii=False)
    assert "2 of 9 regulars" in reminder and "role:Ops" not in reminder and "<at>" not in reminder
    season = json.dumps(cards.render(SeasonCard("#team", "November 2026", ROWS[:3], 0.8, 20, ("Ann", 9))),
                        ensure_ascii=False)  # fmt: skip
    assert "November 2026 season champions" in season and "Ann — 9 rounds" in season
