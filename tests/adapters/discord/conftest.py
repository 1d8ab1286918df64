"""A real DiscordAdapter (discord.py) wired to an engine with a FakeClock, talking to a FakeDiscord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.discord.adapter import DiscordAdapter
from bot.core.engine import Engine, EngineConfig
from bot.core.events import Event
from bot.core.messages import Card
from bot.core.ports import Repository
from tests.fakes.clock import FakeClock
from tests.fakes.content import small_bundle
from tests.fakes.fake_discord import FakeDiscord

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass
class RecordingSink:
    """Wraps engine.handle: records every event and lets a test wait until the engine has handled some."""

    engine: Engine
    handled: list[tuple[Event, Sequence[Card]]] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __call__(self, event: Event) -> Sequence[Card]:
        cards = await self.engine.handle(event)
        async with self._changed:
            self.handled.append((event, cards))
            self._changed.notify_all()
        return cards

    def of(self, kind: type) -> list[Any]:
        return [e for e, _ in self.handled if isinstance(e, kind)]

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)


@dataclass
class Bot:
    fake: FakeDiscord
    repo: Repository
    clock: FakeClock
    engine: Engine
    adapter: DiscordAdapter
    sink: RecordingSink


def make_adapter(
    fake: FakeDiscord, clock: FakeClock, token: str | None = None, **overrides: Any
) -> DiscordAdapter:
    options: dict[str, Any] = {
        "api_base_url": fake.rest_url,
        "gateway_url": fake.gateway_url,
        "clock": clock,
        "identify_delay": 0.0,
        "guild_ready_timeout": 0.01,
        "connect_timeout": 10.0,
        "admin_role": "Respbot Admin",
    }
    options.update(overrides)
    return DiscordAdapter(SecretStr(token or fake.token), **options)


async def start_bot(
    fake: FakeDiscord, repo: Repository, clock: FakeClock | None = None, **overrides: Any
) -> Bot:
    clock = clock or FakeClock(MONDAY)
    adapter = make_adapter(fake, clock, **overrides)
    engine = Engine(repo, small_bundle(), clock, {"discord": adapter}, EngineConfig(seed=7))
    sink = RecordingSink(engine)
    await adapter.start(sink)
    return Bot(fake, repo, clock, engine, adapter, sink)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def db(sqlite_repo: Repository) -> Repository:
    """The shared SQLite repository fixture (tests/conftest.py) under this suite's name."""
    return sqlite_repo
