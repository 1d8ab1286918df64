"""One query API over SQLite and PostgreSQL: queries are written once with `$1` placeholders.

SQLite gets them rewritten to its numbered `?1` form; asyncpg takes them as they are. Times are stored as
integer epoch milliseconds and dates as ISO text, so the same statements and values work on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

Row = Mapping[str, Any]

_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=512)
def to_sqlite_params(query: str) -> str:
    """`$1` → `?1`: SQLite's numbered parameters keep the order-independence of PostgreSQL's."""
    return _PLACEHOLDER.sub(r"?\1", query)


def ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("naive datetime reached storage")
    return int(when.timestamp() * 1000)


def ms_or_none(when: datetime | None) -> int | None:
    return None if when is None else ms(when)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def from_ms_or_none(value: int | None) -> datetime | None:
    return None if value is None else from_ms(value)


class Database(Protocol):
    """A connection (or a pool) that runs parameterised SQL. Values are always passed as parameters."""

    engine: str

    async def execute(self, query: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        ...

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, query: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, query: str, *args: Any) -> Row | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        """A connection-bound Database whose statements commit together or not at all."""
        ...

    async def run_script(self, script: str) -> None:
        """Run a migration file's statements (inside the caller's transaction)."""
        ...

    async def close(self) -> None: ...
