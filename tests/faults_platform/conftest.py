"""Worlds for the platform-fault tests: the real Slack and Discord adapters wired to their fakes in-process
(as in tests/adapters/*/conftest.py), plus helpers for reading what was logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.core.ports import Repository
from bot.logging_setup import configure_logging
from tests.adapters.slack.conftest import SlackWorld, build_world, close_world, populate, slack_settings
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import FakeSlack

#: The fakes run in this process; their aiohttp access log is not the bot's output.
FAKE_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web")


@dataclass
class BotLog:
    """What an operator would see: the production handler (JSON lines, INFO, retry chatter filtered,
    secrets scrubbed) on the root logger, writing to a buffer."""

    buffer: io.StringIO

    def entries(self) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.buffer.getvalue().splitlines() if line.strip()]
        return [e for e in lines if not str(e["logger"]).startswith(FAKE_LOGGERS)]

    def problems(self) -> list[dict[str, Any]]:
        """WARNING and above: what pages someone or fills an error dashboard."""
        return [e for e in self.entries() if e["level"] in ("WARNING", "ERROR", "CRITICAL")]

    def clear(self) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()

    def describe(self) -> str:
        return "\n".join(f"{e['level']} {e['logger']}: {str(e['message'])[:160]}" for e in self.entries())


@pytest.fixture
def bot_log() -> Iterator[BotLog]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging("INFO", "json", stream=buffer)
    try:
        yield BotLog(buffer)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def repo(sqlite_repo: Repository) -> Repository:
    """The shared SQLite repository fixture (tests/conftest.py) under this suite's name."""
    return sqlite_repo


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def slack(slack_fake: FakeSlack, repo: Repository) -> AsyncIterator[SlackWorld]:
    """A Socket Mode bot for one workspace. The Socket Mode client's ping interval — how soon it notices a
    cut connection (10 s in production) — is shortened so a cut heals within a test; it is read when a
    session starts, so the first session is recycled once."""
    ws = populate(slack_fake)
    world = await build_world(
        slack_fake, repo, "socket", slack_settings(slack_fake, "socket", slack_bot_token=ws.token)
    )
    handler = world.adapter._handler
    assert handler is not None
    handler.client.ping_interval = 0.2
    await slack_fake.disconnect_socket()
    await slack_fake.wait_until(lambda: slack_fake.socket_connected and slack_fake.socket_connections == 2)
    try:
        yield world
    finally:
        await close_world(world)


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    try:
        yield server
    finally:
        await server.stop()
