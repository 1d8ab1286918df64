"""Links and sessions on a fake clock, on both link stores (memory; SQL on both backends)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.clock import ManualClock
from bot.core.events import Tenant, UserRef
from bot.core.ports import Repository
from bot.core.ports.dashboard import DashboardLinks
from bot.dashboard.access import (
    LINK_TTL,
    SESSION_TTL,
    Access,
    LinkStore,
    MemoryLinkStore,
    Session,
    token_hash,
)
from bot.dashboard.charts import bar_chart, percent_line
from bot.dashboard.wiring import sql_reports
from tests.dashboard.conftest import Served

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ADMIN = UserRef("slack", "T1", "U1")


async def _links_work_once_and_expire(store: LinkStore) -> None:
    clock = ManualClock(NOW)
    access = Access(store, clock, "https://bot.example/")
    link = await access.issue_login_link(ADMIN)
    assert link.startswith("https://bot.example/dashboard/login/")
    token = link.rsplit("/", 1)[1]
    session = await access.redeem(token)
    assert session is not None and session.tenant == Tenant("slack", "T1") and session.user_id == "U1"
    assert await access.redeem(token) is None  # used
    late = (await access.issue_login_link(ADMIN)).rsplit("/", 1)[1]
    clock.advance(LINK_TTL)
    assert await access.redeem(late) is None  # expired at exactly 15 minutes
    assert await access.redeem("") is None and await access.redeem("x" * 200) is None


async def test_memory_links() -> None:
    await _links_work_once_and_expire(MemoryLinkStore())


async def test_database_links_and_a_race_for_one(repo: Repository) -> None:
    store = sql_reports(repo).login_links()
    await _links_work_once_and_expire(store)
    access = Access(store, ManualClock(NOW), "http://x")
    token = (await access.issue_login_link(ADMIN)).rsplit("/", 1)[1]
    results = await asyncio.gather(*(access.redeem(token) for _ in range(5)))
    assert sum(r is not None for r in results) == 1
    # only hashes are stored, and every instance shares one signing key
    assert await store.db.fetchval("SELECT COUNT(*) FROM dashboard_links WHERE token_hash = $1", token) == 0
    assert (
        await store.db.fetchval(
            "SELECT COUNT(*) FROM dashboard_links WHERE token_hash = $1", token_hash(token)
        )
        == 1
    )
    assert await store.signing_key(NOW) == await sql_reports(repo).login_links().signing_key(NOW)


async def test_session_cookie_lifetime_and_tampering() -> None:
    clock = ManualClock(NOW)
    store = MemoryLinkStore()
    access = Access(store, clock, "http://x")
    session = Session(Tenant("slack", "T1"), "U1", "csrf-token", False)
    cookie = await access.encode(session)
    assert await access.decode(cookie) == session
    clock.advance(SESSION_TTL)
    assert await access.decode(cookie) == session  # 8 hours exactly: still good
    clock.advance(timedelta(seconds=1))
    assert await access.decode(cookie) is None
    clock.set(NOW)
    other_key = Access(MemoryLinkStore(), clock, "http://x")  # another bot's (or a forger's) key
    assert await other_key.decode(cookie) is None
    assert await access.decode(cookie[:-2] + "xx") is None and await access.decode(None) is None
    assert Access.csrf_ok(session, "csrf-token") and not Access.csrf_ok(session, "csrf-tokeN")
    assert not Access.csrf_ok(session, None)
    read_only = Access(store, clock, "http://x", read_only=True)
    decoded = await read_only.decode(cookie)
    assert decoded is not None and decoded.read_only  # a read-only server never grants writes


def test_charts_print_their_numbers_and_escape_labels() -> None:
    bars = str(bar_chart("People <per> week", ["2026-W01", "2026-W02"], [3, 7]))
    assert "People &lt;per&gt; week" in bars and ">3</text>" in bars and ">7</text>" in bars
    line = str(percent_line("Accuracy", ["2026-W01", "2026-W02", "2026-W03"], [0.5, None, 1.0]))
    assert ">50%</text>" in line and ">–</text>" in line and ">100%</text>" in line


async def test_the_dashboard_is_the_core_port_for_login_links(served: Served) -> None:
    links: DashboardLinks = served.dashboard  # what `/responsibility dashboard` is handed (checked by mypy)
    link = await links.issue_login_link(ADMIN, served.clock.now())
    assert link.startswith(served.base + "/dashboard/login/")
