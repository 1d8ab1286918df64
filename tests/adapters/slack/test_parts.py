"""The adapter's small parts: pacing, the OAuth state, the installation store, settings and the manifest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.adapters.slack.adapter import SCOPES, SlackAdapter, SlackSetupError, authorize_url, resolve_mode
from bot.adapters.slack.client import IdempotentServerErrorRetryHandler
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.oauth_state import SignedStateStore
from bot.adapters.slack.pacing import ChannelPacer
from bot.config import Settings
from bot.core.events import Tenant
from bot.core.ports import Repository

MANIFEST = Path(__file__).parents[3] / "bot" / "adapters" / "slack" / "manifest.yml"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


async def test_posts_to_one_channel_are_paced_and_serialised() -> None:
    clock = FakeTime()
    pacer = ChannelPacer(1.0, clock.monotonic, clock.sleep)
    order: list[str] = []

    async def post(channel: str, name: str) -> None:
        async with pacer.turn(channel):
            order.append(f"start {name}")
            await asyncio.sleep(0)  # another task gets a chance to interleave, and must not
            order.append(f"end {name}")

    await asyncio.gather(post("C1", "a"), post("C1", "b"), post("C2", "c"))
    assert order.index("end a") < order.index("start b")
    assert clock.slept == [1.0]  # only the second post to C1 waited; C2 is another channel
    clock.now += 5
    await post("C1", "d")
    assert clock.slept == [1.0]  # long enough since the last one


async def test_the_oauth_state_is_signed_and_expires() -> None:
    now = [1_000_000.0]
    store = SignedStateStore("secret", expiration_seconds=600, now=lambda: now[0])
    state = await store.async_issue()
    assert await store.async_consume(state)
    assert not await store.async_consume(state.replace(state[-4:], "AAAA"))
    assert not await SignedStateStore("other-secret", now=lambda: now[0]).async_consume(state)
    assert not await store.async_consume("garbage")
    now[0] += 601
    assert not await store.async_consume(state)
    with pytest.raises(ValueError):
        SignedStateStore("")


async def test_installations_round_trip_through_the_repository(sqlite_repo: Repository) -> None:
    store = RepositoryInstallationStore(sqlite_repo, now=lambda: datetime(2026, 11, 30, tzinfo=UTC))
    installation = Installation(
        app_id="A1",
        team_id="T1",
        team_name="Acme",
        bot_token="xoxb-t1",
        bot_id="B1",
        bot_user_id="UB1",
        bot_scopes=list(SCOPES),
        user_id="UADMIN",
    )
    await store.async_save(installation)
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and (bot.bot_token, bot.bot_user_id, bot.team_id) == ("xoxb-t1", "UB1", "T1")
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_id == "UADMIN" and found.bot_scopes == list(SCOPES)
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    assert await sqlite_repo.get_installation(Tenant("slack", "T2")) is None
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_mode_and_setup_errors(sqlite_repo: Repository) -> None:
    assert resolve_mode(settings(slack_app_token="xapp-1")) == "socket"
    assert resolve_mode(settings()) == "http"
    assert resolve_mode(settings(slack_mode="http", slack_app_token="xapp-1")) == "http"
    assert authorize_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    with pytest.raises(SlackSetupError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter.from_settings(
            settings(slack_bot_token="xoxb-secret-value", slack_mode="http"), sqlite_repo
        )
    with pytest.raises(SlackSetupError, match="SLACK_APP_TOKEN") as caught:
        SlackAdapter.from_settings(
            settings(slack_bot_token="xoxb-secret-value", slack_mode="socket"), sqlite_repo
        )
    assert "xoxb-secret-value" not in str(caught.value)
    oauth = SlackAdapter.from_settings(
        settings(slack_client_id="1.2", slack_client_secret="s", slack_signing_secret="x"), sqlite_repo
    )
    assert sorted(r.path for r in oauth.http_routes()) == [
        "/slack/events",
        "/slack/install",
        "/slack/oauth_redirect",
    ]


def test_server_errors_are_not_retried_blindly_on_posts() -> None:
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    handler = IdempotentServerErrorRetryHandler()

    def can_retry(method: str) -> bool:
        request = HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})
        response = HttpResponse(status_code=500, headers={}, data=b"")
        return asyncio.run(handler._can_retry_async(state=RetryState(), request=request, response=response))

    assert not can_retry("chat.postMessage")
    assert can_retry("conversations.history") and can_retry("reactions.add")


def test_the_manifest_asks_for_exactly_what_the_adapter_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(SCOPES)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/responsibility"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    adapter_source = (MANIFEST.parent / "listeners.py").read_text()  # where the listeners are registered
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert f'app.event("{event}")' in adapter_source, event
    assert len(manifest["display_information"]["long_description"]) >= 175
