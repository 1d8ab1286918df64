"""Numbered SQL migrations, written once for both engines (storage.schema), one transaction per step,
tracked in `schema_version`."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

from storage.db import Database
from storage.schema import render

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseTooNewError(RuntimeError):
    """The database was written by a newer release; running older code on it could lose data."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations_for(engine: str) -> list[Migration]:
    """Every migration rendered for one engine, in order (the numbers must run 1, 2, 3… without a gap)."""
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            sql = render(entry.read_text(encoding="utf-8"), engine, name=entry.name)
            found.append(Migration(int(match.group(1)), entry.name, sql))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration numbering has a gap at {migration.name}")
    return found


async def current_version(db: Database) -> int:
    if db.engine == "postgres":
        # CREATE TABLE IF NOT EXISTS races with itself in PostgreSQL (a unique violation in pg_type):
        # instances starting together on a fresh database take turns here too.
        async with db.transaction() as tx:
            await tx.execute("SELECT pg_advisory_xact_lock(4242001)")
            await tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            value = await tx.fetchval("SELECT MAX(version) FROM schema_version")
        return int(value or 0)
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    value = await db.fetchval("SELECT MAX(version) FROM schema_version")
    return int(value or 0)


async def upgrade(db: Database) -> list[str]:
    """Apply every pending migration; return the names applied. Refuses a database newer than the code."""
    steps = migrations_for(db.engine)
    latest = steps[-1].version if steps else 0
    version = await current_version(db)
    if version > latest:
        raise DatabaseTooNewError(
            f"the database is at schema version {version} but this release knows only up to {latest}; "
            "upgrade the bot rather than running an older release on newer data"
        )
    applied = []
    for step in steps:
        if step.version <= version:
            continue
        async with db.transaction() as tx:
            if db.engine == "postgres":
                # Instances starting together take turns; the lock ends with the transaction.
                await tx.execute("SELECT pg_advisory_xact_lock(4242001)")
            # Re-check inside the transaction: another instance may have applied it meanwhile.
            done = await tx.fetchval("SELECT MAX(version) FROM schema_version")
            if int(done or 0) >= step.version:
                continue
            await tx.run_script(step.sql)
            await tx.execute("INSERT INTO schema_version (version) VALUES ($1)", step.version)
        log.info("applied migration %s", step.name)
        applied.append(step.name)
    return applied
