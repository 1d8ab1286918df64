"""Unproven callers get 401 and change nothing: no engine event, no stored team, no message, no reference.
The SDK's JwtTokenValidator does the checking, with FakeTeams' keys; these tests forge what an attacker can."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.core.events import ChannelRef, Tenant
from bot.core.ports import Repository
from tests.adapters.teams.conftest import ALICE, TENANT, Bot
from tests.fakes.fake_teams import APP_PASSWORD, FakeTeams, Team


async def assert_nothing_happened(bot: Bot, fake: FakeTeams, db: Repository, team: Team) -> None:
    assert bot.sink.handled == []
    assert await db.get_team(ChannelRef("teams", TENANT, team.team_id)) is None
    assert fake.messages == {} and fake.count("POST", "/v3/") == 0
    assert await db.get_installation(Tenant("teams", TENANT)) is None


def forged(fake: FakeTeams, **claims: Any) -> str:
    """A well-formed token signed with a key Teams never published."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    body = {
        "iss": "https://api.botframework.com",
        "aud": fake.app_id,
        "nbf": now - 60,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "attacker"})


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer a b",
        f"Bearer {APP_PASSWORD}",
    ],
)
async def test_unsigned_or_malformed_authorization_is_401(
    bot: Bot, fake: FakeTeams, db: Repository, team: Team, header: str | None
) -> None:
    status, body = await bot.send(fake.mention(team, team.team_id, ALICE, "setup"), authorization=header)
    assert status == 401 and "Traceback" not in str(body)
    await assert_nothing_happened(bot, fake, db, team)


async def test_a_token_signed_with_another_key_is_401(
    bot: Bot, fake: FakeTeams, db: Repository, team: Team
) -> None:
    token = forged(fake, kid=None)
    status, _ = await bot.send(
        fake.mention(team, team.team_id, ALICE, "setup"), authorization=f"Bearer {token}"
    )
    assert status == 401
    await assert_nothing_happened(bot, fake, db, team)


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-bot-app-id"},  # a token meant for another bot
        {"iss": "https://evil.example.com"},  # an issuer outside the allow-list
        {"exp": int(time.time()) - 3600, "nbf": int(time.time()) - 7200},  # expired (beyond the SDK's leeway)
        {"aud": None},  # no audience at all
    ],
)
async def test_a_genuinely_signed_but_wrong_token_is_401(
    bot: Bot, fake: FakeTeams, db: Repository, team: Team, claims: dict[str, Any]
) -> None:
    status, _ = await bot.send(fake.mention(team, team.team_id, ALICE, "setup"), **claims)
    assert status == 401
    await assert_nothing_happened(bot, fake, db, team)


async def test_alg_none_is_401(bot: Bot, fake: FakeTeams, db: Repository, team: Team) -> None:
    token = jwt.encode({"iss": "https://api.botframework.com", "aud": fake.app_id}, key="", algorithm="none")
    status, _ = await bot.send(
        fake.mention(team, team.team_id, ALICE, "setup"), authorization=f"Bearer {token}"
    )
    assert status == 401
    await assert_nothing_happened(bot, fake, db, team)


async def test_a_signed_but_malformed_body_is_a_4xx_without_side_effects(
    bot: Bot, fake: FakeTeams, db: Repository, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    for body in ({"type": "message"}, {"type": "message", "conversation": {"id": "x"}}, {"nonsense": [1, 2]}):
        status, reply = await bot.send(body)
        assert 400 <= status < 500 or status == 202, (body, status)
        assert "Traceback" not in str(reply)
    await assert_nothing_happened(bot, fake, db, team)


async def test_the_app_password_never_reaches_a_log_line(
    bot: Bot, fake: FakeTeams, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.command(team, team.team_id, ALICE, "setup time 09:30 tz UTC")
    fake.fail("POST", "/v3/conversations$", status=500, times=10)
    await bot.command(team, team.team_id, ALICE, "stats")
    assert caplog.records and APP_PASSWORD not in caplog.text
