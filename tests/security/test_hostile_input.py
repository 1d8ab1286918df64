"""Hostile input: random, oversized, unicode-heavy, injection-shaped and truncated input never raises,
always gets a clear message, and a rejected input changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import commands as c
from bot.core.engine import SORRY
from bot.core.messages import TextReply
from content.loader import ContentError, load_lesson, load_matrix, load_scenario_file
from storage.sqlite import SqliteRepository
from tests.fakes.harness import Harness

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
WORDS = ["setup", "time", "tz", "days", "window", "until", "mode", "receipts", "leaderboard", "stats", "lookup",
         "flag", "flags", "clear", "export", "forget-me", "confirm", "help", "quiz", "learn", "pause", "post-now",
         "09:30", "25:99", "Europe/Berlin", "Mars/Base", "mon-fri", "sun-mon", "4h", "0m", "buttons", "week",
         "teams", "<@U123>", "<@!99>", "@x", "'; DROP TABLE teams; --", "\"", "'", "\\", "\u202e", "🤝", "\x00",
         "%s", "{0}", "$1", "ec2", "rds", "a" * 300]  # fmt: skip
command_text = st.one_of(
    st.text(max_size=600),
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=20)), max_size=8).map(" ".join),
)


@given(command_text)
def test_grammar_accepts_or_explains(text: str) -> None:
    try:
        spec, cmd = c.parse_with_spec(text)
    except c.UsageError as exc:
        assert str(exc) and len(str(exc)) < 400  # a short message that says what was wrong
    else:
        assert spec.name in c.NAMES and isinstance(cmd, c.Command)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with a team already set up, so commands reach their real code paths."""
    path = str(tmp_path_factory.mktemp("hostile") / "h.db")

    async def init() -> None:
        repo = await SqliteRepository.open(path)
        try:
            await Harness.build(repo, NOW).command("setup time 09:30 tz UTC")
        finally:
            await repo.close()

    asyncio.run(init())
    return path


async def _table_counts(h: Harness) -> dict[str, int]:
    db = h.repo.db  # type: ignore[attr-defined]
    tables = [r["name"] for r in await db.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: int(await db.fetchval(f'SELECT COUNT(*) FROM "{t}"')) for t in tables}


@given(text=command_text, admin=st.booleans())
def test_commands_never_raise_and_rejections_change_nothing(db_path: str, text: str, admin: bool) -> None:
    try:
        c.parse(text)
        rejected = False
    except c.UsageError:
        rejected = True

    async def check() -> None:
        repo = await SqliteRepository.open(db_path)
        try:
            h = Harness.build(repo, NOW)
            before = await _table_counts(h)
            replies = await h.command(text, admin=admin)
            assert replies and SORRY not in replies, replies  # no internal error surfaced
            if rejected:
                assert isinstance(replies[0], TextReply) and replies[0].text.startswith("⚠️")
                assert await _table_counts(h) == before
        finally:
            await repo.close()

    asyncio.run(check())


yaml_text = st.one_of(
    st.text(max_size=2000),
    st.binary(max_size=500).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            "pack: x\nscenarios: [",
            "{{{",
            "- - -",
            "scenarios:\n  - id: !!python/object:os.system x",
            "pack: x\nscenarios:\n  - id: 'a'\n    prompt: " + "x" * 5000,
        ]
    ),  # fmt: skip
)


@pytest.fixture(scope="module")
def yaml_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yaml") / "pack.yaml"


@given(yaml_text)
def test_content_loader_only_ever_raises_content_error(yaml_path: Path, text: str) -> None:
    path = yaml_path
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for loader in (load_scenario_file, load_matrix, load_lesson):
        try:
            loader(path)
        except ContentError as exc:
            assert str(path) in str(exc)
