"""Rank reads of one board that are asked for together go to the database as one query.

Right after a reveal every cached rank of the team is stale, and the fifty people who type `leaderboard`
then each need their own rank: fifty reads, each a hop to the database (for SQLite, to its one thread), queued
one behind another while the event loop is busiest. Here the first request for a board starts a reader
task; before reading, the task yields to the event loop once, so every request made in that loop iteration
joins it, and requests made while a read is under way wait for the next one. Under load a read carries all
that came in during the previous one; a lone request is read at once. No timer, as in answer_batcher.py.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from bot.core.model import ScoreRow
from bot.core.ports.storage.scores import ScoreStore

#: People in one query at most (well under the drivers' parameter limits); more wait for the next.
LIMIT = 500

Board = tuple[int, str]  # (team id, period key)
STOPPED = "stopped before the rank was read"
Rank = tuple[int, ScoreRow]


class RankReads:
    def __init__(self, store: ScoreStore, limit: int = LIMIT) -> None:
        self.store = store
        self.limit = limit
        self.queries = 0  # reads made so far (for tests)
        self._waiting: dict[Board, dict[str, list[asyncio.Future[Rank | None]]]] = {}
        self._readers: dict[Board, asyncio.Task[None]] = {}

    async def rank_of(self, team_id: int, period: str, user_id: str) -> Rank | None:
        """The person's rank and row on the board, or None if they have no score in the period."""
        board = (team_id, period)
        found: asyncio.Future[Rank | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(board, {}).setdefault(user_id, []).append(found)
        reader = self._readers.get(board)
        if reader is None or reader.done():
            reader = self._readers[board] = asyncio.create_task(self._read(board))
            reader.add_done_callback(functools.partial(self._reader_ended, board))
        return await found

    async def _read(self, board: Board) -> None:
        try:
            while self._waiting.get(board):
                await asyncio.sleep(0)  # one yield: requests made in this loop iteration join the read
                waiting = self._waiting.pop(board)
                people = list(waiting)
                if len(people) > self.limit:  # the rest go in the next read
                    self._waiting[board] = {p: waiting.pop(p) for p in people[self.limit :]}
                    people = people[: self.limit]
                await self._answer(board, people, waiting)
        finally:
            self._reader_ended(board, asyncio.current_task())

    def _reader_ended(self, board: Board, reader: asyncio.Future[Any] | None) -> None:
        """At the end of a reader's run, and as its done-callback: a reader cancelled before it ever ran never
        reached its `finally`, and its callers must not wait forever (nor the board's later ones)."""
        if reader is not None and self._readers.get(board) is reader:
            del self._readers[board]
            _fail(self._waiting.pop(board, {}), RuntimeError(STOPPED))  # only if the reader was cancelled

    async def _answer(
        self, board: Board, people: list[str], waiting: dict[str, list[asyncio.Future[Rank | None]]]
    ) -> None:
        try:
            ranks = await self.store.ranks_of(board[0], board[1], people)
        except Exception as exc:
            _fail(waiting, exc)
            return
        except BaseException:
            _fail(waiting, RuntimeError(STOPPED))
            raise
        self.queries += 1
        for person, futures in waiting.items():
            for found in futures:
                if not found.done():  # a caller that gave up (cancelled)
                    found.set_result(ranks.get(person))


def _fail(waiting: dict[str, list[asyncio.Future[Rank | None]]], error: Exception) -> None:
    """Every caller still waiting in `waiting` gets `error`."""
    for futures in waiting.values():
        for found in futures:
            if not found.done():
                found.set_exception(error)
