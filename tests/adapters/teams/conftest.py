"""A real TeamsAdapter (Microsoft 365 Agents SDK) on the bot's own HTTP server, wired to an engine with a
FakeClock, talking to a FakeTeams over real sockets: the SDK's JWT validation takes its keys from the fake,
and outbound tokens come from the fake's token endpoint (settings point there; nothing leaves 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.teams.adapter import TeamsAdapter
from bot.config import Settings
from bot.core.engine import Engine, EngineConfig
from bot.core.events import Event
from bot.core.messages import Card
from bot.core.ports import Repository
from bot.http_server import HttpServer, build_app
from tests.fakes.clock import FakeClock
from tests.fakes.content import small_bundle
from tests.fakes.fake_teams import APP_ID, APP_PASSWORD, FakeTeams, Message, Person, Team

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TENANT = "11111111-1111-4111-8111-111111111111"
OTHER_TENANT = "22222222-2222-4222-8222-222222222222"
ALICE = Person("29:alice", "aad-alice", "Alice")
BOB = Person("29:bob", "aad-bob", "Bob")
CAROL = Person("29:carol", "aad-carol", "Carol")
DAVE = Person("29:dave", "aad-dave", "Dave")


@dataclass
class RecordingSink:
    engine: Engine
    handled: list[tuple[Event, Sequence[Card]]] = field(default_factory=list)

    async def __call__(self, event: Event) -> Sequence[Card]:
        cards = await self.engine.handle(event)
        self.handled.append((event, cards))
        return cards

    def of(self, kind: type) -> list[Any]:
        return [e for e, _ in self.handled if isinstance(e, kind)]


@dataclass
class Bot:
    fake: FakeTeams
    repo: Repository
    clock: FakeClock
    engine: Engine
    adapter: TeamsAdapter
    sink: RecordingSink
    http: HttpServer
    url: str

    async def send(self, activity: dict[str, Any], **kwargs: Any) -> tuple[int, Any]:
        """Deliver an activity and wait for the bot's background redraws, so assertions see them."""
        result = await self.fake.deliver(self.url, activity, **kwargs)
        await self.adapter.idle()
        return result

    async def command(self, team: Team, channel: str, person: Person, text: str) -> tuple[int, Any]:
        return await self.send(self.fake.mention(team, channel, person, text))

    async def press(self, message: Message, title: str, person: Person, team: Team | None) -> str:
        """Press a button; the private reply Teams shows the presser."""
        status, body = await self.send(self.fake.press_button(message, title, person, team))
        assert status == 200, body
        assert body["type"] == "application/vnd.microsoft.activity.message"
        return str(body["value"])

    async def tick(self, at: datetime) -> None:
        self.clock.set(at)
        await self.engine.tick()
        await self.adapter.idle()


def settings_for(fake: FakeTeams, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "teams_app_id": APP_ID,
        "teams_app_password": SecretStr(APP_PASSWORD),
        "teams_openid_metadata_url": fake.metadata_url,
        "teams_token_url": fake.token_url,
        "teams_graph_url": fake.graph_url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def start_bot(
    fake: FakeTeams, repo: Repository, clock: FakeClock | None = None, **overrides: Any
) -> Bot:
    clock = clock or FakeClock(MONDAY)
    adapter = TeamsAdapter.from_settings(settings_for(fake, **overrides), repo, clock=clock, retry_pause=0)
    engine = Engine(repo, small_bundle(), clock, {"teams": adapter}, EngineConfig(seed=7))
    sink = RecordingSink(engine)

    async def healthy() -> bool:
        return True

    http = HttpServer(build_app(adapter.http_routes(), healthy), "127.0.0.1", 0)
    port = await http.start()
    await adapter.start(sink)
    return Bot(fake, repo, clock, engine, adapter, sink, http, f"http://127.0.0.1:{port}/api/messages")


async def stop_bot(bot: Bot) -> None:
    await bot.adapter.stop()
    await bot.http.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    server = await FakeTeams().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def db(sqlite_repo: Repository) -> Repository:
    return sqlite_repo


@pytest.fixture
async def bot(fake: FakeTeams, db: Repository) -> AsyncIterator[Bot]:
    running = await start_bot(fake, db)
    try:
        yield running
    finally:
        await stop_bot(running)


@pytest.fixture
def team(fake: FakeTeams) -> Team:
    return fake.add_team(TENANT, "Platform", owners=(ALICE,), members=(BOB, CAROL))


async def set_up(bot: Bot, team: Team, extra: str = "") -> str:
    """An owner sets the challenge up in the team's General channel; returns the channel id."""
    status, _ = await bot.command(
        team, team.team_id, ALICE, f"setup time 09:30 tz UTC window 4h {extra}".strip()
    )
    assert status in (200, 202)
    return team.team_id
