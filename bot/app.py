"""The composition root: settings → repository → content → engine → adapters → scheduler.

Everything runs in one asyncio TaskGroup and stops cleanly on SIGINT/SIGTERM: the scheduler finishes its
current tick, adapters disconnect, the database closes. Rounds are never left half-written because every
step of a round is its own transaction and is safe to repeat on the next start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.engine import Engine, EngineConfig
from bot.core.ports import PlatformAdapter
from bot.core.scheduler import Scheduler
from bot.http_server import HttpServer, build_app
from bot.logging_setup import configure_logging
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


def build_adapters(settings: Settings, repo: Any) -> list[PlatformAdapter]:
    """The platform adapters the settings ask for. Imported lazily so a missing SDK affects only its platform."""
    adapters: list[PlatformAdapter] = []
    if settings.slack_enabled:
        from bot.adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter.from_settings(settings, repo))
    if settings.discord_enabled:
        from bot.adapters.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter.from_settings(settings, repo))
    return adapters


async def run_bot(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM. Returns the process exit code."""
    configure_logging(settings.log_level, settings.log_format)
    content = load_bundle(extra_scenario_dirs=settings.content_dir)
    repo = await open_repository(settings.database_url)
    adapters = build_adapters(settings, repo)
    engine = Engine(repo, content, SystemClock(), {a.platform: a for a in adapters}, engine_config(settings))
    scheduler = Scheduler(engine, settings.tick_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    routes = [r for a in adapters for r in getattr(a, "http_routes", list)()]

    async def healthy() -> bool:
        await repo.db.fetchval("SELECT 1")  # type: ignore[attr-defined]
        return True

    http = HttpServer(build_app(routes, healthy), settings.http_host, settings.http_port)
    try:
        await http.start()
        for adapter in adapters:
            await adapter.start(engine.handle)
        log.info(
            "running with %s; %d scenarios loaded",
            ", ".join(a.platform for a in adapters),
            len(content.scenarios),
        )
        async with asyncio.TaskGroup() as group:
            group.create_task(scheduler.run())
            await stop.wait()
            scheduler.stop()
    finally:
        for adapter in adapters:
            try:
                await adapter.stop()
            except Exception:
                log.warning("stopping %s failed", adapter.platform, exc_info=True)
        await http.stop()
        await repo.close()
    log.info("stopped cleanly")
    return 0
