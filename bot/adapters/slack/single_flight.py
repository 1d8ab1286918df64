"""Concurrent callers asking for the same thing share one call.

When fifty people who were not seen for a while type a command at once, each would make its own `users.info`
(and, in OAuth mode, the first requests of a workspace each their own `auth.test`) before the first answer is
cached. Here the first caller makes the call and the others wait for its answer — or its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Future[V]] = {}

    def __len__(self) -> int:
        """Calls under way."""
        return len(self._flights)

    async def run(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        """`call()`'s result, shared with every caller asking for `key` while it runs. A caller that is
        cancelled stops waiting; the call goes on for the others."""
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(call())
            self._flights[key] = flight
            flight.add_done_callback(lambda _: self._flights.pop(key, None))
        # shield: one caller's cancellation is not the call's (and an error nobody awaits is marked seen)
        return await asyncio.shield(flight)
