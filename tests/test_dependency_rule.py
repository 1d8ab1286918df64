"""The dependency rule (docs/architecture.md): bot/core never imports a platform SDK, a database driver,
`storage` or an adapter; storage implements the core's ports, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {
    "slack_bolt",
    "slack_sdk",
    "discord",
    "aiosqlite",
    "asyncpg",
    "aiohttp",
    "storage",
    "microsoft_agents",
}
#: Modules of this project outside the core that the core must not reach into.
FORBIDDEN_MODULES = (
    "bot.adapters",
    "bot.dashboard",
    "bot.app",
    "bot.faults",
    "bot.http_server",
    "bot.config",
    "bot.metrics",
)
CORE = Path(__file__).resolve().parents[1] / "bot" / "core"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for module in imported_modules(path)}


def reaches_outside_core(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in FORBIDDEN_MODULES)


def test_core_imports_no_platform_or_database_library() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    offenders = {str(f.relative_to(CORE)): sorted(imported_roots(f) & FORBIDDEN) for f in files}
    assert {f: mods for f, mods in offenders.items() if mods} == {}


def test_core_imports_no_adapter_or_composition_module() -> None:
    offenders = {
        str(f.relative_to(CORE)): sorted(m for m in imported_modules(f) if reaches_outside_core(m))
        for f in sorted(CORE.rglob("*.py"))
    }
    assert {f: mods for f, mods in offenders.items() if mods} == {}


def test_storage_ports_live_in_the_core() -> None:
    storage = CORE.parents[1] / "storage"
    assert not (storage / "protocol.py").exists()
    assert (CORE / "ports" / "storage.py").exists() or (CORE / "ports" / "storage").is_dir()


def test_the_check_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text(
        "import os\nfrom discord.ext import commands\nimport slack_sdk.web\nfrom storage.db import Database\n"
        "from bot.adapters.slack import blocks\nfrom bot.core.model import Team\n"
    )
    assert imported_roots(sample) & FORBIDDEN == {"discord", "slack_sdk", "storage"}
    assert sorted(m for m in imported_modules(sample) if reaches_outside_core(m)) == ["bot.adapters.slack"]
