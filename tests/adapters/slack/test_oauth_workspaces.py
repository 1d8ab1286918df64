"""Many workspaces: installed through bolt's OAuth flow (installations in our Repository), each served with
its own token, and never seeing each other's data — even when the same user id appears in both."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.adapters.slack.adapter import SCOPES
from bot.adapters.slack.translate import PARTY_REACTION
from bot.core.events import Tenant
from bot.core.ports import Repository
from content.schema import Party
from tests.adapters.slack.conftest import (
    MONDAY,
    SlackWorld,
    build_world,
    close_world,
    oauth_settings,
    populate,
)
from tests.fakes.fake_slack import FakeSlack

# slack_sdk passes the client credentials of oauth.v2.access as aiohttp.BasicAuth, which aiohttp deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}


@pytest.fixture
async def oauth_world(fake: FakeSlack, slack_repo: Repository) -> AsyncIterator[SlackWorld]:
    populate(fake, "T1", "C1")
    populate(fake, "T2", "C2")
    for ws in fake.workspaces.values():
        ws.installed = False  # nobody has installed the app yet
    world = await build_world(fake, slack_repo, "http", oauth_settings(fake))
    try:
        yield world
    finally:
        await close_world(world)


def _base(world: SlackWorld) -> str:
    assert world.fake.events_url is not None
    return world.fake.events_url.removesuffix("/slack/events")


async def install(world: SlackWorld, team: str, installer: str = "UADMIN") -> None:
    """What a person does: open /slack/install, approve on Slack, come back to /slack/oauth_redirect."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{_base(world)}/slack/install", allow_redirects=False) as resp:
            assert resp.status == 302
            location = resp.headers["Location"]
            cookie = resp.headers["Set-Cookie"].split(";", 1)[0]
        assert location.startswith(f"{world.fake.url}/oauth/v2/authorize?")
        query = parse_qs(urlsplit(location).query)
        assert set(query["scope"][0].split(",")) == set(SCOPES)
        code = world.fake.oauth_code(team, installer)
        async with session.get(
            f"{_base(world)}/slack/oauth_redirect",
            params={"code": code, "state": query["state"][0]},
            headers={"Cookie": cookie},
        ) as resp:
            assert resp.status == 200, await resp.text()


async def test_two_workspaces_never_see_each_others_data(oauth_world: SlackWorld) -> None:
    world, fake, repo = oauth_world, oauth_world.fake, oauth_world.repo
    await install(world, "T1")
    await install(world, "T2")
    for team in ("T1", "T2"):
        assert await repo.get_installation(Tenant("slack", team)) is not None

    # Each admin sets up their own channel; the same person id exists in both workspaces.
    for team, channel in (("T1", "C1"), ("T2", "C2")):
        (reply,) = await fake.command(team, "UADMIN", channel, "setup time 09:30 tz UTC window 4h")
        assert reply.text.startswith("✅")
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (p1,) = world.posts("C1", "T1")
    (p2,) = world.posts("C2", "T2")
    # Every call for a workspace used that workspace's own token.
    for call in fake.calls_of("chat.postMessage"):
        assert call.params["channel"] == {"T1": "C1", "T2": "C2"}[str(call.team_id)]

    a1 = world.engine.content.scenarios[(await world.round_of(p1, "T1")).scenario_id].answer
    a2 = world.engine.content.scenarios[(await world.round_of(p2, "T2")).scenario_id].answer
    await fake.react("T1", "UANN", "C1", p1.ts, PARTY_REACTION[a1])  # right in T1
    await fake.react("T2", "UANN", "C2", p2.ts, PARTY_REACTION[WRONG[a2]])  # wrong in T2
    await fake.react("T2", "UBOB", "C2", p2.ts, PARTY_REACTION[a2])
    await world.settle()
    await world.tick_at(MONDAY.replace(hour=13, minute=30))
    assert len(world.ws("T1").replies("C1", p1.ts)) == 1 and len(world.ws("T2").replies("C2", p2.ts)) == 1

    ann_t1 = await repo.person_totals(Tenant("slack", "T1"), "UANN")
    ann_t2 = await repo.person_totals(Tenant("slack", "T2"), "UANN")
    assert (ann_t1.points, ann_t1.answered) == (10, 1)
    assert (ann_t2.points, ann_t2.answered) == (0, 1)
    assert (await repo.person_totals(Tenant("slack", "T1"), "UBOB")).answered == 0

    (b1,) = await fake.command("T1", "UANN", "C1", "leaderboard week")
    (b2,) = await fake.command("T2", "UANN", "C2", "leaderboard week")
    assert "Bob" not in str(b1.body["blocks"]) and "*10* pts" in str(b1.body["blocks"])
    assert "Bob" in str(b2.body["blocks"])

    # The export of T1 holds T1 only, and goes to the admin's DM in T1 (never a channel).
    (notice,) = await fake.command("T1", "UADMIN", "C1", "export week")
    assert "direct messages" in notice.text
    (upload,) = fake.uploads.values()
    assert upload.channel == "DUADMIN" and upload.filename.endswith(".csv")
    (complete,) = fake.calls_of("files.completeUploadExternal")
    assert complete.team_id == "T1"
    rows = list(csv.DictReader(io.StringIO(upload.content.decode())))
    assert [(r["person_id"], r["points"]) for r in rows] == [("UANN", "10")]

    # App Home in T2 shows T2's numbers.
    await fake.send_event(
        "T2", {"type": "app_home_opened", "user": "UANN", "channel": "DUANN", "tab": "home"}
    )
    await fake.wait_until(lambda: "UANN" in world.ws("T2").views)
    assert "UANN" not in world.ws("T1").views
    (view,) = world.ws("T2").views["UANN"]
    stats = next(b for b in view["blocks"] if b.get("fields"))
    assert "*Points*\n0" in [f["text"] for f in stats["fields"]]


async def test_a_forged_oauth_callback_installs_nothing(oauth_world: SlackWorld) -> None:
    code = oauth_world.fake.oauth_code("T1", "UADMIN")
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{_base(oauth_world)}/slack/oauth_redirect",
            params={"code": code, "state": "1700000000.forged.signature"},
            headers={"Cookie": "slack-app-oauth-state=1700000000.forged.signature"},
        ) as resp,
    ):
        assert resp.status in (400, 401)
    assert await oauth_world.repo.get_installation(Tenant("slack", "T1")) is None
    assert oauth_world.fake.calls_of("oauth.v2.access") == []


async def test_events_from_a_workspace_without_an_installation_are_refused(oauth_world: SlackWorld) -> None:
    fake = oauth_world.fake
    await install(oauth_world, "T1")
    payload = fake.slash_command("T2", "UADMIN", "C2", "setup")
    await fake.post_http("slash_commands", payload)
    # bolt tells the person to reinstall, and nothing reaches the engine
    await fake.wait_until(lambda: len(fake.responses_to(payload["response_url"])) == 1)
    assert "reinstall" in fake.responses_to(payload["response_url"])[0].text
    await oauth_world.settle()
    assert oauth_world.events == []
    assert await oauth_world.repo.teams_of(Tenant("slack", "T2")) == []


async def test_uninstalling_forgets_the_token(oauth_world: SlackWorld) -> None:
    fake = oauth_world.fake
    await install(oauth_world, "T1")
    await fake.send_event("T1", {"type": "app_uninstalled"})
    await oauth_world.settle()
    assert await oauth_world.repo.get_installation(Tenant("slack", "T1")) is None
