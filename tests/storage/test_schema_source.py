"""One schema source: the migrations written once render, for each engine, exactly the schema the old
per-engine files (kept in tests/storage/legacy_migrations as they were at schema version 3) created — and a
database those files made upgrades with only the new steps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from storage.migrate import migrations_for, upgrade
from storage.schema import DIALECTS, render, split_statements
from storage.sqlite_db import SqliteDatabase
from tests.conftest import PG_URL, fresh_pg_schema

LEGACY = Path(__file__).parent / "legacy_migrations"
LEGACY_VERSION = 3


def legacy_files(engine: str) -> list[Path]:
    return sorted((LEGACY / engine).glob("*.sql"))


def legacy_split(script: str) -> list[str]:
    """The hand-written splitter the old SQLite code used, kept to rebuild a database exactly as it did."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip().rstrip(";") for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]


@pytest.mark.parametrize("engine", sorted(DIALECTS))
def test_rendered_migrations_are_the_old_files_text_for_text(engine: str) -> None:
    files = legacy_files(engine)
    assert len(files) == LEGACY_VERSION
    rendered = migrations_for(engine)
    for old, new in zip(files, rendered, strict=False):
        assert new.name == old.name
        assert new.sql == old.read_text(encoding="utf-8"), old.name
    assert [m.version for m in rendered[LEGACY_VERSION:]] == list(range(4, len(rendered) + 1))


def test_render_refuses_what_it_does_not_know() -> None:
    assert render("id {serial_pk}, team {id_type}", "postgres") == "id BIGSERIAL PRIMARY KEY, team BIGINT"
    with pytest.raises(ValueError, match=r"0009_x.sql: unknown placeholder \{serial\}"):
        render("id {serial}", "sqlite", name="0009_x.sql")
    with pytest.raises(ValueError, match="no SQL dialect for engine 'mysql'"):
        render("SELECT 1", "mysql")


def test_statements_end_where_sqlite_says_they_do() -> None:
    script = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE a (x TEXT DEFAULT 'one;\ntwo');\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 'y';\n  DELETE FROM a;\nEND;\n"
        "/* block; comment */ CREATE INDEX a_x ON a (x); -- trailing\n"
        "-- the end\n"
    )
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[0].endswith("CREATE TABLE a (x TEXT DEFAULT 'one;\ntwo');")
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(ValueError, match="ends inside a statement"):
        split_statements("CREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT)\n")
    # Every shipped migration splits into the statements the old splitter found.
    for step in migrations_for("sqlite"):
        assert len(split_statements(step.sql)) == len(legacy_split(step.sql)), step.name


# Whole schemas, compared on both engines ---------------------------------------------------------------
async def _sqlite_schema(db: Database) -> dict[str, Any]:
    master = await db.fetch(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    out: dict[str, Any] = {"master": [tuple(r.values()) for r in master]}
    for table in [r["name"] for r in master if r["type"] == "table"]:
        columns = await db.fetch(
            'SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info($1)', table
        )
        indexes = await db.fetch('SELECT name, "unique", origin, partial FROM pragma_index_list($1)', table)
        keys = await db.fetch(
            'SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list($1)', table
        )
        index_rows = []
        for index in indexes:
            parts = await _sqlite_index_columns(db, index["name"])
            index_rows.append((tuple(index.values()), tuple(tuple(c.values()) for c in parts)))
        out[table] = {
            "columns": [tuple(r.values()) for r in columns],
            "indexes": sorted(index_rows),
            "foreign_keys": sorted(tuple(k.values()) for k in keys),
        }
    return out


async def _sqlite_index_columns(db: Database, index: str) -> list[Any]:
    return await db.fetch(
        'SELECT seqno, name, "desc", coll, key FROM pragma_index_xinfo($1) ORDER BY seqno', index
    )


async def _postgres_schema(db: Database) -> dict[str, Any]:
    schema = str(await db.fetchval("SELECT current_schema()"))
    queries = {
        "columns": "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = current_schema()",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()",
        "constraints": "SELECT conrelid::regclass::text AS tbl, conname, contype, pg_get_constraintdef(oid) AS def "
        "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
        "sequences": "SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences "
        "WHERE sequence_schema = current_schema()",
    }
    out: dict[str, Any] = {}
    for key, query in queries.items():
        rows = await db.fetch(query)
        # Each database lives in its own schema: its name is the one thing allowed to differ.
        out[key] = sorted(tuple(str(v).replace(schema, "<schema>") for v in r.values()) for r in rows)
    return out


async def schema_of(db: Database) -> dict[str, Any]:
    return await (_postgres_schema(db) if db.engine == "postgres" else _sqlite_schema(db))


async def build_the_old_way(db: Database) -> None:
    """Schema version 3 as the old code made it: the per-engine files, SQLite's split by hand."""
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    for version, path in enumerate(legacy_files(db.engine), start=1):
        script = path.read_text(encoding="utf-8")
        async with db.transaction() as tx:
            if db.engine == "postgres":
                await tx.run_script(script)
            else:
                for statement in legacy_split(script):
                    await tx.execute(statement)
            await tx.execute("INSERT INTO schema_version (version) VALUES ($1)", version)


@pytest.fixture(params=["sqlite", "postgres"])
async def two_databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Database, Database]]:
    """Two empty databases of one engine, not migrated."""
    if request.param == "sqlite":
        a, b = (
            await SqliteDatabase.open(f"{tmp_path}/old.db"),
            await SqliteDatabase.open(f"{tmp_path}/new.db"),
        )
        try:
            yield a, b
        finally:
            await a.close()
            await b.close()
        return
    from storage.postgres_db import PostgresDatabase

    async for first in fresh_pg_schema():
        async for second in fresh_pg_schema():
            a = await PostgresDatabase.open(PG_URL, schema=first)
            b = await PostgresDatabase.open(PG_URL, schema=second)
            try:
                yield a, b
            finally:
                await a.close()
                await b.close()


async def test_an_old_database_upgrades_to_exactly_the_schema_a_new_one_gets(
    two_databases: tuple[Database, Database],
) -> None:
    old, new = two_databases
    await build_the_old_way(old)
    steps = migrations_for(old.engine)
    assert await upgrade(old) == [m.name for m in steps[LEGACY_VERSION:]]  # only the new steps
    assert await upgrade(new) == [m.name for m in steps]
    old_schema, new_schema = await schema_of(old), await schema_of(new)
    assert old_schema == new_schema
    assert len(str(new_schema)) > 5000  # tables, columns, types and indexes were really read
    # …and the comparison would notice a difference: one index fewer is enough.
    await old.execute("DROP INDEX answers_user")
    assert await schema_of(old) != new_schema
