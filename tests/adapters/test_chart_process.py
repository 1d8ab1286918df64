"""Recap charts are drawn in a helper process (bot/adapters/chart_process.py): the same picture as drawing
in this process, the process stops after a quiet spell or when the bot stops, and starts again when needed."""

from __future__ import annotations

import asyncio

from bot.adapters.chart_process import ChartProcess
from bot.adapters.recap_chart import recap_png
from bot.core.messages import LeaderRow, RecapCard, TopicAccuracy

CARD = RecapCard(
    "cloud-team", "2026-W48", (LeaderRow(1, "ann", "Ann", 30, 3, 3),), "Bob",
    (TopicAccuracy("encryption", 4, 3), TopicAccuracy("iam", 2, 1)), 0.75,
    tuple((f"W{w}", 0.5 + w / 20) for w in range(41, 49)), "s3-public-bucket", "lesson 2", 1, 3,
)  # fmt: skip


async def test_a_chart_from_the_process_is_the_picture_drawn_here_and_the_process_stops_when_idle() -> None:
    charts = ChartProcess(idle=0)
    png = await charts.png(CARD)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == recap_png(CARD)
    assert await charts.png(CARD, dpi=72) == recap_png(CARD, dpi=72)
    assert charts.running
    for _ in range(2):  # the idle timer (0 s) is due on the loop's next turn, run after the ready callbacks
        await asyncio.sleep(0)
    assert not charts.running
    assert await charts.png(CARD) == png  # started again
    await charts.close()
    assert not charts.running


async def test_charts_drawn_at_once_all_arrive_and_close_waits_for_the_process() -> None:
    charts = ChartProcess()
    pngs = await asyncio.gather(*(charts.png(CARD) for _ in range(3)))
    assert len(set(pngs)) == 1
    await charts.close()
    assert not charts.running
