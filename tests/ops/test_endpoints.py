"""Operations: /healthz, /metrics, JSON logs with ids, and a clean shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.app import Application, run_bot
from bot.config import Settings
from bot.core.events import ChannelRef, CommandIssued, UserRef
from bot.logging_setup import JsonFormatter, scrub
from tests.fakes.clock import FakeClock
from tests.fakes.recording import RecordingAdapter

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path}/ops.db",
        http_host="127.0.0.1",
        http_port=0,
        tick_seconds=300,
    )


async def _get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as resp:
        return resp.status, await resp.text()


async def test_healthz_and_metrics(tmp_path: Path) -> None:
    app = Application(settings(tmp_path), clock=FakeClock(NOW))
    await app.start()
    try:
        status, health = await _get(app.port, "/healthz")
        assert status == 200 and json.loads(health)["ok"] is True
        assert app.engine is not None
        app.engine.add_adapter(RecordingAdapter("console"))
        channel = ChannelRef("console", "W", "C1")
        admin = UserRef("console", "W", "admin")
        for text in ("setup tz UTC", "post-now", "leaderboard"):
            await app.engine.handle(CommandIssued(admin, channel, text, True, NOW))
        status, body = await _get(app.port, "/metrics")
        assert status == 200
        assert 'respbot_rounds_posted_total{platform="console"} 1.0' in body
        assert 'respbot_command_seconds_count{command="post-now"} 1.0' in body
        assert "respbot_scheduler_lag_seconds" in body
        # the database goes away: liveness fails
        assert app.repo is not None
        await app.repo.close()
        status, health = await _get(app.port, "/healthz")
        assert status == 503 and json.loads(health)["database"]["ok"] is False
    finally:
        await app.stop()


async def test_run_bot_starts_and_stops_cleanly(tmp_path: Path) -> None:
    stop = asyncio.Event()
    stop.set()  # asked to stop as soon as it is up: the whole start and shutdown path runs
    assert await asyncio.wait_for(run_bot(settings(tmp_path), stop), 30) == 0
    assert (tmp_path / "ops.db").exists()
    logging.getLogger().handlers.clear()


def test_json_logs_carry_ids_and_never_secrets() -> None:
    record = logging.LogRecord("bot.core.rounds", logging.INFO, __file__, 1, "posted round %s", (7,), None)
    record.round_id = 7
    record.team_id = 3
    record.tenant = "T1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "posted round 7" and line["round_id"] == 7 and line["tenant"] == "T1"
    leaked = "auth failed for xoxb-1234-5678-abcdefghij and xapp-1-A0-999-zzz"
    assert "xoxb" not in scrub(leaked) and "xapp" not in scrub(leaked)


@pytest.mark.parametrize("url", ["mysql://x", "sqlite-nope"])
async def test_bad_database_url_is_a_clear_error(url: str) -> None:
    from storage import open_repository

    with pytest.raises(ValueError, match="unsupported DATABASE_URL"):
        await open_repository(url)
