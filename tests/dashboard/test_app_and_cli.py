"""The dashboard on the bot's own HTTP server, and `respbot dashboard` over a database copy (read-only)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.__main__ import main
from bot.app import Application
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.events import ChannelRef, CommandIssued, Tenant, UserRef
from bot.dashboard.cli import DashboardError, pick_tenant, serve
from storage.sqlite import SqliteRepository
from tests.dashboard.seed import A, B, seed
from tests.fakes.clock import FakeClock
from tests.fakes.recording import RecordingAdapter

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_the_bot_serves_the_dashboard_and_issues_links(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path}/bot.db",
        http_host="127.0.0.1",
        http_port=0,
        tick_seconds=300,
    )
    app = Application(settings, clock=FakeClock(NOW))
    await app.start()
    try:
        assert app.engine is not None and app.dashboard is not None
        app.engine.add_adapter(RecordingAdapter("console"))
        admin = UserRef("console", "W", "admin")
        await app.engine.handle(
            CommandIssued(admin, ChannelRef("console", "W", "C1"), "setup tz UTC", True, NOW, "ops")
        )
        link = await app.dashboard.issue_login_link(admin, NOW)
        assert link.startswith(f"http://127.0.0.1:{app.port}/dashboard/login/")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            async with client.post(link) as response:  # follows the redirect to the overview
                html = await response.text()
                assert response.status == 200 and "ops" in html and "read-only" not in html
            async with client.get(f"http://127.0.0.1:{app.port}/healthz") as response:
                assert response.status == 200  # the bot's own routes are untouched
    finally:
        await app.stop()


async def _seeded_file(tmp_path: Path) -> Path:
    path = tmp_path / "copy.db"
    repo = await SqliteRepository.open(str(path))
    await seed(repo)
    await repo.close()
    return path


async def test_operator_command_serves_one_workspace_read_only(tmp_path: Path) -> None:
    path = await _seeded_file(tmp_path)
    said: list[str] = []
    ready = asyncio.Event()

    def say(line: str) -> None:
        said.append(line)
        if line.startswith("Ctrl-C"):
            ready.set()

    stop = asyncio.Event()
    clock = ManualClock(datetime(2026, 12, 1, tzinfo=UTC))
    task = asyncio.create_task(serve(f"sqlite:///{path}", A.workspace_id, 0, say, stop, clock))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        link = next(
            m.group(0)
            for line in said
            if (m := re.search(r"http://127\.0\.0\.1:\d+/dashboard/login/\S+", line))
        )
        assert any("as of the database's last activity, 2026-06-26" in line for line in said)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            async with client.post(link) as response:
                html = await response.text()
            assert response.status == 200 and "read-only" in html and "Platform team" in html
            assert 'id="as-of"' in html
            async with client.get(link.split("/dashboard/")[0] + "/dashboard/flags") as response:
                assert "/flags/clear" not in await response.text()
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    repo = await SqliteRepository.open(str(path), migrate=False)
    try:  # nothing was written: the link lived in memory
        assert await repo.db.fetchval("SELECT COUNT(*) FROM dashboard_links") == 0
        assert await repo.db.fetchval("SELECT COUNT(*) FROM dashboard_keys") == 0
    finally:
        await repo.close()


def test_picking_the_workspace() -> None:
    both = [A, B]
    assert pick_tenant([A], None) == A
    assert pick_tenant(both, B.workspace_id) == B
    assert pick_tenant(both, f"slack:{A.workspace_id}") == A
    with pytest.raises(DashboardError, match="several workspaces; pass --workspace"):
        pick_tenant(both, None)
    with pytest.raises(DashboardError, match="no workspace 'TX'"):
        pick_tenant(both, "TX")
    with pytest.raises(DashboardError, match="several platforms"):
        pick_tenant([Tenant("slack", "1"), Tenant("discord", "1")], "1")
    with pytest.raises(DashboardError, match="holds no workspace"):
        pick_tenant([], None)


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--db", f"sqlite:///{tmp_path}/missing.db"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no database file" in err
    other = tmp_path / "other.db"
    import sqlite3

    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
    assert main(["dashboard", "--db", f"sqlite:///{other}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a respbot database" in err and "Traceback" not in err
    assert main(["dashboard", "--db", "mysql://x"]) == 1
    assert "unsupported DATABASE_URL" in capsys.readouterr().err
