"""The bot process of `bench/memory`: the production composition, paused before it connects to any platform.

`python -m bench.memory_worker START` builds what `respbot run` builds from the environment (settings →
SQLite repository → content → adapters → engine with Prometheus telemetry → HTTP server with the adapters'
routes and /metrics), on a manual clock set to START instead of the system clock, then obeys stdin, one
command a line, answering each with one JSON line on stdout:

- `connect`: start every adapter (Slack Socket Mode, the Discord gateway) and wait until they are ready;
- `tick ISO-INSTANT`: set the clock and run one scheduler tick (what the Scheduler does every TICK_SECONDS);
- `chart`: draw one recap chart (in the chart process); `lookup`: answer one lookup question (the first one
  builds the lookup index).

It stops cleanly when stdin closes. The parent reads this process's memory from /proc/<pid>/status, so the
worker never measures itself.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.adapters.chart_process import CHARTS
from bot.app import build_adapters, engine_config
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.engine import Engine
from bot.core.messages import RecapCard, TopicAccuracy
from bot.http_server import HttpServer, build_app
from bot.logging_setup import configure_logging, secret_values
from bot.metrics import CONTENT_TYPE_LATEST, PrometheusTelemetry
from content.loader import load_bundle
from content.lookup import index_for
from storage import open_repository


def _say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def _line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def serve(settings: Settings, start: datetime) -> None:
    clock = ManualClock(start)
    telemetry = PrometheusTelemetry()
    content = load_bundle(extra_scenario_dirs=settings.content_dir)
    repo = await open_repository(settings.database_url)
    adapters = build_adapters(settings, repo, clock)  # events stamped by the bench clock, not wall time
    engine = Engine(
        repo, content, clock, {a.platform: a for a in adapters}, engine_config(settings), telemetry
    )

    async def healthy() -> bool:
        await repo.ping()
        return True

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=telemetry.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    routes = [r for a in adapters for r in getattr(a, "http_routes", list)()]
    http = HttpServer(
        build_app([*routes, web.get("/metrics", metrics)], healthy), settings.http_host, settings.http_port
    )
    started: list[Any] = []
    try:
        await http.start()
        _say(stage="built", adapters=[a.platform for a in adapters])
        while command := (await _line()).split():
            if command[0] == "connect":
                for adapter in adapters:
                    await adapter.start(engine.handle)
                    started.append(adapter)
                client = getattr(next((a for a in adapters if a.platform == "discord"), None), "client", None)
                _say(stage="connected", guilds=len(client.guilds) if client is not None else 0)
            elif command[0] == "tick":
                clock.set(datetime.fromisoformat(command[1]))
                report = await engine.tick()
                _say(stage="tick", **asdict(report))
            elif command[0] == "chart":  # a recap chart, drawn as the adapters draw it (chart_process.py)
                _say(stage="chart", bytes=len(await CHARTS.png(_sample_recap())))
            elif command[0] == "lookup":  # the first `lookup` builds its index (content/lookup.py)
                _say(stage="lookup", found=index_for(content).lookup("who patches the guest OS on EC2").found)
    finally:
        await CHARTS.close()
        for adapter in reversed(started):
            await adapter.stop()
        await http.stop()
        await repo.close()


def _sample_recap() -> RecapCard:
    topics = tuple(TopicAccuracy(f"topic-{i}", 10, i) for i in range(10))
    trend = tuple((f"W{w}", 0.6) for w in range(41, 49))
    return RecapCard("cloud-team", "2026-W48", (), "", topics, 0.7, trend, "", "", 1, 1)


def main() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    asyncio.run(serve(settings, datetime.fromisoformat(sys.argv[1])))


if __name__ == "__main__":
    main()
