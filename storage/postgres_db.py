"""The PostgreSQL Database: an asyncpg pool; a transaction holds one connection for its statements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from storage.db import Database, Row

try:
    import asyncpg
except ImportError:  # pragma: no cover - exercised only without the extra
    asyncpg = None


#: Seconds to wait for the server when connecting.
CONNECT_TIMEOUT = 10.0


def _count(status: str) -> int:
    """asyncpg returns a status like 'UPDATE 3' or 'INSERT 0 1'; the last word is the row count."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Connection:
    engine = "postgres"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, query: str, *args: Any) -> int:
        return _count(await self._conn.execute(query, *args))

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(query, list(args))

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        return [dict(r) for r in await self._conn.fetch(query, *args)]

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        row = await self._conn.fetchrow(query, *args)
        return None if row is None else dict(row)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._conn.fetchval(query, *args)

    def transaction(self) -> Any:
        raise RuntimeError("nested transactions are not supported")

    async def run_script(self, script: str) -> None:
        await self._conn.execute(script)

    async def close(self) -> None:
        raise RuntimeError("close the database, not a transaction")


class PostgresDatabase:
    engine = "postgres"

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10, schema: str | None = None) -> Any:
        if asyncpg is None:
            raise RuntimeError(
                "DATABASE_URL is a postgresql:// URL but asyncpg is not installed: "
                "install the extra with `pip install 'whos-responsible[postgres]'`"
            )
        settings = {"search_path": schema} if schema else None
        # A failed create_pool closes what it opened; the timeout makes an unreachable server an error within
        # seconds rather than a minute (asyncpg's default), so every command ends promptly.
        pool = await asyncpg.create_pool(
            url, min_size=min_size, max_size=max_size, server_settings=settings, timeout=CONNECT_TIMEOUT
        )
        return cls(pool)

    async def execute(self, query: str, *args: Any) -> int:
        async with self._pool.acquire() as conn:
            return await _Connection(conn).execute(query, *args)

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        async with self._pool.acquire() as conn:
            await _Connection(conn).executemany(query, args)

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        async with self._pool.acquire() as conn:
            return await _Connection(conn).fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        async with self._pool.acquire() as conn:
            return await _Connection(conn).fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self._pool.acquire() as conn:
            return await _Connection(conn).fetchval(query, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield _Connection(conn)

    async def run_script(self, script: str) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(script)

    async def close(self) -> None:
        await self._pool.close()
