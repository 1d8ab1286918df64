"""The single scheduler loop: ask storage for due work on every tick; no per-job timers to lose."""

from __future__ import annotations

import asyncio
import logging

from bot.core.engine import Engine

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, engine: Engine, interval_seconds: float = 15.0) -> None:
        self.engine = engine
        self.interval = interval_seconds
        self._stopping = asyncio.Event()
        #: loop.time() when the loop started and when a tick last completed (for /healthz: a loop that is
        #: stuck or whose ticks keep failing stops advancing this).
        self.started: float | None = None
        self.last_tick: float | None = None

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        expected = self.started = loop.time()
        while not self._stopping.is_set():
            # Lag: how much later than planned this tick starts (an overloaded loop or a slow last tick).
            self.engine.telemetry.scheduler_lag(max(0.0, loop.time() - expected))
            try:
                report = await self.engine.tick()
                self.last_tick = loop.time()
                if report.posted or report.revealed or report.skipped or report.recovered:
                    log.info("scheduler tick: %s", report)
            except Exception:
                log.exception("scheduler tick failed; retrying on the next tick")
            expected = loop.time() + self.interval
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.interval)
            except TimeoutError:
                pass
