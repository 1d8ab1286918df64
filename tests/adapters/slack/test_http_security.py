"""HTTP mode accepts only requests signed with the signing secret within five minutes; anything else is a 401
that changes nothing."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from bot.core.events import UserRef
from tests.adapters.slack.conftest import CHANNEL, TEAM, SlackWorld
from tests.fakes.fake_slack import sign

STALE = 10 * 60


def _requests(world: SlackWorld) -> list[tuple[str, dict[str, Any]]]:
    fake = world.fake
    return [
        ("slash_commands", fake.slash_command(TEAM, "UADMIN", CHANNEL, "setup")),
        (
            "events_api",
            fake.event_callback(TEAM, {"type": "team_join", "user": fake.workspaces[TEAM].users["UANN"]}),
        ),
        ("interactive", fake.block_actions(TEAM, "UANN", "respbot:quiz-next:0", "", channel_id=CHANNEL)),
    ]


@pytest.mark.parametrize(
    "forgery",
    [
        {"signed": False},
        {"secret": "not-the-signing-secret"},
        {"timestamp": int(time.time()) - STALE},
    ],
    ids=["unsigned", "wrong-secret", "stale"],
)
async def test_bad_signatures_are_rejected_without_side_effects(
    http_world: SlackWorld, forgery: dict[str, Any]
) -> None:
    fake = http_world.fake
    for kind, payload in _requests(http_world):
        status, _ = await fake.post_http(kind, payload, **forgery)
        assert status == 401, kind
    # Nothing reached the engine, the Web API or the database.
    assert http_world.events == []
    assert http_world.adapter.delivered == 0
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []
    assert fake.responses == []
    assert await http_world.repo.get_team(http_world.channel()) is None
    assert await http_world.repo.course_progress(UserRef("slack", TEAM, "UANN")) is None


async def test_a_properly_signed_request_is_accepted(http_world: SlackWorld) -> None:
    """The control for the test above: the same request, signed now with the right secret, works."""
    fake = http_world.fake
    (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup")
    assert reply.text.startswith("✅")
    assert await http_world.repo.get_team(http_world.channel()) is not None


async def test_a_tampered_body_is_rejected(http_world: SlackWorld) -> None:
    """A valid signature over different bytes: the body was changed in transit."""
    fake = http_world.fake
    assert fake.events_url is not None
    ts = str(int(time.time()))
    signature = sign(fake.signing_secret, ts, "text=help")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake.events_url,
            data="text=setup&team_id=T1&user_id=UADMIN&channel_id=C1&command=%2Fresponsibility",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            },
        ) as resp,
    ):
        assert resp.status == 401
    assert http_world.events == []
