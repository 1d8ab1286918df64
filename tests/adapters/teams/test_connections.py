"""Outbound calls to Teams reuse kept connections (bot/adapters/teams/sessions.py): a day's posts, card
redraws, private replies and Graph reads don't each open a new TCP (in production TLS) connection, and the
adapter closes them when it stops."""

from __future__ import annotations

import aiohttp
import pytest

from bot.adapters.teams import sessions
from bot.core.ports import Repository
from tests.adapters.teams.conftest import ALICE, BOB, CAROL, MONDAY, TENANT, set_up, start_bot, stop_bot
from tests.fakes.fake_teams import FakeTeams


async def test_a_days_calls_share_kept_connections_closed_on_stop(fake: FakeTeams, db: Repository) -> None:
    team = fake.add_team(TENANT, "Platform", owners=(ALICE,), members=(BOB, CAROL))
    bot = await start_bot(fake, db)
    try:
        channel = await set_up(bot, team)
        await bot.tick(MONDAY.replace(hour=9, minute=30))
        (post,) = fake.posts(channel)
        for person in (BOB, CAROL):
            await bot.press(post, "AWS", person, team)
        await bot.tick(MONDAY.replace(hour=13, minute=30))
        for person in (ALICE, BOB, CAROL):
            await bot.command(team, channel, person, "leaderboard week")
        sessions = bot.adapter.connections
        assert sessions.open_sessions == 2  # the service URL's, and Graph's (the owners, for `setup`)
    finally:
        await stop_bot(bot)
    assert sessions.open_sessions == 0
    connector_calls = [p for _, p in fake.requests if p.startswith("/v3/")]
    assert len(connector_calls) >= 8
    assert len(fake.client_connections["v3"]) <= 2, (
        fake.client_connections
    )  # one each before: a new session per call


async def test_service_urls_past_the_limit_get_a_session_of_their_own_closed_after_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sessions, "SERVICE_URLS", 1)
    kept = sessions.TeamsSessions(aiohttp.ClientTimeout(total=5))
    async with kept.service("https://smba.example/amer/") as first:
        pass
    async with kept.service("https://smba.example/emea/") as once:
        assert once is not first and not once.closed
    assert once.closed and not first.closed
    async with kept.service("https://smba.example/amer/") as again:
        assert again is first
    await kept.close()
    assert first.closed and kept.open_sessions == 0


async def test_calls_after_the_stop_get_a_session_each_and_leave_nothing_open() -> None:
    kept = sessions.TeamsSessions(aiohttp.ClientTimeout(total=5))
    async with kept.service("https://smba.example/amer/") as first, kept.graph() as graph:
        pass
    await kept.close()  # the adapter stopped; a turn still under way makes one more call
    async with kept.service("https://smba.example/amer/") as late, kept.graph() as late_graph:
        assert late is not first and late_graph is not graph
    assert late.closed and late_graph.closed and kept.open_sessions == 0
    kept.reopen()
    async with kept.service("https://smba.example/amer/") as again:
        pass
    assert not again.closed and kept.open_sessions == 1
    await kept.close()
