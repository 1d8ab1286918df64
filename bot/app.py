"""The composition root: settings → repository → content → engine → adapters → scheduler.

Everything runs on one event loop and stops cleanly on SIGINT/SIGTERM: the scheduler finishes its current
tick, adapters disconnect (finishing the events they are handling), the HTTP server closes, then the
database. Rounds are never left half-written: each step of a round is its own transaction and safe to repeat
on the next start.

Background work is supervised: if the scheduler task or an adapter's connection task ends while the bot is
meant to be running, that is logged and the process stops with exit code 1, for systemd, Docker or
Kubernetes to restart it — a process that stays up without its gateway or its scheduler is deaf or idle
while looking healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from bot.adapters.chart_process import CHARTS
from bot.config import Settings, platform_problem
from bot.core.clock import Clock, FileClock, SystemClock
from bot.core.engine import Engine, EngineConfig
from bot.core.ports import PlatformAdapter, Repository
from bot.core.scheduler import Scheduler
from bot.dashboard import Dashboard
from bot.dashboard.wiring import mount_dashboard
from bot.faults import crashpoint
from bot.health import adapter_health, adapters_part, database_part, overall, scheduler_part
from bot.heap import frozen_startup_heap
from bot.http_server import HttpServer, build_app
from bot.logging_setup import configure_logging, secret_values
from bot.metrics import CONTENT_TYPE_LATEST, PrometheusTelemetry
from content.loader import ContentError, load_bundle
from storage import DatabaseOpenError, DatabaseUrlError, open_repository
from storage.migrate import DatabaseTooNewError

log = logging.getLogger(__name__)

#: How often the supervisor asks the adapters whether their connection has ended for good.
WATCH_SECONDS = 1.0


class StartError(RuntimeError):
    """The bot cannot start; the message says what to set or fix."""


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
    if settings.teams_enabled:
        try:
            from bot.adapters.teams.adapter import TeamsAdapter
        except ImportError:
            raise RuntimeError(
                "TEAMS_APP_ID is set but the Teams SDK is not installed: pip install 'whos-responsible[teams]'"
            ) from None
        adapters.append(TeamsAdapter.from_settings(settings, repo, clock=clock))
    return adapters


class Application:
    """One bot process: start it, serve until told to stop (or until a background task dies), stop it."""

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
        self._watch_task: asyncio.Task[None] | None = None
        self._failure: asyncio.Future[str] | None = None
        self._running = False
        self._stopping = False

    async def start(self) -> None:
        """Start everything; on failure raise (StartError, or the storage error) — call stop() either way."""
        problem = platform_problem(self.settings)
        if problem is not None:
            raise StartError(problem)
        try:
            content = load_bundle(extra_scenario_dirs=self.settings.content_dir)
        except ContentError as exc:
            raise StartError(f"content error: {exc}") from None
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
        host, port = self.settings.http_host, self.settings.http_port
        app = build_app(routes, self.health_report)
        self.dashboard = mount_dashboard(app, repo, content, self.clock, self.settings.flag_threshold)
        self.http = HttpServer(app, host, port)
        try:
            self.port = await self.http.start()
        except OSError as exc:
            raise StartError(
                f"cannot listen on {host}:{port} (HTTP_HOST, HTTP_PORT): {exc.strerror or exc}"
            ) from None
        self.dashboard.access.base_url = self.settings.dashboard_url or f"http://127.0.0.1:{self.port}"
        self.engine.attach_dashboard(self.dashboard)
        for adapter in self.adapters:
            await adapter.start(self.engine.handle)
        self._failure = asyncio.get_running_loop().create_future()
        self._scheduler = Scheduler(self.engine, self.settings.tick_seconds)
        self._scheduler_task = self._supervise(self._scheduler.run(), "scheduler")
        self._watch_task = self._supervise(self._watch_adapters(), "adapter supervisor")
        self._running = True
        log.info(
            "running with %s; %d scenarios loaded",
            ", ".join(a.platform for a in self.adapters) or "no platform",
            len(content.scenarios),
        )

    def _supervise(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=name)
        task.add_done_callback(self._task_ended)
        return task

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        """A supervised task ended. While running that is a failure: log it, and make serve() return 1."""
        if self._stopping or self._failure is None or self._failure.done():
            return
        exc = None if task.cancelled() else task.exception()
        reason = f"{type(exc).__name__}: {exc}" if exc is not None else "it returned"
        if task.cancelled():
            reason = "it was cancelled"
        log.error(
            "%s stopped unexpectedly (%s); stopping the bot so that it is restarted",
            task.get_name(),
            reason,
            exc_info=exc,
        )
        self._failure.set_result(f"{task.get_name()}: {reason}")

    async def _watch_adapters(self) -> None:
        """Ends (with the reason) once an adapter reports its connection gone for good."""
        while True:
            for adapter in self.adapters:
                health = await adapter_health(adapter)
                if health is not None and health.ended:
                    raise ConnectionError(f"{adapter.platform}: {health.detail}")
            await asyncio.sleep(WATCH_SECONDS)

    async def serve(self, stop: asyncio.Event) -> int:
        """Until `stop` is set (0) or a supervised task dies (1)."""
        if self._failure is None:
            raise RuntimeError("start() first")
        stopped = asyncio.ensure_future(stop.wait())
        try:
            waiters: set[asyncio.Future[Any]] = {stopped, self._failure}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        return 1 if self._failure.done() else 0

    async def health_report(self) -> dict[str, object]:
        """/healthz: the database answers, the scheduler ticked recently, every adapter is connected."""
        repo = self.repo
        database = await database_part(repo.ping if repo is not None else None)
        scheduler = self._scheduler
        loop = asyncio.get_running_loop()
        ticks = scheduler_part(
            scheduler.started if scheduler else None,
            scheduler.last_tick if scheduler else None,
            loop.time(),
            self.settings.tick_seconds,
        )
        return overall(database, ticks, await adapters_part(self.adapters))

    async def _metrics(self, _: web.Request) -> web.Response:
        return web.Response(body=self.telemetry.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def stop(self) -> None:
        """Stop what was started (all of it after serve(), or whatever a failed start() had opened)."""
        self._stopping = True
        if self._watch_task is not None:
            self._watch_task.cancel()
        if self._scheduler is not None:
            self._scheduler.stop()
        for task in (self._watch_task, self._scheduler_task):  # the scheduler finishes the tick in flight
            if task is not None and not task.done():  # a dead one was reported when it died
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.warning("stopping %s failed", adapter.platform, exc_info=True)
        if self.http is not None:
            await self.http.stop()
        await CHARTS.close()  # the recap chart process, if a chart was drawn lately
        if self.repo is not None:
            await self.repo.close()
        if self._running:
            failed = self._failure is not None and self._failure.done()
            log.info("stopped after a failure" if failed else "stopped cleanly")
        self._running = False


def describe_start_failure(exc: BaseException) -> str:
    """The one line that says why the bot did not start, phrased as what to fix where the error allows."""
    from bot.adapters.slack.adapter import SlackSetupError

    known = (StartError, DatabaseOpenError, DatabaseUrlError, DatabaseTooNewError, SlackSetupError)
    if isinstance(exc, known):
        return str(exc)
    if isinstance(exc, RuntimeError | ValueError) and str(exc):  # the adapters' explained start failures
        return str(exc)
    return f"{type(exc).__name__}: {exc} (LOG_LEVEL=DEBUG shows the traceback)"


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the bot until SIGINT/SIGTERM (or `stop` is set). Returns the process exit code: 0 after a
    requested stop, 1 when it could not start or a supervised task died."""
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = Application(settings)
    try:
        await app.start()
    except Exception as exc:
        log.debug("start failed", exc_info=True)
        try:
            await app.stop()  # close what had opened; nothing was running, so nothing "stopped cleanly"
        except Exception:
            log.debug("closing after a failed start failed too", exc_info=True)
        log.error("could not start: %s", describe_start_failure(exc))
        return 1
    try:
        with frozen_startup_heap():  # full GC passes skip what start-up built (heap.py)
            return await app.serve(stop)
    finally:
        await app.stop()
