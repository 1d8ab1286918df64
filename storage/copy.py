"""`respbot db copy`: move every table from one database to another (SQLite ⇄ PostgreSQL), then prove it.

The copy is one transaction on the target: it refuses a target that already holds data, copies each table in
foreign-key order with its ids as they are, moves PostgreSQL's id sequences past the copied ids, and then
compares every table row for row before it commits — so a copy either arrives whole and verified, or the
target is left as it was. Tables are discovered from the database itself, so a table added by a later
migration is copied without touching this file.

Stop the bot before copying: rows written to the source during the copy would not be in the target.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage import open_repository, parse_database_url, redact_url
from storage.db import Database, Row
from storage.migrate import migrations_for
from storage.repository import SqlRepository
from storage.urls import SqliteTarget

log = logging.getLogger(__name__)

#: Rows read from the source (and inserted into the target) per statement.
PAGE = 1000
#: Tables a migration run manages itself, never copied.
_BOOKKEEPING = frozenset({"schema_version"})
#: Tables a bot fills on start-up with nothing else written: replaced by the source's rows, not a reason to
#: refuse. The source's installation id wins, since the copy is the same deployment moving.
_MADE_AT_START = frozenset({"installation_identity"})
_MASK = (1 << 128) - 1


class CopyError(RuntimeError):
    """The copy was refused or did not verify; the target is unchanged."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    name: str
    rows: int
    verified: bool


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: str  # URLs with any password redacted
    target: str
    schema_version: int
    tables: tuple[TableCopy, ...]
    sequences_reset: tuple[str, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def verified(self) -> bool:
        return all(t.verified for t in self.tables)

    def lines(self) -> list[str]:
        """What the CLI prints: one line per table, then the total."""
        width = max((len(t.name) for t in self.tables), default=5)
        out = [f"copied {self.source} → {self.target} (schema version {self.schema_version})"]
        out += [
            f"  {t.name:<{width}}  {t.rows:>9} rows  {'verified' if t.verified else 'MISMATCH'}"
            for t in self.tables
        ]
        out.append(
            f"  {'total':<{width}}  {self.rows:>9} rows  {'all tables verified' if self.verified else ''}"
        )
        return out


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key, for paging in a stable order
    parents: frozenset[str]  # tables its foreign keys point at


async def copy_database(source_url: str, target_url: str) -> CopyReport:
    """Copy every table from `source_url` to `target_url` (either may be sqlite:/// or postgresql://).

    Raises CopyError, naming what to do next, when the target already holds data, when the two databases
    are at different schema versions, or when a table does not verify (the target is then rolled back).
    """
    if source_url == target_url:
        raise CopyError("the source and the target are the same database; give two different URLs")
    source_target = parse_database_url(source_url)  # both checked before anything is opened
    parse_database_url(target_url)
    if isinstance(source_target, SqliteTarget) and not await asyncio.to_thread(
        Path(source_target.path).is_file
    ):
        raise CopyError(f"{redact_url(source_url)} does not exist; check the --from URL")
    source = await _open(source_url, migrate=False)
    try:
        target = await _open(target_url, migrate=True)
        try:
            return await _copy(source, target, redact_url(source_url), redact_url(target_url))
        finally:
            await target.close()
    finally:
        await source.close()


async def _open(url: str, *, migrate: bool) -> SqlRepository:
    repo = await open_repository(url, migrate=migrate)
    if not isinstance(repo, SqlRepository):  # pragma: no cover - every backend is an SqlRepository today
        await repo.close()
        raise CopyError(f"cannot copy {redact_url(url)}: not an SQL repository")
    return repo


async def _copy(
    source: SqlRepository, target: SqlRepository, source_name: str, target_name: str
) -> CopyReport:
    latest = len(migrations_for(source.engine))
    version = await _schema_version(source.db)
    if version == 0:
        raise CopyError(f"{source_name} holds no bot data (no schema_version table); check the --from URL")
    if version != latest:
        raise CopyError(
            f"{source_name} is at schema version {version} but this release writes version {latest}: "
            "upgrade the source first with `respbot db upgrade` (DATABASE_URL set to the source), then copy"
        )
    tables = _in_dependency_order(await _tables(source.db))
    target_tables = {t.name: t for t in await _tables(target.db)}
    for table in tables:
        theirs = target_tables.get(table.name)
        if theirs is None or set(theirs.columns) != set(table.columns):
            raise CopyError(
                f"table {table.name} differs between {source_name} and {target_name}; "
                "both must be at the same release's schema"
            )

    copied: list[TableCopy] = []
    # The source is read in one transaction (a snapshot), the target written in one: all or nothing.
    async with source.db.transaction() as src, target.db.transaction() as tx:
        if source.engine == "postgres":
            await src.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in tables:
            if table.name in _MADE_AT_START:
                await tx.execute(f"DELETE FROM {_q(table.name)}")
            elif await tx.fetchval(f"SELECT 1 FROM {_q(table.name)} LIMIT 1") is not None:
                raise CopyError(
                    f"{target_name} is not empty (table {table.name} has rows); copy only into a new, empty "
                    "database, so nothing there is mixed with or overwritten by the copy"
                )
        for table in tables:
            rows = await _copy_table(src, tx, table)
            log.info("copied %s: %d rows", table.name, rows)
        sequences = await _reset_sequences(tx, tables) if target.engine == "postgres" else []
        for table in tables:
            ours = await _digest(src, table)
            theirs_digest = await _digest(tx, table)
            if ours != theirs_digest:
                detail = await _first_difference(src, tx, table)
                raise CopyError(
                    f"table {table.name} did not verify after copying ({ours[0]} rows in the source, "
                    f"{theirs_digest[0]} in the target; {detail}); the target was left unchanged"
                )
            copied.append(TableCopy(table.name, ours[0], True))
    return CopyReport(source_name, target_name, version, tuple(copied), tuple(sequences))


def _q(name: str) -> str:
    """A quoted identifier (names come from the database's own catalogue, never from a user)."""
    return '"' + name.replace('"', '""') + '"'


async def _schema_version(db: Database) -> int:
    """The source's schema version, read without creating anything in it (0: not a bot database)."""
    if db.engine == "postgres":
        present = await db.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    else:
        present = await db.fetchval(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
    if not present:
        return 0
    return int(await db.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))


# Discovering tables ---------------------------------------------------------------------------------------
async def _tables(db: Database) -> list[_Table]:
    if db.engine == "postgres":
        return await _postgres_tables(db)
    return await _sqlite_tables(db)


async def _sqlite_tables(db: Database) -> list[_Table]:
    names = await db.fetch(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    out = []
    for row in names:
        name = str(row["name"])
        if name in _BOOKKEEPING:
            continue
        info = await db.fetch("SELECT name, pk FROM pragma_table_info($1) ORDER BY cid", name)
        parents = await db.fetch('SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list($1)', name)
        columns = tuple(str(r["name"]) for r in info)
        key = tuple(str(r["name"]) for r in sorted((r for r in info if r["pk"]), key=lambda r: int(r["pk"])))
        out.append(_Table(name, columns, key or columns, frozenset(str(p["parent"]) for p in parents)))
    return out


async def _postgres_tables(db: Database) -> list[_Table]:
    names = await db.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    out = []
    for row in names:
        name = str(row["table_name"])
        if name in _BOOKKEEPING:
            continue
        columns = await db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 ORDER BY ordinal_position",
            name,
        )
        key = await db.fetch(
            "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "ON true JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass "
            "AND i.indisprimary ORDER BY k.n",
            name,
        )
        parents = await db.fetch(
            "SELECT DISTINCT p.relname FROM pg_constraint c JOIN pg_class p ON p.oid = c.confrelid "
            "WHERE c.contype = 'f' AND c.conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass",
            name,
        )
        cols = tuple(str(r["column_name"]) for r in columns)
        keys = tuple(str(r["attname"]) for r in key)
        out.append(_Table(name, cols, keys or cols, frozenset(str(p["relname"]) for p in parents)))
    return out


def _in_dependency_order(tables: Sequence[_Table]) -> list[_Table]:
    """Parents before children (a table referencing itself is fine: its rows go in id order)."""
    by_name = {t.name: t for t in tables}
    ordered: list[_Table] = []
    placed: set[str] = set()
    remaining = sorted(by_name)
    while remaining:
        ready = [n for n in remaining if (by_name[n].parents & by_name.keys()) - {n} <= placed]
        if not ready:
            raise CopyError(f"foreign keys form a cycle among {', '.join(remaining)}; cannot order the copy")
        for name in ready:
            ordered.append(by_name[name])
            placed.add(name)
        remaining = [n for n in remaining if n not in placed]
    return ordered


# Copying --------------------------------------------------------------------------------------------------
async def _pages(db: Database, table: _Table) -> AsyncIterator[list[Row]]:
    """Every row of a table, PAGE rows at a time, in primary-key order (keyset paging, no OFFSET)."""
    cols = ", ".join(_q(c) for c in table.columns)
    order = ", ".join(_q(c) for c in table.key)
    page = await db.fetch(f"SELECT {cols} FROM {_q(table.name)} ORDER BY {order} LIMIT $1", PAGE)
    while page:
        yield page
        if len(page) < PAGE:
            return
        last = page[-1]
        marks = ", ".join(f"${i + 2}" for i in range(len(table.key)))
        page = await db.fetch(
            f"SELECT {cols} FROM {_q(table.name)} WHERE ({order}) > ({marks}) ORDER BY {order} LIMIT $1",
            PAGE,
            *(last[k] for k in table.key),
        )


async def _copy_table(source: Database, target: Database, table: _Table) -> int:
    cols = ", ".join(_q(c) for c in table.columns)
    marks = ", ".join(f"${i + 1}" for i in range(len(table.columns)))
    insert = f"INSERT INTO {_q(table.name)} ({cols}) VALUES ({marks})"
    count = 0
    async for page in _pages(source, table):
        await target.executemany(insert, [tuple(row[c] for c in table.columns) for row in page])
        count += len(page)
    return count


async def _reset_sequences(tx: Database, tables: Sequence[_Table]) -> list[str]:
    """Move each id sequence past the copied ids, so the next row the bot writes gets a fresh id."""
    reset = []
    for table in tables:
        for column in table.columns:
            sequence = await tx.fetchval("SELECT pg_get_serial_sequence($1, $2)", _q(table.name), column)
            if sequence is None:
                continue
            await tx.fetchval(
                f"SELECT setval(CAST($1 AS TEXT)::regclass, "
                f"COALESCE((SELECT MAX({_q(column)}) FROM {_q(table.name)}), 0) + 1, false)",
                sequence,
            )
            reset.append(str(sequence))
    return reset


# Verifying ------------------------------------------------------------------------------------------------
def _canonical(row: Any, columns: Sequence[str]) -> str:
    """One row as text both engines agree on (booleans and ints as ints, text as text, NULL as None)."""
    values = []
    for c in columns:
        v = row[c]
        values.append(int(v) if isinstance(v, bool) else v)
    return repr(tuple(values))


def _row_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


async def _digest(db: Database, table: _Table) -> tuple[int, int]:
    """(row count, sum of per-row hashes): equal for two tables exactly when they hold the same rows, in any
    order — text sorts differently in SQLite and in a PostgreSQL collation, so streams are not compared."""
    count = total = 0
    async for page in _pages(db, table):
        for row in page:
            total = (total + _row_hash(_canonical(row, table.columns))) & _MASK
        count += len(page)
    return count, total


async def _first_difference(source: Database, target: Database, table: _Table) -> str:
    """For the error message only: which rows differ (loads the table, so used only after a mismatch)."""

    async def bag(db: Database) -> Counter[str]:
        found: Counter[str] = Counter()
        async for page in _pages(db, table):
            found.update(_canonical(row, table.columns) for row in page)
        return found

    ours, theirs = await bag(source), await bag(target)
    missing = sorted((ours - theirs).elements())[:3]
    extra = sorted((theirs - ours).elements())[:3]
    return f"missing in target {missing}, unexpected in target {extra}"
