"""`respbot db copy`: a SQLite database with real history moves to PostgreSQL (and back) table for table."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import storage.copy as copy_module
from bot.core.events import MemberJoined
from bot.core.messages import TextReply
from content.schema import Party
from storage import open_repository
from storage.copy import CopyError, copy_database
from storage.db import Database
from storage.repository import SqlRepository
from tests.conftest import PG_URL, fresh_pg_schema
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
#: The core receives answers as Party values: mapping reactions is the adapters' job.
TOKEN = {party: party for party in Party}
WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}
#: The tables this history fills (later migrations may add more; the copy finds them itself).
CORE_TABLES = {
    "teams",
    "rounds",
    "answers",
    "member_scores",
    "member_streaks",
    "member_topics",
    "team_topics",
    "team_periods",
    "course_progress",
    "practice",
    "flags",
    "audit_log",
    "installations",
}


def _pg_url_for(schema: str) -> str:
    """The test database with its own schema: asyncpg passes URL parameters on as server settings."""
    return PG_URL + ("&" if "?" in PG_URL else "?") + f"search_path={schema}"


async def fresh_pg_url() -> AsyncIterator[str]:
    """A URL naming a fresh, empty PostgreSQL schema (dropped afterwards)."""
    async for schema in fresh_pg_schema():
        yield _pg_url_for(schema)


@pytest.fixture(params=["sqlite", "postgres"])
async def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty target on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/target.db"
    else:
        async for url in fresh_pg_url():
            yield url


async def opened(url: str) -> SqlRepository:
    repo = await open_repository(url)
    assert isinstance(repo, SqlRepository)
    return repo


async def a_week_of_history(url: str) -> None:
    """A team's week on SQLite: rounds, answers (one reconciled), streaks, boards, a course, practice,
    flags, an installation and the audit log — something in every table."""
    repo = await opened(url)
    try:
        h = Harness.build(repo, MONDAY)
        (reply,) = await h.command("setup time 09:30 tz Europe/Berlin window 4h")
        assert isinstance(reply, TextReply) and reply.text.startswith("✅")
        await h.command("setup time 10:00 tz UTC days mon,wed,fri window 2h", channel=h.channel("C2"))
        for day in range(5):
            start = MONDAY + timedelta(days=day)
            await h.run_until(start.replace(hour=10, minute=15), step=timedelta(minutes=15))
            for post, card in h.scenario_posts():
                if card.closes_at <= h.clock.now() or card.closes_at.date() != start.date():
                    continue
                answer = h.engine.content.scenarios[card.scenario_id].answer
                await h.answer(post, "ann", TOKEN[answer])
                await h.answer(post, "bob", TOKEN[WRONG[answer] if day % 2 else answer])
                if day == 3:  # reacted while the bot was not listening: counted at reveal
                    from bot.core.ports import CollectedAnswer

                    h.adapter.reactions[post.message_id] = [CollectedAnswer(h.user("cy"), TOKEN[answer])]
            await h.run_until(start.replace(hour=16), step=timedelta(minutes=30))
        await h.engine.handle(MemberJoined(h.user("newbie"), None, h.clock.now(), "Europe/Berlin"))
        await h.command("learn", uid="dee", admin=False)
        await h.command("quiz", uid="bob", admin=False)
        await h.press("bob", "quiz", "s-001:aws")
        await h.command("flag s-002 the explanation contradicts the AWS page", uid="ann", admin=False)
        await repo.save_installation(h.user("x").tenant, '{"bot_token": "xoxb-test"}', h.clock.now())
    finally:
        await repo.close()


async def table_rows(db: Database, engine: str) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    """Every table's rows as sorted tuples of (column, value): a comparison independent of copy.py."""
    if engine == "postgres":
        names = [
            r["table_name"]
            for r in await db.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        ]
    else:
        names = [
            r["name"]
            for r in await db.fetch(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
    out = {}
    for name in names:
        rows = await db.fetch(f'SELECT * FROM "{name}"')
        out[name] = sorted(tuple(sorted(row.items())) for row in rows)
    return out


async def snapshot(url: str) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    repo = await opened(url)
    try:
        return await table_rows(repo.db, repo.engine)
    finally:
        await repo.close()


async def test_copy_moves_every_table_and_back(
    tmp_path: Path, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(copy_module, "PAGE", 7)  # many pages per table: the keyset paging is exercised
    source = f"sqlite:///{tmp_path}/source.db"
    await a_week_of_history(source)
    before = await snapshot(source)
    tables = set(before) - {"schema_version"}  # whatever the migrations made, not a list kept here
    assert tables >= CORE_TABLES
    assert all(before[t] for t in CORE_TABLES), [t for t in CORE_TABLES if not before[t]]

    report = await copy_database(source, target_url)
    assert report.verified and {t.name for t in report.tables} == tables
    assert {t.name: t.rows for t in report.tables} == {t: len(before[t]) for t in tables}
    order = [t.name for t in report.tables]
    assert order.index("teams") < order.index("rounds") < order.index("answers")
    assert await snapshot(source) == before  # the source is only read
    copied = await snapshot(target_url)
    for table in tables:
        assert copied[table] == before[table], table
    assert copied["schema_version"] == before["schema_version"]
    if target_url.startswith("postgresql"):
        assert {s.rsplit(".", 1)[-1] for s in report.sequences_reset} == {
            "teams_id_seq",
            "rounds_id_seq",
            "audit_log_id_seq",
            "suggestions_id_seq",
        }

    # The bot carries on from the copy: new rows get fresh ids, no collision with the copied ones.
    repo = await opened(target_url)
    try:
        top = {t: max(int(dict(r)["id"]) for r in before[t]) for t in ("teams", "rounds", "audit_log")}
        h = Harness.build(repo, MONDAY + timedelta(days=7))
        (reply,) = await h.command("setup time 11:00 tz UTC window 1h", channel=h.channel("C3"))
        assert isinstance(reply, TextReply) and reply.text.startswith("✅")
        team = await repo.get_team(h.channel("C3"))
        assert team is not None and team.id == top["teams"] + 1
        await h.run_until((MONDAY + timedelta(days=7)).replace(hour=12), step=timedelta(minutes=30))
        new_rounds = h.scenario_posts()
        assert len(new_rounds) == 3 and min(c.round_id for _, c in new_rounds) == top["rounds"] + 1
        log = await repo.audit_log(h.user("admin").tenant, 1)
        assert log[0][2] == "setup"
        assert await repo.db.fetchval("SELECT MAX(id) FROM audit_log") == top["audit_log"] + 1
    finally:
        await repo.close()

    # …and back: the target copied to a new SQLite file holds the same rows again.
    back = f"sqlite:///{tmp_path}/back.db"
    assert (await copy_database(target_url, back)).verified
    assert await snapshot(back) == await snapshot(target_url)


async def test_copy_refuses_a_target_that_holds_data(tmp_path: Path, target_url: str) -> None:
    source = f"sqlite:///{tmp_path}/source.db"
    await a_week_of_history(source)
    repo = await opened(target_url)
    try:
        h = Harness.build(repo, MONDAY)
        await h.command("setup time 09:30 tz UTC", channel=h.channel("OTHER"))
    finally:
        await repo.close()
    before = await snapshot(target_url)
    with pytest.raises(CopyError, match="not empty"):
        await copy_database(source, target_url)
    assert await snapshot(target_url) == before


async def test_copy_that_does_not_verify_leaves_the_target_empty(
    tmp_path: Path, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verification is real: a copy that lost a row is refused and rolled back."""
    source = f"sqlite:///{tmp_path}/source.db"
    await a_week_of_history(source)
    real: Callable[..., Any] = copy_module._copy_table

    async def lossy(src: Database, dst: Database, table: Any) -> int:
        count: int = await real(src, dst, table)
        if table.name == "answers":
            await dst.execute("DELETE FROM answers WHERE user_id = $1", "bob")
        return count

    monkeypatch.setattr(copy_module, "_copy_table", lossy)
    with pytest.raises(CopyError, match="answers did not verify"):
        await copy_database(source, target_url)
    after = await snapshot(target_url)
    assert all(rows == [] for name, rows in after.items() if name != "schema_version")


async def test_copy_refuses_sources_it_cannot_copy(tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path}/target.db"
    with pytest.raises(CopyError, match="does not exist"):
        await copy_database(f"sqlite:///{tmp_path}/typo.db", target)
    assert not (tmp_path / "typo.db").exists()
    source = f"sqlite:///{tmp_path}/source.db"
    with pytest.raises(CopyError, match="same database"):
        await copy_database(source, source)
    repo = await opened(source)
    try:
        await repo.db.execute(
            "DELETE FROM schema_version WHERE version = (SELECT MAX(version) FROM schema_version)"
        )
    finally:
        await repo.close()
    with pytest.raises(CopyError, match="upgrade the source first"):
        await copy_database(source, target)
