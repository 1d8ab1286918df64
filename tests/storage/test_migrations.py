"""Numbered migrations: applied once, in order, and a database newer than the code is refused."""

from __future__ import annotations

import pytest

from bot.core.ports import Repository
from storage.migrate import DatabaseTooNewError, migrations_for, upgrade


def test_each_engine_has_the_same_numbered_steps() -> None:
    sqlite = [m.name for m in migrations_for("sqlite")]
    postgres = [m.name for m in migrations_for("postgres")]
    assert sqlite == postgres and sqlite[0].startswith("0001_")


async def test_upgrade_is_idempotent_and_refuses_newer_databases(repo: Repository) -> None:
    db = repo.db  # type: ignore[attr-defined]
    assert await upgrade(db) == []  # the fixture already migrated
    latest = len(migrations_for(db.engine))
    assert await db.fetchval("SELECT MAX(version) FROM schema_version") == latest
    await db.execute("INSERT INTO schema_version (version) VALUES ($1)", latest + 1)
    with pytest.raises(DatabaseTooNewError, match="newer|knows only"):
        await upgrade(db)
