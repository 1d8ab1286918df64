"""Admission before the ack, so a burst of commands is answered in arrival order instead of all at once.

bolt acks first and runs the listener afterwards, so under a burst every request is acknowledged at once and
hundreds of listeners then share the event loop: each waits for all the others, and every reply arrives late.
Here a request waits (at most `patience` seconds, well inside Slack's 3-second deadline) until fewer than
`limit` listeners are at work before it is dispatched; past that it is dispatched anyway. The work done is
the same; the replies come in order, and early ones come early.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

#: Listeners at work at once: enough to overlap their waits (Web API, database), few enough to finish in order.
LIMIT = 16
#: Longest a request waits for room before it is dispatched anyway (Slack drops an ack after 3 s).
PATIENCE = 1.0


class ListenerGate:
    def __init__(self, limit: int = LIMIT, patience: float = PATIENCE) -> None:
        self.limit = limit
        self.patience = patience
        self.busy = 0  # listeners inside `working()`
        self.admitted = 0  # requests admitted and being dispatched (their listener not yet counted)
        self._room = asyncio.Condition()

    def _has_room(self) -> bool:
        return self.busy + self.admitted < self.limit

    @asynccontextmanager
    async def admitted_request(self) -> AsyncIterator[None]:
        """Around the dispatch of one request: waits for room first (up to `patience`)."""
        if not self._has_room():
            async with self._room:
                try:
                    await asyncio.wait_for(self._room.wait_for(self._has_room), self.patience)
                except TimeoutError:
                    pass  # dispatched anyway: a late reply beats a missed ack
        self.admitted += 1
        try:
            yield
        finally:
            self.admitted -= 1
            await self._wake()

    @asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Around a listener's whole body (its ack included, so it counts before the dispatch returns)."""
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1
            await self._wake()

    async def _wake(self) -> None:
        if self._has_room():
            async with self._room:
                self._room.notify(1)
