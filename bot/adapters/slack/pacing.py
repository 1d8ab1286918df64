"""Posts to one channel go one at a time and at most about one per second (Slack's per-channel pace).

Serialising also makes post_card's "look in history, then post" step atomic within a process, so two
concurrent calls with the same idempotency key cannot both post.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


class ChannelPacer:
    def __init__(
        self,
        interval: float = 1.0,
        monotonic: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    def _now(self) -> float:
        return self._monotonic() if self._monotonic else asyncio.get_running_loop().time()

    @asynccontextmanager
    async def turn(self, channel_key: str) -> AsyncIterator[None]:
        """Hold the channel for one post; waits out the pace since the previous one."""
        lock = self._locks.setdefault(channel_key, asyncio.Lock())
        async with lock:
            last = self._last.get(channel_key)
            if last is not None and self.interval > 0:
                wait = last + self.interval - self._now()
                if wait > 0:
                    await self._sleep(wait)
            try:
                yield
            finally:
                self._last[channel_key] = self._now()
