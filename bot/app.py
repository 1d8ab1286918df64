"""The composition root: settings → repository → content → engine → adapters → scheduler.

Everything runs on one event loop and stops cleanly on SIGINT/SIGTERM: the scheduler finishes its current
tick, adapters disconnect (finishing the events they are handling), the HTTP server closes, then the
database. Rounds are never left half-written: each step of a round is its own transaction and safe to repeat
on the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.config import Settings
from bot.core.clock import Clock, FileClock, SystemClock
from bot.core.engine import Engine, EngineConfig
from bot.core.ports import PlatformAdapter, Repository
from bot.core.scheduler import Scheduler
from bot.dashboard import Dashboard
from bot.dashboard.wiring import mount_dashboard
from bot.faults import crashpoint
from bot.http_server import HttpServer, build_app
from bot.logging_setup import configure_logging, secret_values
from bot.metrics import CONTENT_TYPE_LATEST, PrometheusTelemetry
from content.loader import load_bundle
from storage import open_repository

log = logging.getLogger(__name__)


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        seed=settings.seed,
        default_timezone=settings.default_timezone,
        flag_threshold=settings.flag_threshold,
        onboarding=settings.onboarding,
        announce_course=settings.announce_course_completion,
    )


def build_adapters(settings: Settings, repo: Repository, clock: Clock | None = None) -> list[PlatformAdapter]:
    """The platform adapters the settings ask for. Imported lazily so a missing SDK affects only its platform.
    They stamp events with the application's clock, so CLOCK_FILE reaches them too."""
    adapters: list[PlatformAdapter] = []
    if settings.slack_enabled:
        from bot.adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter.from_settings(settings, repo, clock=clock))
    if settings.discord_enabled:
        from bot.adapters.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter.from_settings(settings, repo, clock=clock))
    return adapters


class Application:
    """One bot process: start it, serve until told to stop, stop it cleanly."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or (FileClock(settings.clock_file) if settings.clock_file else SystemClock())
        self.telemetry = PrometheusTelemetry()
        self.repo: Repository | None = None
        self.engine: Engine | None = None
        self.adapters: list[PlatformAdapter] = []
        self.http: HttpServer | None = None
        self.dashboard: Dashboard | None = None  # issues `/responsibility dashboard` login links
        self.port = 0
        self._scheduler: Scheduler | None = None
        self._scheduler_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        content = load_bundle(extra_scenario_dirs=self.settings.content_dir)
        self.repo = repo = await open_repository(self.settings.database_url)
        self.adapters = build_adapters(self.settings, repo, self.clock)
        self.engine = Engine(
            repo,
            content,
            self.clock,
            {a.platform: a for a in self.adapters},
            engine_config(self.settings),
            self.telemetry,
            crashpoint,
        )
        routes = [r for a in self.adapters for r in getattr(a, "http_routes", list)()]
        routes.append(web.get("/metrics", self._metrics))
        app = build_app(routes, self._healthy)
        self.dashboard = mount_dashboard(app, repo, content, self.clock, self.settings.flag_threshold)
        self.http = HttpServer(app, self.settings.http_host, self.settings.http_port)
        self.port = await self.http.start()
        self.dashboard.access.base_url = self.settings.dashboard_url or f"http://127.0.0.1:{self.port}"
        for adapter in self.adapters:
            await adapter.start(self.engine.handle)
        self._scheduler = Scheduler(self.engine, self.settings.tick_seconds)
        self._scheduler_task = asyncio.create_task(self._scheduler.run())
        log.info(
            "running with %s; %d scenarios loaded",
            ", ".join(a.platform for a in self.adapters) or "no platform",
            len(content.scenarios),
        )

    async def _healthy(self) -> bool:
        """Alive means the database answers: a bot that cannot store answers should be restarted."""
        if self.repo is None:
            return False
        await asyncio.wait_for(self.repo.ping(), timeout=3)
        return True

    async def _metrics(self, _: web.Request) -> web.Response:
        return web.Response(body=self.telemetry.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._scheduler_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler_task  # finishes the tick in flight
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.warning("stopping %s failed", adapter.platform, exc_info=True)
        if self.http is not None:
            await self.http.stop()
        if self.repo is not None:
            await self.repo.close()
        log.info("stopped cleanly")


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the bot until SIGINT/SIGTERM (or `stop` is set). Returns the process exit code."""
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = Application(settings)
    try:
        await app.start()
        await stop.wait()
    finally:
        await app.stop()
    return 0
