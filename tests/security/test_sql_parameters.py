"""Every SQL statement passes values as parameters: no statement text is built from data.

The scan finds each call to a query method (execute, executemany, fetch, fetchrow, fetchval) and checks its
SQL argument: a plain string is fine; an f-string may only interpolate the module's fixed column lists and
placeholder builders (named below); anything else built from strings (+, %, .format) fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY_METHODS = {"execute", "executemany", "fetch", "fetchrow", "fetchval"}
# Interpolations that are fixed SQL text, never data: column lists, ORDER BY, placeholder lists ($3, $4…),
# a sub-select written in the same function, and table names taken from a literal tuple.
ALLOWED_NAMES = {
    "TEAM_COLUMNS",
    "ROUND_COLUMNS",
    "RANK_ORDER",
    "RANK_SQL",
    "EARNED_COLUMNS",
    "EARNED_COLUMNS_A",
    "SUGGESTION_COLUMNS",
    "marks",
    "tenant_teams",
    "table",
}
# A statement chosen between two fixed constants (e.g. with or without FOR SHARE).
ALLOWED_NAMES |= {"statement"}
ALLOWED_CALLS = {"in_marks", "_tenant_filter"}
# The drivers pass the caller's statement through; `db copy` names tables and columns read from the
# database's own catalog, always quoted with `_q` (identifiers, never row data).
PASS_THROUGH = {"storage/sqlite_db.py": {"query", "statement"}, "storage/postgres_db.py": {"query", "script"}}
COPY_MODULE = "storage/copy.py"
COPY_NAMES = {"cols", "order", "insert", "where", "columns", "placeholders", "select", "keys", "after"}


def _allowed(expr: ast.expr, names: set[str], calls: set[str]) -> bool:
    """An interpolated piece of SQL text that is fixed by the code, not taken from data."""
    if isinstance(expr, ast.Name):
        return expr.id in names
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id in calls
    return False


def _sql_ok(node: ast.expr, names: set[str] = ALLOWED_NAMES, calls: set[str] = ALLOWED_CALLS) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(part, ast.Constant)
            or (isinstance(part, ast.FormattedValue) and _allowed(part.value, names, calls))
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _sql_ok(node.left, names, calls) and _sql_ok(node.right, names, calls)
    if isinstance(node, ast.Name):
        return node.id in names  # a fixed statement kept in a constant, or a driver's pass-through
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in calls:
        return all(_sql_ok(a, names, calls) for a in node.args)
    return False


def violations(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    names = ALLOWED_NAMES | PASS_THROUGH.get(rel, set()) | (COPY_NAMES if rel == COPY_MODULE else set())
    calls = ALLOWED_CALLS | ({"_q", "_marks"} if rel == COPY_MODULE else set())
    if rel in PASS_THROUGH:
        calls = calls | {"to_sqlite_params"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
            and node.args
            and not _sql_ok(node.args[0], names, calls)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_statement_is_built_from_data() -> None:
    files = [p for folder in ("storage", "bot", "bench") for p in (ROOT / folder).rglob("*.py")]
    assert len(files) > 20
    assert [v for f in files for v in violations(f)] == []


def test_the_scan_catches_string_built_sql(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "async def f(db, name, uid):\n"
        "    await db.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n"
        "    await db.fetch('SELECT * FROM t WHERE id = ' + uid)\n"
        "    await db.fetchval('SELECT %s' % uid)\n"
        "    await db.execute('SELECT * FROM t WHERE id = $1', uid)\n",
        encoding="utf-8",
    )
    fake_root = tmp_path
    import tests.security.test_sql_parameters as me

    old = me.ROOT
    me.ROOT = fake_root
    try:
        assert len(violations(bad)) == 3
    finally:
        me.ROOT = old
