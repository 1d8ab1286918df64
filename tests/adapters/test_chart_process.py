"""Recap charts are drawn in a helper process (bot/adapters/chart_process.py): the same picture as drawing
in this process, the process stops after a quiet spell or when the bot stops, and starts again when needed."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import os
import select
import signal
import sys
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

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


async def test_charts_drawn_at_once_all_arrive_and_close_stops_the_process() -> None:
    charts = ChartProcess()
    pngs = await asyncio.gather(*(charts.png(CARD) for _ in range(3)))
    assert len(set(pngs)) == 1
    await charts.close()
    assert not charts.running


class HeldPool(cf.Executor):
    """An executor whose results the test sets by hand; notes whether it was shut down."""

    def __init__(self) -> None:
        self.futures: list[cf.Future[Any]] = []
        self.shut = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        self.futures.append(future)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.shut = True


async def test_a_stale_failure_does_not_stop_the_process_a_later_chart_started() -> None:
    pools: list[HeldPool] = []

    def start() -> HeldPool:
        pools.append(HeldPool())
        return pools[-1]

    charts = ChartProcess(start=start)
    a, b = (asyncio.create_task(charts.png(CARD)) for _ in range(2))
    await asyncio.sleep(0)  # both queued in the first process
    first = pools[0]
    first.futures[0].set_exception(BrokenProcessPool("the chart process was killed"))
    with pytest.raises(BrokenProcessPool):
        await a
    assert first.shut and not charts.running
    c = asyncio.create_task(charts.png(CARD))  # another team's recap starts a new process
    await asyncio.sleep(0)
    second = pools[1]
    first.futures[1].set_exception(BrokenProcessPool("the chart process was killed"))
    with pytest.raises(BrokenProcessPool):
        await b  # the old process's second casualty must not stop the new one
    assert not second.shut and charts.running
    second.futures[0].set_result(b"png")
    assert await c == b"png"
    await charts.close()
    assert second.shut


#: A bot process that starts the chart worker, writes its pid to argv[1], and is killed with SIGKILL (no
#: cleanup runs).
KILLED_BOT = """
import os, pathlib, signal, sys
from bot.adapters.chart_process import worker_pool
pool = worker_pool()
pathlib.Path(sys.argv[1]).write_text(str(pool.submit(os.getpid).result(timeout=60)))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits for the worker through a Linux pidfd")
async def test_the_chart_process_exits_when_the_bot_is_killed(tmp_path: Path) -> None:
    """A bot killed with SIGKILL runs no cleanup; its chart worker must still go, not linger for good."""
    said = tmp_path / "worker.pid"
    bot = await asyncio.create_subprocess_exec(sys.executable, "-c", KILLED_BOT, str(said))
    assert await asyncio.wait_for(bot.wait(), 60) == -signal.SIGKILL
    worker = int(said.read_text())
    try:
        fd = os.pidfd_open(worker)
    except ProcessLookupError:
        return  # already gone
    try:
        readable, _, _ = await asyncio.to_thread(select.select, [fd], [], [], 30)  # readable once it exits
    finally:
        os.close(fd)
    if not readable:
        os.kill(worker, signal.SIGKILL)  # don't leave it behind, then fail
    assert readable, "the chart worker outlived the killed bot"
