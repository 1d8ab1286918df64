"""`respbot dashboard --db URL [--workspace ID] [--port N]`: the dashboard over a database copy, on a laptop.

Read-only and local: it listens on 127.0.0.1 only, never migrates or writes the database (links and the
signing key stay in memory), and prints a one-time login link valid 15 minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.core.clock import Clock, SystemClock
from bot.core.events import Tenant, UserRef
from bot.core.ports import Repository
from bot.dashboard.access import MemoryLinkStore
from bot.dashboard.wiring import build_dashboard, sql_reports
from bot.http_server import HttpServer
from content.loader import load_bundle
from storage import open_repository, redact_url

HOST = "127.0.0.1"
OPERATOR = "operator"


class DashboardError(Exception):
    """A reason the operator command cannot serve, as one line for the terminal."""


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite://"):
        return None
    path = url.removeprefix("sqlite://")
    return Path(path[1:] if path.startswith("/") else path)


def pick_tenant(found: list[Tenant], wanted: str | None) -> Tenant:
    """The workspace to show: `--workspace` as `ID` or `platform:ID`, or the only one there is."""
    names = ", ".join(f"{t.platform}:{t.workspace_id}" for t in found)
    if wanted:
        matches = [t for t in found if wanted in (t.workspace_id, f"{t.platform}:{t.workspace_id}")]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise DashboardError(f"no workspace {wanted!r} in this database; it has: {names or 'none'}")
        raise DashboardError(f"{wanted!r} is on several platforms; use one of: {names}")
    if not found:
        raise DashboardError(
            "this database holds no workspace yet (no teams, course progress or audit entries)"
        )
    if len(found) > 1:
        raise DashboardError(f"this database holds several workspaces; pass --workspace with one of: {names}")
    return found[0]


async def _open(url: str) -> Repository:
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        raise DashboardError(f"there is no database file at {path}")
    try:
        return await open_repository(url, migrate=False)
    except ValueError as exc:
        raise DashboardError(str(exc)) from None
    except (OSError, RuntimeError) as exc:
        raise DashboardError(f"cannot open {redact_url(url)}: {type(exc).__name__}") from None


async def serve(
    url: str,
    workspace: str | None,
    port: int,
    say: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
) -> None:
    """Serve until `stop` is set (or SIGINT/SIGTERM). Raises DashboardError with a one-line reason."""
    clock = clock or SystemClock()
    repo = await _open(url)
    try:
        try:
            tenant = pick_tenant(await sql_reports(repo).tenants(), workspace)
        except TypeError as exc:
            raise DashboardError(str(exc)) from None
        except DashboardError:
            raise
        except Exception as exc:  # no tables: not a respbot database (or an empty file)
            raise DashboardError(
                f"{redact_url(url)} is not a respbot database ({type(exc).__name__})"
            ) from None
        dashboard = build_dashboard(
            repo, load_bundle(), clock, "", 3, store=MemoryLinkStore(), read_only=True
        )
        latest = await sql_reports(repo).latest_activity(tenant)
        if latest is not None and latest < clock.now():
            dashboard.as_of = latest  # a copy's weeks and month are those of its own last activity
        app = web.Application()
        dashboard.mount(app)
        server = HttpServer(app, HOST, port)
        try:
            bound = await server.start()
        except OSError as exc:
            raise DashboardError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
        try:
            dashboard.access.base_url = f"http://{HOST}:{bound}"
            link = await dashboard.issue_login_link(
                UserRef(tenant.platform, tenant.workspace_id, OPERATOR), clock.now()
            )
            say(
                f"Dashboard of {tenant.platform}:{tenant.workspace_id} (read-only) at http://{HOST}:{bound}/dashboard/"
            )
            say(f"Open this login link within 15 minutes (it works once): {link}")
            if dashboard.as_of is not None:
                say(f"Figures as of the database's last activity, {dashboard.as_of:%Y-%m-%d %H:%M} UTC.")
            say("Ctrl-C stops it.")
            await _wait(stop)
        finally:
            await server.stop()
    finally:
        await repo.close()


async def _wait(stop: asyncio.Event | None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
