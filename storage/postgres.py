"""PostgreSQL: many processes, one database (`postgresql://…`, needs the `postgres` extra)."""

from __future__ import annotations

from storage.migrate import upgrade
from storage.postgres_db import PostgresDatabase
from storage.repository import SqlRepository


class PostgresRepository(SqlRepository):
    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, schema: str | None = None) -> PostgresRepository:
        db = await PostgresDatabase.open(url, schema=schema)
        if migrate:
            try:
                await upgrade(db)
            except BaseException:
                await db.close()
                raise
        return cls(db)
