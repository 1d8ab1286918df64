"""A Slack world for adapter tests: FakeSlack + the real SlackAdapter (slack-bolt AsyncApp) + the engine.

The engine runs on a FakeClock; the adapter stamps events with the same clock. Socket Mode connects the
real AsyncSocketModeHandler to the fake's websocket; HTTP mode mounts `http_routes()` on the bot's own
aiohttp server (bot/http_server.py) and the fake sends signed requests to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.slack.adapter import SlackAdapter
from bot.config import Settings
from bot.core.engine import Engine, EngineConfig
from bot.core.events import ChannelRef, Event
from bot.core.messages import Card
from bot.core.model import Round
from bot.core.ports import Repository
from bot.http_server import HttpServer, build_app
from tests.fakes.clock import FakeClock
from tests.fakes.content import small_bundle
from tests.fakes.fake_slack import FakeSlack, Message, Workspace

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TEAM = "T1"
CHANNEL = "C1"
PEOPLE = ("UANN", "UBOB", "UCID", "UDAN", "UEVE")


@dataclass
class SlackWorld:
    fake: FakeSlack
    adapter: SlackAdapter
    engine: Engine
    clock: FakeClock
    repo: Repository
    mode: str
    http: HttpServer | None = None
    events: list[Event] = field(default_factory=list)

    async def sink(self, event: Event) -> Sequence[Card]:
        self.events.append(event)
        return await self.engine.handle(event)

    def ws(self, team: str = TEAM) -> Workspace:
        return self.fake.workspaces[team]

    def channel(self, channel: str = CHANNEL, team: str = TEAM) -> ChannelRef:
        return ChannelRef("slack", team, channel)

    def posts(self, channel: str = CHANNEL, team: str = TEAM) -> list[Message]:
        return self.ws(team).posts(channel)

    async def round_of(self, message: Message, team: str = TEAM) -> Round:
        rnd = await self.repo.round_for_post(self.channel(message.channel, team), message.ts)
        assert rnd is not None
        return rnd

    async def settle(self) -> None:
        """Wait for every listener bolt has started to finish (bolt acks first, then runs the listener in a
        task created before the ack is sent) — so a test can assert that something did *not* happen."""
        while True:
            running = [
                task
                for task in asyncio.all_tasks()
                if "run_ack_function_asynchronously" in getattr(task.get_coro(), "__qualname__", "")
                and not task.done()
            ]
            if not running:
                return
            await asyncio.wait(running, timeout=10)

    async def tick_at(self, when: datetime) -> None:
        self.clock.set(when)
        await self.engine.tick()


def populate(fake: FakeSlack, team: str = TEAM, channel: str = CHANNEL, prefix: str = "") -> Workspace:
    ws = fake.add_workspace(team, f"acme-{team.lower()}")
    fake.add_user(team, f"{prefix}UADMIN", "Ada Admin", is_admin=True)
    for uid in PEOPLE:
        fake.add_user(team, f"{prefix}{uid}", uid[1:].title())
    fake.add_channel(team, channel, "cloud-team")
    return ws


def slack_settings(fake: FakeSlack, mode: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_api_base_url": fake.api_url,
        "slack_signing_secret": fake.signing_secret,
        "slack_mode": mode,
    }
    if mode == "socket":
        values["slack_app_token"] = fake.app_token
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def oauth_settings(fake: FakeSlack) -> Settings:
    """HTTP mode with OAuth installs (many workspaces) against the fake's app credentials."""
    return slack_settings(
        fake,
        "http",
        slack_client_id=fake.client_id,
        slack_client_secret=fake.client_secret,
        slack_state_secret="a-long-random-state-secret",
    )


async def build_world(
    fake: FakeSlack, repo: Repository, mode: str, settings: Settings, clock: FakeClock | None = None
) -> SlackWorld:
    clock = clock or FakeClock(MONDAY)
    adapter = SlackAdapter.from_settings(settings, repo, clock=clock, post_interval=0, retry_pause=0)
    engine = Engine(repo, small_bundle(), clock, {"slack": adapter}, EngineConfig(seed=7))
    world = SlackWorld(fake, adapter, engine, clock, repo, mode)
    if adapter.http_routes():

        async def healthy() -> bool:
            return True

        world.http = HttpServer(build_app(adapter.http_routes(), healthy), "127.0.0.1", 0)
        port = await world.http.start()
        fake.events_url = f"http://127.0.0.1:{port}/slack/events"
    await adapter.start(world.sink)
    if mode == "socket":
        await fake.wait_until(lambda: fake.socket_connected)
    return world


async def close_world(world: SlackWorld) -> None:
    await world.adapter.stop()
    if world.http is not None:
        await world.http.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    try:
        yield server
    finally:
        await server.stop()
        assert server.late_acks == [], "an ack missed Slack's 3-second deadline"


@pytest.fixture
def slack_repo(sqlite_repo: Repository) -> Repository:
    """The shared SQLite repository fixture (tests/conftest.py) under this suite's name."""
    return sqlite_repo


async def _world(fake: FakeSlack, repo: Repository, mode: str) -> AsyncIterator[SlackWorld]:
    ws = populate(fake)
    world = await build_world(fake, repo, mode, slack_settings(fake, mode, slack_bot_token=ws.token))
    try:
        yield world
    finally:
        await close_world(world)


@pytest.fixture(params=["socket", "http"])
async def world(
    request: pytest.FixtureRequest, fake: FakeSlack, slack_repo: Repository
) -> AsyncIterator[SlackWorld]:
    """A single-workspace bot (SLACK_BOT_TOKEN) in each mode."""
    async for w in _world(fake, slack_repo, request.param):
        yield w


@pytest.fixture
async def socket_world(fake: FakeSlack, slack_repo: Repository) -> AsyncIterator[SlackWorld]:
    async for w in _world(fake, slack_repo, "socket"):
        yield w


@pytest.fixture
async def http_world(fake: FakeSlack, slack_repo: Repository) -> AsyncIterator[SlackWorld]:
    async for w in _world(fake, slack_repo, "http"):
        yield w
