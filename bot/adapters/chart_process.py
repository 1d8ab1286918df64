"""Recap charts drawn in a helper process, so the bot process never loads matplotlib and its event loop
never waits for a drawing.

matplotlib is about 40 MB of a process once imported, and a chart takes 100-150 ms of CPU that would hold
the interpreter (drawn on the loop, every event waits; drawn in a thread, the GIL still makes the loop wait
its turns). One worker process (spawned, not forked: the bot has threads) draws the charts one at a time;
it starts with the first chart and stops after IDLE seconds without one, so it lives only while a batch of
recaps goes out. The same card always draws the same picture in either process (`recap_chart.recap_png`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.adapters.recap_chart import recap_png
from bot.core.messages import RecapCard

log = logging.getLogger(__name__)

#: Seconds without a chart before the worker process stops.
IDLE = 60.0


def worker_pool() -> Executor:
    return ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=exit_with_parent
    )


def exit_with_parent() -> None:
    """In the worker: end the process when the bot process is gone. A pool worker outlives a bot killed
    with SIGKILL (the OOM killer, `kill -9`, a container runtime's timeout) otherwise: it holds both ends of
    its own task queue, so it never sees the queue close, and stays — 86 MB — for good, one per crash."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_wait_then_exit, args=(parent,), name="exit-with-parent", daemon=True).start()


def _wait_then_exit(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent's sentinel closes: it exited, however it ended
    os._exit(0)


class ChartProcess:
    def __init__(self, idle: float = IDLE, start: Callable[[], Executor] = worker_pool) -> None:
        self.idle = idle
        self._start = start
        self._pool: Executor | None = None
        self._drawing = 0
        self._stop_timer: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        return self._pool is not None

    async def png(self, card: RecapCard, dpi: int = 100) -> bytes:
        """The card's chart as PNG bytes, drawn in the worker process (started if it is not running)."""
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None
        if self._pool is None:
            self._pool = self._start()
        pool = self._pool
        loop = asyncio.get_running_loop()
        self._drawing += 1
        try:
            return await loop.run_in_executor(pool, recap_png, card, dpi)
        except BrokenProcessPool:
            if self._pool is pool:  # not a newer one another chart started since this one broke
                log.warning("the chart process died; the next chart starts a new one")
                self._pool = None
                pool.shutdown(wait=False)
            raise
        finally:
            self._drawing -= 1
            if self._drawing == 0 and self._pool is not None:
                self._stop_timer = loop.call_later(self.idle, self._stop)

    async def png_or_none(self, card: RecapCard, dpi: int = 100) -> bytes | None:
        """The chart, or None when it could not be drawn: the recap then goes out without it."""
        try:
            return await self.png(card, dpi)
        except Exception:
            log.warning("could not draw the recap chart; posting the recap without it", exc_info=True)
            return None

    def _stop(self) -> None:
        """Idle: no chart is being drawn (the timer is cancelled when one starts)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    async def close(self) -> None:
        """Stop the worker process (at the bot's stop); a later chart starts a new one."""
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True)


#: The process's one chart drawer, shared by the adapters; closed by the application when it stops.
CHARTS = ChartProcess()
