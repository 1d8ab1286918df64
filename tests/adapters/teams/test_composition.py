"""The composition root builds the Teams adapter from TEAMS_* settings and mounts /api/messages on the bot's
own HTTP server, next to /healthz and /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.teams.adapter import TeamsAdapter, TeamsSetupError
from bot.app import Application, build_adapters
from bot.core.events import ChannelRef
from bot.core.ports import Repository
from tests.adapters.teams.conftest import ALICE, MONDAY, TENANT, settings_for
from tests.fakes.clock import FakeClock
from tests.fakes.fake_teams import FakeTeams, Team


def test_teams_is_built_when_its_app_id_is_set(fake: FakeTeams, db: Repository) -> None:
    (adapter,) = build_adapters(settings_for(fake), db)
    assert isinstance(adapter, TeamsAdapter) and adapter.platform == "teams"
    assert [r.path for r in adapter.http_routes()] == ["/api/messages"]


def test_an_app_id_without_secret_or_certificate_says_what_to_set(fake: FakeTeams, db: Repository) -> None:
    settings = settings_for(fake, teams_app_password=None)
    with pytest.raises(TeamsSetupError, match="TEAMS_APP_PASSWORD"):
        build_adapters(settings, db)
    assert settings_for(fake, teams_app_password=SecretStr("x")).teams_enabled


async def test_the_application_serves_the_messaging_endpoint(
    fake: FakeTeams, team: Team, tmp_path: Path
) -> None:
    settings = settings_for(
        fake,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        http_host="127.0.0.1",
        http_port=0,
        tick_seconds=300,
    )
    app = Application(settings, clock=FakeClock(MONDAY))
    await app.start()
    try:
        url = f"http://127.0.0.1:{app.port}/api/messages"
        status, _ = await fake.deliver(
            url, fake.mention(team, team.team_id, ALICE, "setup"), authorization=None
        )
        assert status == 401
        status, _ = await fake.deliver(
            url, fake.mention(team, team.team_id, ALICE, "setup time 09:30 tz UTC")
        )
        assert status == 202
        assert app.repo is not None
        assert await app.repo.get_team(ChannelRef("teams", TENANT, team.team_id)) is not None
    finally:
        await app.stop()
