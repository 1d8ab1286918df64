"""One schema source for both engines: each migration is written once, with a few type placeholders.

`storage/migrations/NNNN_name.sql` may say `{serial_pk}` (an auto-numbered primary key) and `{id_type}` (a
column holding such an id); the dialect table below fills them per engine. Those are the only places the two
engines' schemas differ — times are BIGINT epoch milliseconds and flags INTEGER on both — so a new
placeholder is needed only for a new kind of difference. An unknown placeholder is an error, not a blank.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping

#: Per engine, what each placeholder becomes. SQLite's ids stay INTEGER so the key is the rowid.
DIALECTS: Mapping[str, Mapping[str, str]] = {
    "sqlite": {"serial_pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "id_type": "INTEGER"},
    "postgres": {"serial_pk": "BIGSERIAL PRIMARY KEY", "id_type": "BIGINT"},
}

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def render(template: str, engine: str, *, name: str = "migration") -> str:
    """The template's SQL for one engine; raises naming the file for an unknown engine or placeholder."""
    if engine not in DIALECTS:
        raise ValueError(f"no SQL dialect for engine {engine!r}; known: {', '.join(sorted(DIALECTS))}")
    types = DIALECTS[engine]

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in types:
            raise ValueError(f"{name}: unknown placeholder {{{key}}}; known: {', '.join(sorted(types))}")
        return types[key]

    return _PLACEHOLDER.sub(fill, template)


def split_statements(script: str) -> list[str]:
    """A script's statements, cut where SQLite's own tokenizer says one is complete.

    `sqlite3.complete_statement` knows comments, quoted text and triggers' inner semicolons, so none of them
    end a statement early. Text after the last complete statement must be only comments or blank.
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if _has_code(pending):
        raise ValueError(f"the script ends inside a statement (missing ';'?): {pending.strip()[:60]!r}")
    return statements


def _has_code(text: str) -> bool:
    """Whether text holds anything but blank lines and `--` comments."""
    return any(ln.strip() and not ln.strip().startswith("--") for ln in text.splitlines())
