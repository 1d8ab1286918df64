"""The bot side of `bench/ack`, in its own process so the load generator and FakeSlack don't share its CPU.

`python -m bench.ack_worker app`: the production composition root (`Application`: SQLite repository, engine,
SlackAdapter in HTTP mode mounted on our aiohttp server, /metrics, scheduler), configured from the
environment exactly as `respbot run` is. `python -m bench.ack_worker bare`: the baseline — a bare bolt
`AsyncApp` whose only listener replies a fixed text in its ack (Slack's immediate response: one HTTP exchange
per command, as the bot's own answers when they are ready in time), on the same server stack
(`bot/http_server.py`) with the same client and bolt's own signature check. Either prints `PORT <n>` once
listening and stops cleanly when stdin closes.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import sys

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.client import web_client
from bot.app import Application
from bot.config import Settings
from bot.heap import frozen_startup_heap
from bot.http_server import HttpServer, build_app
from bot.logging_setup import configure_logging, secret_values


async def _stdin_closed() -> None:
    """The parent ends us by closing our stdin (no signals to race with)."""
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)


async def _app(settings: Settings) -> None:
    app = Application(settings)
    try:
        await app.start()
        with frozen_startup_heap():  # as `respbot run` does (bot/app.py run_bot)
            print(f"PORT {app.port}", flush=True)
            await _stdin_closed()
    finally:
        await app.stop()


async def _bare(settings: Settings) -> None:
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    session = aiohttp.ClientSession()
    bolt = AsyncApp(
        client=web_client(
            settings.slack_api_base_url, settings.slack_bot_token.get_secret_value(), session=session
        ),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=False,
    )

    @bolt.command("/responsibility")
    async def reply_in_the_ack(ack: AsyncAck) -> None:
        await ack(text="ok", response_type="ephemeral")

    async def dispatch(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthy() -> bool:
        return True

    server = HttpServer(
        build_app([web.post("/slack/events", dispatch)], healthy), settings.http_host, settings.http_port
    )
    try:
        print(f"PORT {await server.start()}", flush=True)
        await _stdin_closed()
    finally:
        await server.stop()
        await session.close()


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "app"
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    profile = os.environ.get("BENCH_PROFILE")  # a directory: each worker writes <dir>/<mode>-<pid>.prof
    if not profile:
        asyncio.run(_app(settings) if mode == "app" else _bare(settings))
        return
    with cProfile.Profile() as profiler:
        asyncio.run(_app(settings) if mode == "app" else _bare(settings))
    profiler.dump_stats(f"{profile}/{mode}-{os.getpid()}.prof")


if __name__ == "__main__":
    main()
