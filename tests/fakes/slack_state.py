"""FakeSlack's state and setup: workspaces, users and channels, and the waiting tests do on them."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.slack_model import Call, Channel, Envelope, Response, SlackApiFailure, Upload, Workspace


class SlackState:
    """Everything the other parts of the fake read and change; no HTTP routes here."""

    def __init__(
        self,
        signing_secret: str = "fake-signing-secret",
        app_token: str = "xapp-1-fake-app-token",
        client_id: str = "1111.2222",
        client_secret: str = "fake-client-secret",
    ) -> None:
        self.signing_secret = signing_secret
        self.app_token = app_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.workspaces: dict[str, Workspace] = {}
        self.tokens: dict[str, str] = {}
        self.calls: list[Call] = []
        self.responses: list[Response] = []
        self.uploads: dict[str, Upload] = {}
        self.modals: dict[str, dict[str, Any]] = {}  # trigger id → the modal opened with it
        self.envelopes: list[Envelope] = []
        self.late_acks: list[str] = []
        self.http_deliveries: list[tuple[str, int, float]] = []  # (kind, status, seconds)
        self.socket_connections = 0
        #: The client end (host, port) of every TCP connection a Web API call or response_url reply came on.
        self.client_connections: set[tuple[str, int]] = set()
        self.events_url: str | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._rate_limits: dict[str, list[int]] = {}
        self._delays: dict[str, list[tuple[float, bool]]] = {}  # fault knob: slow(); (seconds, apply first)
        self._failures: dict[str, list[tuple[int, bool]]] = {}
        #: Methods whose injected failures answer with a text/plain body, as a proxy or load balancer does.
        self.plain_failures: set[str] = set()
        self._response_urls: dict[str, tuple[str, str, str]] = {}
        self._codes: dict[str, tuple[str, str]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def note_immediate_response(self, kind: str, payload: dict[str, Any], message: dict[str, Any]) -> None:
        """A slash command's ack that carries a message: Slack shows it to the person (ephemeral unless
        `response_type` says in_channel), as it would a POST to the command's response_url. An empty ack is
        only an acknowledgement; other kinds' ack bodies are not messages."""
        if kind != "slash_commands" or not (message.get("text") or message.get("blocks")):
            return
        rid = str(payload.get("response_url", "")).rsplit("/", 1)[-1]
        context = self._response_urls.get(rid)
        if context is not None:
            self.responses.append(Response(rid, *context, body=message, via="ack"))

    async def _touch(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait (without sleeping) until the fake's state satisfies `predicate`."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    def add_workspace(self, team_id: str, name: str = "", token: str | None = None) -> Workspace:
        ws = Workspace(
            team_id=team_id,
            name=name or team_id.lower(),
            token=token or f"xoxb-{team_id.lower()}-fake",
            bot_user_id=f"U{team_id}BOT",
            bot_id=f"B{team_id}",
        )
        self.workspaces[team_id] = ws
        self.tokens[ws.token] = team_id
        self.add_user(team_id, ws.bot_user_id, "respbot", is_bot=True)
        return ws

    def add_user(
        self,
        team_id: str,
        user_id: str,
        name: str = "",
        is_admin: bool = False,
        tz: str = "Europe/Berlin",
        is_bot: bool = False,
        is_owner: bool = False,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": (name or user_id).lower(),
            "real_name": name or user_id,
            "tz": tz,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": is_bot,
            "deleted": False,
            "profile": {"display_name": name or user_id, "real_name": name or user_id},
        }
        self.workspaces[team_id].users[user_id] = user
        return user

    def add_channel(
        self, team_id: str, channel_id: str, name: str, bot_member: bool = True, private: bool = False
    ) -> Channel:
        ws = self.workspaces[team_id]
        channel = Channel(channel_id, name, private, members={ws.bot_user_id} if bot_member else set())
        ws.channels[channel_id] = channel
        ws.messages.setdefault(channel_id, [])
        return channel

    def oauth_code(self, team_id: str, installer: str) -> str:
        """What Slack would put on the redirect after a person approves the install."""
        code = f"code-{uuid.uuid4().hex[:8]}"
        self._codes[code] = (team_id, installer)
        return code

    def calls_of(self, method: str, team_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (team_id is None or c.team_id == team_id)]

    def _ws(self, team_id: str | None) -> Workspace:
        if team_id is None or team_id not in self.workspaces or not self.workspaces[team_id].installed:
            raise SlackApiFailure("invalid_auth")
        return self.workspaces[team_id]

    def _channel(self, ws: Workspace, channel_id: str) -> Channel:
        """As Slack does: a private channel the bot is not in does not exist for it (`channel_not_found`)."""
        channel = ws.channels.get(channel_id)
        hidden = channel is not None and channel.is_private and channel.im_user is None
        if channel is None or (hidden and ws.bot_user_id not in channel.members):
            raise SlackApiFailure("channel_not_found")
        return channel

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"
