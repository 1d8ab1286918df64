"""forget-me leaves no row about the person anywhere; tenants never see each other's people or numbers."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.events import MemberJoined
from bot.core.messages import FileCard, HomeCard, LeaderboardCard, StatsCard
from bot.core.ports import Repository
from storage.sqlite import SqliteRepository
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SECRET_ID = "Uforgetme42"


async def _rows_mentioning(repo: Repository, needle: str) -> dict[str, int]:
    """Scan every column of every table for a value equal to or containing the id."""
    db = repo.db  # type: ignore[attr-defined]
    if db.engine == "sqlite":
        tables = [r["name"] for r in await db.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = {
            t: [c["name"] for c in await db.fetch("SELECT name FROM pragma_table_info($1)", t)]
            for t in tables
        }
    else:
        rows = await db.fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        )
        columns = defaultdict(list)
        for r in rows:
            columns[r["table_name"]].append(r["column_name"])
    found = {}
    for table, cols in columns.items():
        cond = " OR ".join(f'CAST("{c}" AS TEXT) LIKE $1' for c in cols)
        count = int(await db.fetchval(f'SELECT COUNT(*) FROM "{table}" WHERE {cond}', f"%{needle}%"))
        if count:
            found[table] = count
    return found


async def test_forget_me_removes_every_row_about_the_person(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await h.command("setup time 09:30 tz UTC")
    await h.engine.handle(MemberJoined(h.user(SECRET_ID), None, MONDAY))  # course progress
    for day in range(2):
        await h.run_until(MONDAY + timedelta(days=day, hours=1, minutes=30))
        post, _ = h.scenario_posts()[-1]
        await h.answer(post, SECRET_ID, "aws")
        await h.answer(post, "Ukept", "aws")
        await h.run_until(MONDAY + timedelta(days=day, hours=5, minutes=30))
    (quiz,) = await h.command("quiz", uid=SECRET_ID, admin=False)
    await h.press(SECRET_ID, "quiz", quiz.buttons[0].value)  # type: ignore[union-attr]
    await h.command(f"flag {quiz.scenario_id} unclear wording", uid=SECRET_ID, admin=False)  # type: ignore[union-attr]
    await h.command("export all", uid=SECRET_ID, admin=True)  # an audit row by them
    assert len(await _rows_mentioning(repo, SECRET_ID)) >= 6  # the scan sees them before
    await h.command("forget-me confirm", uid=SECRET_ID, admin=False)
    assert await _rows_mentioning(repo, SECRET_ID) == {}
    (export,) = await h.command("export all")
    assert isinstance(export, FileCard) and SECRET_ID not in export.content and "Ukept" in export.content


activity = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C"]), st.sampled_from(["u1", "u2", "u3", "u4"]), st.sampled_from(["aws", "customer", "shared"])),
    min_size=1,
    max_size=25,
)  # fmt: skip


@settings(max_examples=max(10, settings().max_examples // 8))  # each example runs two whole days
@given(day1=activity, day2=activity)
def test_no_view_shows_another_tenant(tmp_path_factory: object, day1: list[tuple[str, str, str]],
                                      day2: list[tuple[str, str, str]]) -> None:  # fmt: skip
    async def check() -> None:
        path = tmp_path_factory.mktemp("tenants") / "t.db"  # type: ignore[attr-defined]
        repo = await SqliteRepository.open(str(path))
        try:
            await _scenario(repo, day1, day2)
        finally:
            await repo.close()

    asyncio.run(check())


async def _scenario(repo: Repository, *days: list[tuple[str, str, str]]) -> None:
    h = Harness.build(repo, MONDAY)
    for ws in "ABC":
        await h.command("setup time 09:30 tz UTC", channel=h.channel("C1", workspace=ws), name=f"team-{ws}")
    answered: dict[str, set[str]] = defaultdict(set)
    for index, day in enumerate(days):
        await h.run_until(MONDAY + timedelta(days=index, hours=1, minutes=30), step=timedelta(hours=1))
        posts = {p.channel.workspace_id: p for p, _ in h.scenario_posts()[-3:]}
        for ws, uid, token in day:
            await h.answer(posts[ws], f"{ws}-{uid}" if uid == "u4" else uid, token)
            answered[ws].add(f"{ws}-{uid}" if uid == "u4" else uid)
        await h.run_until(MONDAY + timedelta(days=index, hours=5, minutes=30), step=timedelta(hours=1))
    for ws in "ABC":
        ch = h.channel("C1", workspace=ws)
        others = {f"{o}-u4" for o in "ABC" if o != ws}
        (board,) = await h.command("leaderboard all", uid="u1", admin=False, channel=ch)
        assert isinstance(board, LeaderboardCard)
        assert {r.user_id for r in board.rows} == answered[ws]
        (export,) = await h.command("export all", channel=ch)
        assert isinstance(export, FileCard)
        assert not any(o in export.content for o in others)
        assert len(export.content.strip().splitlines()) == 1 + len(answered[ws])
        (stats,) = await h.command("stats", uid="u1", admin=False, channel=ch)
        assert isinstance(stats, StatsCard)
        rounds_answered = sum(1 for d in days if any(w == ws and u == "u1" for w, u, _ in d))
        assert stats.answered == rounds_answered  # one answer per round, only this workspace's rounds
        home = await h.engine.boards.home(h.user("u1", workspace=ws), h.clock.now())
        assert isinstance(home, HomeCard)
        for b in home.boards:
            assert {r.user_id for r in b.rows} <= answered[ws]
        for other in others:
            (looked,) = await h.command(f"stats @{other}", uid="u1", admin=False, channel=ch)
            assert not isinstance(looked, StatsCard)
