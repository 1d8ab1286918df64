"""Group commit of live answers: answers that arrive together are stored in one transaction.

No timer: the first answer starts a flush task; before writing, the task yields to the event loop once, so
every answer already delivered in that loop iteration joins it; answers that arrive while a write is under
way wait for the next one. So under load a write carries everything that came in during the previous write,
and a lone answer is written at once. Each caller still learns whether its own answer was the first, and only
after the transaction has committed (so a receipt is never sent for an answer that is not stored).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.core.ports.answer_batch import AnswerBatchStore, AnswerRow

log = logging.getLogger(__name__)

#: Answers in one transaction at most; more wait for the next.
LIMIT = 256


class AnswerBatcher:
    def __init__(self, store: AnswerBatchStore, limit: int = LIMIT) -> None:
        self.store = store
        self.limit = limit
        self.batches = 0  # transactions written so far (for tests and the benchmark's note)
        self._pending: list[tuple[AnswerRow, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def record(self, row: AnswerRow) -> bool:
        """Store one answer with whatever else arrives now; True if it is the person's first answer."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
            self._flusher.add_done_callback(self._flusher_ended)
        return await done

    async def _flush(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(0)  # one yield: answers delivered in this loop iteration join the batch
                batch, self._pending = self._pending[: self.limit], self._pending[self.limit :]
                await self._write(batch)
        finally:
            self._flusher_ended(asyncio.current_task())

    def _flusher_ended(self, flusher: asyncio.Future[Any] | None) -> None:
        """At the end of a flush, and as its done-callback: a flusher cancelled before it ever ran never
        reached its `finally`, and its callers must not wait forever (nor later answers)."""
        if flusher is not None and self._flusher is flusher:
            self._flusher = None
            rest, self._pending = self._pending, []  # only if the task itself was cancelled
            _fail(rest, RuntimeError("stopped before the answer was stored"))

    async def _write(self, batch: list[tuple[AnswerRow, asyncio.Future[bool]]]) -> None:
        try:
            stored = await self.store.record_answers([row for row, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch, exc)
                return
            # One bad row must not cost the others their answers: each on its own.
            log.warning(
                "storing %d answers together failed; storing them one by one", len(batch), exc_info=True
            )
            for item in batch:
                await self._write([item])
            return
        except BaseException:
            _fail(batch, RuntimeError("stopped before the answer was stored"))
            raise
        self.batches += 1
        for (_, done), first in zip(batch, stored, strict=True):
            if not done.done():  # a caller that gave up (cancelled) still has its answer stored
                done.set_result(first)


def _fail(items: list[tuple[AnswerRow, asyncio.Future[bool]]], error: Exception) -> None:
    for _, done in items:
        if not done.done():
            done.set_exception(error)
