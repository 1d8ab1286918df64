"""Admission before the ack, so a burst of commands is answered in arrival order instead of all at once.

bolt acks first and runs the listener afterwards, so under a burst every request is acknowledged at once and
hundreds of listeners then share the event loop: each waits for all the others, and every reply arrives late.
Here a request waits (at most `patience` seconds, well inside Slack's 3-second deadline) until fewer than
`limit` listeners are at work before it is dispatched; past that it is dispatched anyway. The work done is
the same; the replies come in order, and early ones come early.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

#: Listeners at work at once: enough to overlap their waits (Web API, database), few enough to finish in order.
#: Above the 50 people who type a command together when a reveal lands: at 32, the last 18 of them waited
#: for others' replies before their own ack, and those waits were the ack benchmark's p99 (53–76 ms, against
#: a steady 35–45 ms). The gate is for bursts beyond what a team produces, not for an ordinary one.
LIMIT = 64
#: Longest a request waits for room before it is dispatched anyway (Slack drops an ack after 3 s).
PATIENCE = 1.0


class _Admission:
    """One admitted request, counted in `ListenerGate.admitted` until its listener starts work (or the
    dispatch returns, for a request no listener took)."""

    __slots__ = ("counted",)

    def __init__(self) -> None:
        self.counted = True


#: The admission of the request being dispatched: bolt starts its listener as a task, which copies the context,
#: so `working()` finds the admission it takes over.
_ADMISSION: ContextVar[_Admission | None] = ContextVar("slack_admission", default=None)


class ListenerGate:
    """First come, first served; no task or lock per request (this runs before every ack)."""

    def __init__(self, limit: int = LIMIT, patience: float = PATIENCE) -> None:
        self.limit = limit
        self.patience = patience
        self.busy = 0  # listeners inside `working()`
        self.admitted = 0  # requests admitted and being dispatched (their listener not yet counted)
        self._waiters: deque[asyncio.Future[bool]] = deque()

    def _has_room(self) -> bool:
        return self.busy + self.admitted < self.limit

    @asynccontextmanager
    async def admitted_request(self) -> AsyncIterator[None]:
        """Around the dispatch of one request: waits for room first (up to `patience`), in arrival order."""
        while self._waiters and self._waiters[0].done():
            self._waiters.popleft()  # gave up earlier
        if self._has_room() and not self._waiters:
            self.admitted += 1
        else:
            await self._wait()
        admission = _Admission()
        reset = _ADMISSION.set(admission)
        try:
            yield
        finally:
            _ADMISSION.reset(reset)
            self._release(admission)
            self._wake()

    def _release(self, admission: _Admission) -> None:
        if admission.counted:
            admission.counted = False
            self.admitted -= 1

    async def _wait(self) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(self.patience, _give_up, waiter)
        try:
            counted = await waiter  # True: `_wake` counted us in; False: patience ran out
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.admitted -= 1
                self._wake()
            raise
        finally:
            timer.cancel()
        if not counted:
            self.admitted += 1  # dispatched anyway: a late reply beats a missed ack

    @asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Around a listener's whole body. Its request's admission becomes this work: a slash command is acked
        when its answer is ready (ack_reply.py), so the dispatch returns only then, and counting the request
        in both `admitted` and `busy` meanwhile would let half as many listeners work."""
        admission = _ADMISSION.get()
        if admission is not None:
            self._release(admission)
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1
            self._wake()

    def _wake(self) -> None:
        while self._waiters and self._has_room():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.admitted += 1
                waiter.set_result(True)


def _give_up(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)
