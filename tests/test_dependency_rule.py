"""The dependency rule (DESIGN.md): bot/core never imports a platform SDK or a database driver."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"slack_bolt", "slack_sdk", "discord", "aiosqlite", "asyncpg", "aiohttp"}
CORE = Path(__file__).resolve().parents[1] / "bot" / "core"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_platform_or_database_library() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    offenders = {str(f.relative_to(CORE)): sorted(imported_roots(f) & FORBIDDEN) for f in files}
    assert {f: mods for f, mods in offenders.items() if mods} == {}


def test_the_check_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom discord.ext import commands\nimport slack_sdk.web\n")
    assert imported_roots(sample) & FORBIDDEN == {"discord", "slack_sdk"}
