"""Issue 12, item 16: background tasks are supervised and /healthz reports every part of the bot.

A scheduler task or a Discord gateway task that dies while the bot runs is logged and ends the process with
exit code 1 (for its supervisor to restart it); /healthz reports the database, the age of the scheduler's
last tick (503 past STALE_TICKS intervals) and each adapter's connection, as JSON.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.adapters.console import ConsoleAdapter
from bot.app import Application
from bot.config import Settings
from bot.core.ports import AdapterHealth, Repository
from bot.health import STALE_TICKS, scheduler_part
from tests.adapters.discord.conftest import make_adapter
from tests.adapters.slack.conftest import build_world, close_world, populate, slack_settings
from tests.fakes.clock import FakeClock
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.recording import RecordingAdapter

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TICK = 300.0


def settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path}/ops.db",
        http_host="127.0.0.1",
        http_port=0,
        tick_seconds=TICK,
        **extra,  # type: ignore[arg-type]
    )


async def healthz(port: int) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as resp,
    ):
        return resp.status, json.loads(await resp.text())


class Deaf(RecordingAdapter):
    """A recording adapter that reports a connection state the test sets."""

    state = AdapterHealth(True, "up")

    async def health(self) -> AdapterHealth:
        return self.state


def test_item16_scheduler_age_threshold() -> None:
    assert scheduler_part(100.0, 150.0, 150.0 + STALE_TICKS * 15, 15)["ok"] is True
    stale = scheduler_part(100.0, 150.0, 150.1 + STALE_TICKS * 15, 15)
    assert stale["ok"] is False and stale["last_tick_age_seconds"] == 75.1 and stale["max_age_seconds"] == 75
    first = scheduler_part(100.0, None, 110.0, 15)  # before the first tick completes, counted from the start
    assert first["ok"] is True and first["detail"] == "no tick completed yet"
    assert scheduler_part(None, None, 110.0, 15)["ok"] is False


async def test_item16_healthz_reports_each_part(tmp_path: Path) -> None:
    app = Application(settings(tmp_path), clock=FakeClock(NOW))
    await app.start()
    try:
        adapter = Deaf("console")
        app.adapters.append(adapter)
        status, body = await healthz(app.port)
        assert status == 200 and body["ok"] is True
        assert body["database"] == {"ok": True}
        assert body["adapters"] == {
            "console": {"ok": True, "connected": True, "detail": "up", "ended": False}
        }
        scheduler = body["scheduler"]
        assert isinstance(scheduler, dict) and scheduler["ok"] is True
        assert scheduler["max_age_seconds"] == STALE_TICKS * TICK

        adapter.state = AdapterHealth(False, "reconnecting")  # a deaf adapter: 503
        status, body = await healthz(app.port)
        assert status == 503 and body["adapters"]["console"]["ok"] is False  # type: ignore[index]
        adapter.state = AdapterHealth(True, "up")

        assert app._scheduler is not None  # a scheduler whose last tick is too old: 503
        app._scheduler.last_tick = asyncio.get_running_loop().time() - (STALE_TICKS + 1) * TICK
        status, body = await healthz(app.port)
        assert status == 503 and body["scheduler"]["ok"] is False  # type: ignore[index]
    finally:
        await app.stop()


class SchedulerBug(BaseException):
    """Escapes the scheduler's per-tick `except Exception`, as a bug in the loop itself would."""


async def test_item16_a_dead_scheduler_stops_the_bot_with_exit_1(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = Application(settings(tmp_path), clock=FakeClock(NOW))
    await app.start()
    assert app.engine is not None

    async def broken_tick() -> None:
        raise SchedulerBug("the scheduler loop broke")

    app.engine.tick = broken_tick  # type: ignore[assignment, method-assign]
    try:
        with caplog.at_level(logging.INFO):
            assert await asyncio.wait_for(app.serve(asyncio.Event()), 10) == 1
    finally:
        await app.stop()
    assert "scheduler stopped unexpectedly (SchedulerBug: the scheduler loop broke)" in caplog.text
    assert "stopped after a failure" in caplog.text and "stopped cleanly" not in caplog.text


@pytest.mark.parametrize("shards", [None, 2])
async def test_item16_discord_gateway_death_stops_the_bot_with_exit_1(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, shards: int | None
) -> None:
    caplog.set_level(logging.INFO)
    fake = await FakeDiscord().start()
    # The adapter the settings describe, with the test timings (no 2 s guild wait, no 5 s identify delay).
    monkeypatch.setattr(
        "bot.app.build_adapters",
        lambda _settings, _repo, clock: [make_adapter(fake, clock, shard_count=shards)],
    )
    try:
        app = Application(settings(tmp_path, discord_token=SecretStr(fake.token)), clock=FakeClock(NOW))
        await app.start()
        try:
            status, body = await healthz(app.port)
            assert status == 200 and body["adapters"]["discord"]["connected"] is True  # type: ignore[index]
            assert sorted(fake.by_shard) == list(range(shards or 1))
            session = fake.by_shard[0].ws
            assert session is not None
            # After READY, Discord closes the gateway for good (the token was reset in the portal).
            await session.close(code=4004, message=b"Authentication failed.")
            with caplog.at_level(logging.INFO):
                assert await asyncio.wait_for(app.serve(asyncio.Event()), 15) == 1
            status, body = await healthz(app.port)
            discord = body["adapters"]["discord"]  # type: ignore[index]
            assert status == 503 and discord["ended"] is True and discord["connected"] is False
        finally:
            await app.stop()
    finally:
        await fake.stop()
    assert (
        "adapter supervisor stopped unexpectedly" in caplog.text
        and "discord: gateway task ended" in caplog.text
    )


async def test_item16_slack_and_console_adapters_report_their_connection(sqlite_repo: Repository) -> None:
    fake = await FakeSlack().start()
    try:
        ws = populate(fake)
        for mode, detail in (("socket", "Socket Mode connected"), ("http", "HTTP mode")):
            world = await build_world(
                fake, sqlite_repo, mode, slack_settings(fake, mode, slack_bot_token=ws.token)
            )
            try:
                assert await world.adapter.health() == AdapterHealth(True, detail)
            finally:
                await close_world(world)
            assert (await world.adapter.health()).connected is False
    finally:
        await fake.stop()
    console = ConsoleAdapter(out=io.StringIO())
    assert (await console.health()).connected is False

    async def sink(_: object) -> list[object]:
        return []

    await console.start(sink)  # type: ignore[arg-type]
    assert (await console.health()).connected is True
