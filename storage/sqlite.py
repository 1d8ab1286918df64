"""SQLite: the embedded default for one process (`sqlite:///data/respbot.db`)."""

from __future__ import annotations

from storage.migrate import upgrade
from storage.repository import SqlRepository
from storage.sqlite_db import SqliteDatabase


class SqliteRepository(SqlRepository):
    @classmethod
    async def open(cls, path: str, *, migrate: bool = True) -> SqliteRepository:
        db = await SqliteDatabase.open(path)
        if migrate:
            try:
                await upgrade(db)
            except BaseException:
                await db.close()
                raise
        return cls(db)
