"""The SQLite Database: one aiosqlite connection, WAL, foreign keys, busy timeout.

A single connection is shared by every task, so each statement and each whole transaction holds a lock:
a transaction's statements must never interleave with another task's.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.db import Database, Row, to_sqlite_params
from storage.schema import split_statements


class _Statements:
    """Runs statements on the connection with no locking: the caller holds the lock."""

    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, query: str, *args: Any) -> int:
        # One hop to the database thread per statement: the cursor is left to the garbage collector rather
        # than closed with a second hop (this is the hot path for every answer).
        cursor = await self._conn.execute(to_sqlite_params(query), args)
        return int(cursor.rowcount)

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(to_sqlite_params(query), args)

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        # One hop to the database thread (execute, fetch and close together), not three.
        rows = await self._conn.execute_fetchall(to_sqlite_params(query), args)
        return [dict(row) for row in rows]

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        rows = await self.fetch(query, *args)
        return rows[0] if rows else None

    async def fetchval(self, query: str, *args: Any) -> Any:
        row = await self.fetchrow(query, *args)
        return None if row is None else next(iter(row.values()))

    def transaction(self) -> Any:
        raise RuntimeError("nested transactions are not supported")

    async def run_script(self, script: str) -> None:
        for statement in split_statements(script):
            await self._conn.execute(statement)

    async def close(self) -> None:
        raise RuntimeError("close the database, not a transaction")


class SqliteDatabase:
    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._raw = _Statements(conn)

    @classmethod
    async def open(cls, path: str) -> SqliteDatabase:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # aiosqlite, when its connect fails, stops its thread without waiting for it; a command that
            # then ends leaves that thread reporting to a closed event loop. Open it once here first, so a
            # path that cannot be opened fails in plain sqlite3.
            await asyncio.to_thread(_probe, path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
        except BaseException:
            # The connection's worker thread is not a daemon: left open, it would keep the process alive
            # after the error was printed (a file that is not a database, a read-only folder).
            await conn.close()
            raise
        return cls(conn)

    async def execute(self, query: str, *args: Any) -> int:
        async with self._lock:
            return await self._raw.execute(query, *args)

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        async with self._lock:
            await self._raw.executemany(query, args)

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        async with self._lock:
            return await self._raw.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        async with self._lock:
            return await self._raw.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self._lock:
            return await self._raw.fetchval(query, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._raw
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def run_script(self, script: str) -> None:
        async with self._lock:
            await self._raw.run_script(script)

    async def close(self) -> None:
        """Idempotent: closing twice (a failed start, then the shutdown path) is harmless."""
        await self._conn.close()


def _probe(path: str) -> None:
    sqlite3.connect(path).close()
