"""One HTTP session per process: Web API calls and response_url replies share keep-alive connections, and
the session is closed on stop. In OAuth mode bolt's authorize keeps its auth.test answer per token (and the
store its installations), and an uninstall drops both at once (so the workspace is refused, and a later
install of it is checked again)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.authorize import BotTokenAuthorize
from bot.adapters.slack.client import web_client
from bot.core.events import Tenant
from bot.core.ports import Repository
from tests.adapters.slack.conftest import (
    PEOPLE,
    SlackWorld,
    build_world,
    close_world,
    oauth_settings,
    populate,
    slack_settings,
)
from tests.adapters.slack.test_oauth_workspaces import install
from tests.fakes.fake_slack import FakeSlack

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


async def single_workspace(fake: FakeSlack, repo: Repository) -> SlackWorld:
    """HTTP mode with SLACK_BOT_TOKEN: one workspace (T1), its people and channel C1."""
    ws = populate(fake)
    return await build_world(fake, repo, "http", slack_settings(fake, "http", slack_bot_token=ws.token))


async def test_calls_and_replies_share_one_connection_and_the_session_closes_on_stop(
    fake: FakeSlack, slack_repo: Repository
) -> None:
    world = await single_workspace(fake, slack_repo)
    world.adapter.listeners.in_ack_within = None  # every answer on its response_url, none in the ack
    try:
        for uid in PEOPLE:  # one users.info call and one response_url reply each, one after another
            (reply,) = await fake.command("T1", uid, "C1", "help")
            assert "Commands" in reply.text
        session = world.adapter.directory.session
        assert session is not None and not session.closed
    finally:
        await close_world(world)
    calls = [c for c in fake.calls if c.method == "users.info"]
    assert len(calls) == len(PEOPLE) and [r.via for r in fake.responses] == ["response_url"] * len(PEOPLE)
    # 1 auth.test + 5 users.info + 5 replies, one at a time: keep-alive carries them all on one connection
    # (slack_sdk alone would open a new one for each).
    assert len(fake.client_connections) == 1, fake.client_connections
    assert session.closed
    assert world.adapter.directory.session is None


@pytest.fixture
async def oauth_world(fake: FakeSlack, slack_repo: Repository) -> AsyncIterator[SlackWorld]:
    populate(fake, "T1", "C1")
    fake.workspaces["T1"].installed = False
    world = await build_world(fake, slack_repo, "http", oauth_settings(fake))
    try:
        yield world
    finally:
        await close_world(world)


async def test_oauth_authorize_caches_auth_test_and_an_uninstall_drops_it(oauth_world: SlackWorld) -> None:
    fake, adapter = oauth_world.fake, oauth_world.adapter
    assert adapter.authorize is not None
    await install(oauth_world, "T1")
    before = len(fake.calls_of("auth.test"))
    for uid in PEOPLE:
        await fake.command("T1", uid, "C1", "help")
    # Bolt authorizes each of the five requests before its ack: one auth.test, then the cached answer.
    assert len(fake.calls_of("auth.test")) == before + 1
    assert [r.team_id for r in adapter.authorize.authorize_result_cache.values()] == ["T1"]

    await fake.send_event("T1", {"type": "app_uninstalled"})
    await oauth_world.settle()
    assert await oauth_world.repo.get_installation(Tenant("slack", "T1")) is None
    assert adapter.authorize.authorize_result_cache == {}
    payload = fake.slash_command("T1", "UANN", "C1", "help")  # refused at once, not served from a cache
    await fake.post_http("slash_commands", payload)
    await fake.wait_until(lambda: len(fake.responses_to(payload["response_url"])) == 1)
    assert "reinstall" in fake.responses_to(payload["response_url"])[0].text

    await install(oauth_world, "T1")  # installed again (the same token, in the fake): checked again
    before = len(fake.calls_of("auth.test"))
    await fake.command("T1", "UANN", "C1", "help")
    assert len(fake.calls_of("auth.test")) == before + 1


async def test_people_asking_at_the_same_moment_share_one_users_info(
    fake: FakeSlack, slack_repo: Repository
) -> None:
    world = await single_workspace(fake, slack_repo)
    try:
        directory = world.adapter.directory
        people = await asyncio.gather(*(directory.person("T1", uid) for uid in PEOPLE * 10))
        assert {p.display_name for p in people} == {uid[1:].title() for uid in PEOPLE}
    finally:
        await close_world(world)
    assert sorted(c.params["user"] for c in fake.calls_of("users.info")) == sorted(PEOPLE)


async def test_requests_of_a_workspace_arriving_together_share_one_authorize(oauth_world: SlackWorld) -> None:
    fake, adapter = oauth_world.fake, oauth_world.adapter
    assert adapter.authorize is not None
    await install(oauth_world, "T1")
    before = len(fake.calls_of("auth.test"))
    fake.slow("auth.test", 0.5)  # the first answer is late: every request has looked the install up by then
    context = AsyncBoltContext(client=adapter.app.client)
    results = await asyncio.gather(
        *(
            adapter.authorize(context=context, enterprise_id=None, team_id="T1", user_id=uid)
            for uid in PEOPLE * 4
        )
    )
    assert {r.team_id for r in results if r is not None} == {"T1"} and None not in results
    assert len(fake.calls_of("auth.test")) == before + 1


async def test_a_burst_right_after_start_is_authorized_with_the_start_up_auth_test(
    fake: FakeSlack, slack_repo: Repository
) -> None:
    world = await single_workspace(fake, slack_repo)
    try:
        assert len(fake.calls_of("auth.test")) == 1  # the adapter's own, at start-up
        replies = await asyncio.gather(*(fake.command("T1", uid, "C1", "help") for uid in PEOPLE * 2))
        assert all("Commands" in reply.text for (reply,) in replies)
    finally:
        await close_world(world)
    assert (
        len(fake.calls_of("auth.test")) == 1
    )  # bolt's single-team authorize would ask again, once per request


async def test_a_request_before_start_up_asks_once_for_all_and_a_refused_token_is_asked_again(
    fake: FakeSlack,
) -> None:
    ws = populate(fake)
    async with aiohttp.ClientSession() as session:
        authorize = BotTokenAuthorize(web_client(fake.api_url, ws.token, 0, session))
        context = AsyncBoltContext()
        fake.fail("auth.test", status=200)  # Slack's {"ok": false}: the request is refused, nothing is kept
        with pytest.raises(SlackApiError):
            await authorize(context=context, enterprise_id=None, team_id="T1", user_id="UANN")
        results = await asyncio.gather(
            *(authorize(context=context, enterprise_id=None, team_id="T1", user_id=u) for u in PEOPLE)
        )
    assert {(r.team_id, r.bot_token, r.bot_user_id) for r in results if r is not None} == {
        ("T1", ws.token, ws.bot_user_id)
    }
    assert len(fake.calls_of("auth.test")) == 2  # the refused one, then one shared by five


async def test_a_documented_configuration_starts_without_bolt_warnings(
    fake: FakeSlack, slack_repo: Repository, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = populate(fake)
    monkeypatch.setenv("SLACK_BOT_TOKEN", ws.token)  # bolt reads it too, and says it is "unused"
    world = await build_world(
        fake, slack_repo, "http", slack_settings(fake, "http", slack_bot_token=ws.token)
    )
    await close_world(world)
    bolt = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("slack_bolt") and r.levelno >= logging.WARNING
    ]
    assert bolt == []
