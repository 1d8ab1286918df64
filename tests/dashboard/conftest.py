"""A seeded database served by a real dashboard on 127.0.0.1, with a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot.core.clock import ManualClock
from bot.core.events import UserRef
from bot.dashboard import Dashboard
from bot.dashboard.wiring import build_dashboard
from bot.http_server import HttpServer
from content.loader import load_bundle
from storage.sqlite import SqliteRepository
from tests.dashboard.seed import NOW, A, Seeded, seed


@dataclass
class Served:
    base: str
    dashboard: Dashboard
    repo: SqliteRepository
    clock: ManualClock
    seeded: Seeded

    async def link(self, user: UserRef | None = None) -> str:
        return await self.dashboard.issue_login_link(
            user or UserRef(A.platform, A.workspace_id, "Uadmin"), self.clock.now()
        )


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    repo = await SqliteRepository.open(str(tmp_path / "dash.db"))
    seeded = await seed(repo)
    clock = ManualClock(NOW)
    dashboard = build_dashboard(repo, load_bundle(), clock, "", 3)
    app = web.Application()
    dashboard.mount(app)
    server = HttpServer(app, "127.0.0.1", 0)
    port = await server.start()
    dashboard.access.base_url = f"http://127.0.0.1:{port}"
    try:
        yield Served(f"http://127.0.0.1:{port}", dashboard, repo, clock, seeded)
    finally:
        await server.stop()
        await repo.close()
