"""docs/commands.md's table, derived from the command table (tests/core/test_command_table.py keeps the file
in step; `make docs` rewrites it)."""

from __future__ import annotations

from bot.core.command_spec import CommandSpec
from bot.core.commands import TABLE

START = "<!-- commands:start (generated from bot/core/commands.py by `make docs`) -->"
END = "<!-- commands:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _options(spec: CommandSpec) -> str:
    parts = []
    for option in spec.options:
        allowed = f" ({', '.join(option.allowed)})" if option.allowed else ""
        parts.append(f"`{option.name}`{allowed}: {option.help}")
    return "<br>".join(_cell(p) for p in parts) or "—"


def markdown_table(prefix: str = "/responsibility") -> str:
    """One row per command: usage, who may run it, what it does, its options."""
    rows = [
        "| Command | Who | What it does | Options |",
        "|---|---|---|---|",
    ]
    for spec in TABLE:
        aliases = f" (also `{'`, `'.join(spec.aliases)}`)" if spec.aliases else ""
        rows.append(
            f"| `{_cell(f'{prefix} {spec.usage()}')}`{aliases} | {'admins' if spec.admin else 'everyone'} "
            f"| {_cell(spec.summary)} | {_options(spec)} |"
        )
    return "\n".join([START, *rows, END])


def replace_table(document: str, prefix: str = "/responsibility") -> str:
    """The document with its generated block replaced (appended when it has none)."""
    block = markdown_table(prefix)
    if START in document and END in document:
        head, _, rest = document.partition(START)
        _, _, tail = rest.partition(END)
        return head + block + tail
    return document.rstrip("\n") + "\n\n" + block + "\n"
