"""FakeSlack: a local stand-in for Slack that the real slack-bolt app talks to over real sockets.

One aiohttp server on 127.0.0.1 (port 0) serves:
- the Web API methods the bot calls (`/api/<method>`), over in-memory state for any number of workspaces
  (each bot token maps to its workspace), validating Block Kit limits like Slack does;
- 429 with Retry-After, or 5xx (optionally after applying the call), on demand;
- response_url endpoints (`/respond/<id>`), the files upload v2 upload URL (`/upload/<file id>`);
- a Socket Mode websocket (`/socket`) that says `hello`, pushes envelopes, checks acks arrive within 3 s
  and can send `disconnect`;
- helpers that sign and send HTTP-mode requests (v0 HMAC with the signing secret);
- `/_control/*` endpoints so a person can drive it by hand (`python -m tests.fakes.fake_slack`).

Tests assert on what the fake received (`calls`, `messages`, `ephemerals`, `responses`, `uploads`, `views`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ACK_DEADLINE = 3.0
MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100


@dataclass
class Message:
    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    reactions: dict[str, list[str]] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)  # a file shared into a thread

    def as_api(self, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.files:
            out["files"] = self.files
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        if self.reactions:
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
                if users
            ]
        return out


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]


@dataclass
class Upload:
    file_id: str
    filename: str
    content: bytes = b""
    title: str = ""
    channel: str | None = None
    initial_comment: str = ""
    thread_ts: str | None = None


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    members: set[str] = field(default_factory=set)
    im_user: str | None = None


@dataclass
class Workspace:
    team_id: str
    name: str
    token: str
    bot_user_id: str
    bot_id: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, list[Message]] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    views: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    installed: bool = True

    def posts(self, channel: str) -> list[Message]:
        """Top-level messages of a channel, oldest first."""
        return [m for m in self.messages.get(channel, []) if m.thread_ts in (None, m.ts) or m.reply_broadcast]

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        return [m for m in self.messages.get(channel, []) if m.thread_ts == thread_ts and m.ts != thread_ts]

    def message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def dm_of(self, user_id: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.im_user == user_id), None)


@dataclass
class Call:
    method: str
    team_id: str | None
    params: dict[str, Any]
    status: int


@dataclass
class Response:
    """A POST to a response_url (what `respond()` sends)."""

    rid: str
    team_id: str
    user_id: str
    channel_id: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("text", ""))


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    sent_at: float
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None


class SlackApiFailure(Exception):
    def __init__(self, error: str, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


def sign(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def validate_blocks(blocks: list[dict[str, Any]], limit: int) -> str | None:
    """Slack's own limits: a violation is an `invalid_blocks` error, as from the real API."""
    if len(blocks) > limit:
        return f"too many blocks ({len(blocks)} > {limit})"
    action_ids: set[str] = set()
    for block in blocks:
        kind = block.get("type")
        text = block.get("text") or {}
        if kind == "header" and (text.get("type") != "plain_text" or len(text.get("text", "")) > 150):
            return "header text must be plain_text of at most 150 characters"
        if kind == "section":
            if text and not 0 < len(text.get("text", "")) <= 3000:
                return "section text must be 1-3000 characters"
            block_fields = block.get("fields") or []
            if len(block_fields) > 10 or any(len(f.get("text", "")) > 2000 for f in block_fields):
                return "section fields: at most 10 of at most 2000 characters"
            if not text and not block_fields:
                return "a section needs text or fields"
        if kind == "context":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 10:
                return "context needs 1-10 elements"
        if kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                return "actions needs 1-25 elements"
            for element in elements:
                label = (element.get("text") or {}).get("text", "")
                if not 0 < len(label) <= 75:
                    return "button text must be 1-75 characters"
                if len(element.get("value", "")) > 2000:
                    return "button value over 2000 characters"
                aid = element.get("action_id", "")
                if not aid or len(aid) > 255 or aid in action_ids:
                    return "action_id missing, too long or not unique"
                action_ids.add(aid)
    return None


def _as_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        return json.loads(value)
    return value


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


class FakeSlack:
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

    # Server -------------------------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeSlack:
        app = web.Application(client_max_size=16 * 1024 * 1024, middlewares=[self._note_connection])
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/respond/{rid}", self._respond),
                web.post("/upload/{file_id}", self._upload),
                web.get("/socket", self._socket),
                web.get("/oauth/v2/authorize", self._authorize_page),
                web.post("/_control/command", self._control_command),
                web.post("/_control/react", self._control_react),
                web.get("/_control/state", self._control_state),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])
        return self

    @web.middleware
    async def _note_connection(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(("/api/", "/respond/")) and request.transport is not None:
            peer = request.transport.get_extra_info("peername")
            if peer:
                self.client_connections.add((str(peer[0]), int(peer[1])))
        return await handler(request)

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def _touch(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait (without sleeping) until the fake's state satisfies `predicate`."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    # State setup --------------------------------------------------------------------------------------------
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

    def rate_limit(self, method: str, times: int, retry_after: int = 0) -> None:
        """The next `times` calls of `method` get 429 with Retry-After (nothing is applied)."""
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail(
        self, method: str, times: int = 1, status: int = 500, after_apply: bool = False, after: int = 0
    ) -> None:
        """After `after` good calls, the next `times` calls of `method` get `status`; with after_apply the
        call takes effect first (the ambiguous failure: Slack stored the message, the answer got lost)."""
        queue = self._failures.setdefault(method, [])
        queue.extend([(0, False)] * after + [(status, after_apply)] * times)

    def oauth_code(self, team_id: str, installer: str) -> str:
        """What Slack would put on the redirect after a person approves the install."""
        code = f"code-{uuid.uuid4().hex[:8]}"
        self._codes[code] = (team_id, installer)
        return code

    def calls_of(self, method: str, team_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (team_id is None or c.team_id == team_id)]

    # Web API ------------------------------------------------------------------------------------------------
    def _failure(self, method: str, status: int) -> web.Response:
        if method in self.plain_failures:
            return web.Response(
                text="upstream connect error or disconnect/reset before headers", status=status
            )
        return web.json_response({"ok": False, "error": "internal_error"}, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    def _token(self, request: web.Request, params: Mapping[str, Any]) -> str:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ")
        return str(params.get("token", ""))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            params["_basic_auth"] = auth.removeprefix("Basic ")
        token = self._token(request, params)
        team_id = self.tokens.get(token)
        status = 200
        delay = self._take_delay(method)
        try:
            if delay is not None and not delay[1]:
                await asyncio.sleep(delay[0])  # the fake is slow to answer (simulated latency)
            limits = self._rate_limits.get(method)
            if limits:
                retry_after = limits.pop(0)
                status = 429
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(retry_after)},
                )
            enforced = self._enforce_post_rate(method, params, team_id)
            if enforced is not None:
                status = 429
                return enforced
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
            if failure is not None and failure[0] == 0:
                failure = None
            if failure is not None and not failure[1]:
                status = failure[0]
                return self._failure(method, status)
            body = await self._dispatch(method, params, token, team_id)
            if failure is not None:
                status = failure[0]
                return self._failure(method, status)
            if delay is not None and delay[1]:
                await asyncio.sleep(delay[0])  # stored, but the answer arrives late (or never)
            return web.json_response({"ok": True, **body})
        except SlackApiFailure as exc:
            status = exc.status
            return web.json_response({"ok": False, "error": exc.error}, status=exc.status)
        finally:
            self.calls.append(Call(method, team_id, params, status))
            await self._touch()

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

    async def _dispatch(
        self, method: str, p: dict[str, Any], token: str, team_id: str | None
    ) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token != self.app_token:
                raise SlackApiFailure("invalid_auth")
            return {"url": f"ws://127.0.0.1:{self.port}/socket?ticket={uuid.uuid4().hex}"}
        if method == "oauth.v2.access":
            if self._client_credentials(p) != (self.client_id, self.client_secret):
                raise SlackApiFailure("invalid_client_id")
            return self._oauth_access(p)
        ws = self._ws(team_id)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            raise SlackApiFailure("unknown_method")
        result: dict[str, Any] = handler(ws, p)
        return result

    def _client_credentials(self, p: dict[str, Any]) -> tuple[str, str]:
        basic = str(p.get("_basic_auth", ""))
        if basic:
            user, _, password = base64.b64decode(basic).decode().partition(":")
            return user, password
        return str(p.get("client_id", "")), str(p.get("client_secret", ""))

    def _oauth_access(self, p: dict[str, Any]) -> dict[str, Any]:
        code = str(p.get("code", ""))
        if code not in self._codes:
            raise SlackApiFailure("invalid_code")
        team_id, installer = self._codes.pop(code)
        ws = self.workspaces[team_id]
        ws.installed = True
        return {
            "app_id": "A0FAKEAPP",
            "authed_user": {"id": installer},
            "scope": "chat:write,commands,reactions:read,reactions:write",
            "token_type": "bot",
            "access_token": ws.token,
            "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_auth_test(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{ws.name}.slack.com/",
            "team": ws.name,
            "user": "respbot",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _blocks(self, p: dict[str, Any], limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
        blocks = _as_json(p.get("blocks")) or []
        problem = validate_blocks(blocks, limit)
        if problem is not None:
            raise SlackApiFailure(f"invalid_blocks: {problem}")
        return list(blocks)

    def _require_member(self, ws: Workspace, channel: Channel) -> None:
        if channel.im_user is None and ws.bot_user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")

    def _m_chat_postMessage(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        self._require_member(ws, channel)
        blocks = self._blocks(p)
        if not p.get("text") and not blocks:
            raise SlackApiFailure("no_text")
        thread_ts = p.get("thread_ts") or None
        if thread_ts and ws.message(channel.id, str(thread_ts)) is None:
            raise SlackApiFailure("thread_not_found")
        message = Message(
            ts=self._next_ts(),
            channel=channel.id,
            user=ws.bot_user_id,
            text=str(p.get("text", "")),
            blocks=blocks,
            metadata=_as_json(p.get("metadata")) or None,
            thread_ts=str(thread_ts) if thread_ts else None,
            reply_broadcast=_truthy(p.get("reply_broadcast", False)),
        )
        ws.messages.setdefault(channel.id, []).append(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.as_api(True)}

    def _m_chat_postEphemeral(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        user = str(p.get("user", ""))
        if user not in ws.users:
            raise SlackApiFailure("user_not_found")
        ws.ephemerals.append(Ephemeral(channel.id, user, str(p.get("text", "")), self._blocks(p)))
        return {"message_ts": self._next_ts()}

    def _m_chat_update(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        message = ws.message(channel.id, str(p.get("ts", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        message.text = str(p.get("text", message.text))
        message.blocks = self._blocks(p) if "blocks" in p else message.blocks
        return {"channel": channel.id, "ts": message.ts}

    def _m_reactions_add(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        message = ws.message(channel.id, str(p.get("timestamp", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        users = message.reactions.setdefault(str(p.get("name", "")), [])
        if ws.bot_user_id in users:
            raise SlackApiFailure("already_reacted")
        users.append(ws.bot_user_id)
        return {}

    def _m_reactions_get(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        message = ws.message(channel.id, str(p.get("timestamp", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        return {"type": "message", "channel": channel.id, "message": message.as_api(False)}

    def _m_conversations_open(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users", ""))
        if user not in ws.users:
            raise SlackApiFailure("user_not_found")
        channel = ws.dm_of(user)
        if channel is None:
            channel = Channel(f"D{user}", "", is_private=True, members={user, ws.bot_user_id}, im_user=user)
            ws.channels[channel.id] = channel
            ws.messages.setdefault(channel.id, [])
        return {"channel": {"id": channel.id}}

    def _m_conversations_history(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        self._require_member(ws, channel)
        limit = int(p.get("limit", 100))
        with_metadata = _truthy(p.get("include_all_metadata", False))
        newest_first = list(reversed(ws.posts(channel.id)))[:limit]
        return {"messages": [m.as_api(with_metadata) for m in newest_first], "has_more": False}

    def _m_conversations_replies(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        self._require_member(ws, channel)
        parent = ws.message(channel.id, str(p.get("ts", "")))
        if parent is None:
            raise SlackApiFailure("thread_not_found")
        with_metadata = _truthy(p.get("include_all_metadata", False))
        thread = [parent, *ws.replies(channel.id, parent.ts)][: int(p.get("limit", 100))]
        return {"messages": [m.as_api(with_metadata) for m in thread], "has_more": False}

    def _m_conversations_info(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_private": channel.is_private,
                "is_im": channel.im_user is not None,
                "is_member": ws.bot_user_id in channel.members,
            }
        }

    def _m_conversations_join(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(ws, str(p.get("channel", "")))
        if channel.is_private:
            raise SlackApiFailure("method_not_supported_for_channel_type")
        channel.members.add(ws.bot_user_id)
        return {"channel": {"id": channel.id}}

    def _m_users_info(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        user = ws.users.get(str(p.get("user", "")))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user}

    def _m_views_publish(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        view = _as_json(p.get("view")) or {}
        problem = validate_blocks(view.get("blocks") or [], MAX_HOME_BLOCKS)
        if problem is not None or view.get("type") != "home":
            raise SlackApiFailure(f"invalid_arguments: {problem or 'not a home view'}")
        ws.views.setdefault(str(p.get("user_id", "")), []).append(view)
        return {"view": {"id": f"V{next(self._ids)}", **view}}

    def _m_views_open(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        """A modal opened with a trigger id (kept per trigger; a trigger opens one view)."""
        trigger = str(p.get("trigger_id") or "")
        view = _as_json(p.get("view")) or {}
        if not trigger or trigger in self.modals or view.get("type") != "modal":
            raise SlackApiFailure(
                "invalid_trigger_id" if trigger in self.modals or not trigger else "invalid_arguments"
            )
        problem = validate_blocks(view.get("blocks") or [], MAX_HOME_BLOCKS)
        if problem is not None:
            raise SlackApiFailure(f"invalid_arguments: {problem}")
        self.modals[trigger] = view
        return {"view": {"id": f"V{next(self._ids)}", **view}}

    async def submit_view(
        self, team_id: str, user_id: str, view: dict[str, Any], values: dict[str, str]
    ) -> dict[str, Any]:
        """Submit a modal as a person would; returns the bot's ack payload (empty, or response_action)."""
        state = {
            block["block_id"]: {block["element"]["action_id"]: {"type": "plain_text_input", "value": values.get(
                block["block_id"], "")}}
            for block in view.get("blocks") or [] if block.get("type") == "input"
        }  # fmt: skip
        payload = {
            "type": "view_submission",
            "team": {"id": team_id, "domain": self.workspaces[team_id].name},
            "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
            "api_app_id": "A0FAKEAPP",
            "token": "verification-token-unused",
            "trigger_id": f"{next(self._ids)}.trigger",
            "view": {**view, "id": f"V{next(self._ids)}", "team_id": team_id, "state": {"values": state}},
        }
        if self._sockets:
            return await self.push("interactive", payload)
        status, text = await self.post_http("interactive", payload)
        if status != 200:
            raise RuntimeError(f"the bot answered {status}: {text[:200]}")
        return json.loads(text) if text.strip() else {}

    def _m_files_getUploadURLExternal(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self.uploads[file_id] = Upload(file_id, str(p.get("filename", "")))
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        files = _as_json(p.get("files")) or []
        channel_id = p.get("channel_id") or None
        if channel_id is not None:
            self._channel(ws, str(channel_id))
        out = []
        for item in files:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None:
                raise SlackApiFailure("file_not_found")
            upload.title = str(item.get("title") or upload.filename)
            upload.channel = str(channel_id) if channel_id else None
            upload.initial_comment = str(p.get("initial_comment") or "")
            upload.thread_ts = str(p["thread_ts"]) if p.get("thread_ts") else None
            if channel_id and upload.thread_ts:  # Slack shares the file as a message in the thread
                shared = Message(
                    self._next_ts(),
                    str(channel_id),
                    ws.bot_user_id,
                    "",
                    [],
                    thread_ts=upload.thread_ts,
                    files=[{"id": upload.file_id, "name": upload.filename}],
                )
                ws.messages.setdefault(str(channel_id), []).append(shared)  # fmt: skip
            out.append({"id": upload.file_id, "title": upload.title, "name": upload.filename})
        return {"files": out}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="no such upload")
        upload.content = await request.read()
        await self._touch()
        return web.Response(text="OK - " + str(len(upload.content)))

    async def _respond(self, request: web.Request) -> web.Response:
        context = self._response_urls.get(request.match_info["rid"])
        if context is None:
            return web.Response(status=404, text="expired_url")
        rid = request.match_info["rid"]
        self.responses.append(Response(rid, *context, body=await request.json()))
        await self._touch()
        return web.Response(text="ok")

    async def _authorize_page(self, request: web.Request) -> web.Response:
        return web.Response(text="FakeSlack authorize page: approve with fake.oauth_code(team, user)")

    # Socket Mode --------------------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": "A0FAKEAPP"},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
            }
        )
        await self._touch()
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await self._on_ack(json.loads(msg.data))
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            await self._touch()
        return ws

    async def _on_ack(self, data: dict[str, Any]) -> None:
        envelope_id = str(data.get("envelope_id", ""))
        future = self._acks.pop(envelope_id, None)
        if future is not None and not future.done():
            future.set_result(data.get("payload") or {})
        await self._touch()

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def push(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> dict[str, Any]:
        """Send one Socket Mode envelope and wait for its ack (recorded as late after 3 s)."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode connection")
        envelope = Envelope(uuid.uuid4().hex, kind, payload, time.monotonic())
        self.envelopes.append(envelope)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope.envelope_id] = future
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope.envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "payload": payload,
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        try:
            ack = await asyncio.wait_for(future, ACK_DEADLINE)
        except TimeoutError:
            self.late_acks.append(envelope.envelope_id)
            raise
        envelope.acked_at = time.monotonic()
        envelope.ack_payload = ack
        return ack

    async def disconnect_socket(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it recycles a connection: the client must reconnect by itself."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}})

    # HTTP mode ----------------------------------------------------------------------------------------------
    async def post_http(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        url: str | None = None,
        retry_num: int | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
        signed: bool = True,
    ) -> tuple[int, str]:
        """Send a request the way Slack does in HTTP mode: form-encoded commands and interactivity, JSON
        events, signed with v0 HMAC-SHA256 over `v0:{timestamp}:{body}`."""
        target = url or self.events_url
        if target is None:
            raise RuntimeError("set fake.events_url to the bot's /slack/events URL")
        if kind == "slash_commands":
            body, content_type = urlencode(payload), "application/x-www-form-urlencoded"
        elif kind == "interactive":
            body, content_type = (
                urlencode({"payload": json.dumps(payload)}),
                "application/x-www-form-urlencoded",
            )
        else:
            body, content_type = json.dumps(payload), "application/json"
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if signed:
            headers["X-Slack-Signature"] = sign(secret or self.signing_secret, ts, body)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        started = time.monotonic()
        async with (
            aiohttp.ClientSession() as session,
            session.post(target, data=body, headers=headers) as resp,
        ):
            text = await resp.text()
            elapsed = time.monotonic() - started
            self.http_deliveries.append((kind, resp.status, elapsed))
            if elapsed > ACK_DEADLINE:
                self.late_acks.append(f"http:{kind}")
            return resp.status, text

    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0) -> None:
        """Over the websocket when the bot is connected in Socket Mode, else as a signed HTTP request."""
        if self._sockets:
            await self.push(kind, payload, retry_attempt=retry)
            return
        status, text = await self.post_http(kind, payload, retry_num=retry or None)
        if status != 200:
            raise RuntimeError(f"the bot answered {status}: {text[:200]}")

    # Payloads -----------------------------------------------------------------------------------------------
    def _response_url(self, team_id: str, user_id: str, channel_id: str) -> str:
        rid = uuid.uuid4().hex
        self._response_urls[rid] = (team_id, user_id, channel_id)
        return f"{self.url}/respond/{rid}"

    def slash_command(self, team_id: str, user_id: str, channel_id: str, text: str) -> dict[str, Any]:
        ws = self.workspaces[team_id]
        channel = ws.channels.get(channel_id)
        return {
            "token": "verification-token-unused",
            "team_id": team_id,
            "team_domain": ws.name,
            "channel_id": channel_id,
            "channel_name": channel.name if channel else "directmessage",
            "user_id": user_id,
            "user_name": ws.users.get(user_id, {}).get("name", user_id),
            "command": "/responsibility",
            "text": text,
            "api_app_id": "A0FAKEAPP",
            "is_enterprise_install": "false",
            "response_url": self._response_url(team_id, user_id, channel_id),
            "trigger_id": f"{next(self._ids)}.trigger",
        }

    def event_callback(
        self, team_id: str, event: dict[str, Any], event_id: str | None = None
    ) -> dict[str, Any]:
        ws = self.workspaces[team_id]
        return {
            "token": "verification-token-unused",
            "team_id": team_id,
            "api_app_id": "A0FAKEAPP",
            "event": {"event_ts": self._next_ts(), **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def block_actions(
        self,
        team_id: str,
        user_id: str,
        action_id: str,
        value: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        container_type: str = "message",
        is_ephemeral: bool = False,
    ) -> dict[str, Any]:
        ws = self.workspaces[team_id]
        container: dict[str, Any] = {"type": container_type}
        if channel_id:
            container.update(channel_id=channel_id, message_ts=message_ts, is_ephemeral=is_ephemeral)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team_id, "domain": ws.name},
            "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
            "api_app_id": "A0FAKEAPP",
            "token": "verification-token-unused",
            "container": container,
            "trigger_id": f"{next(self._ids)}.trigger",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "type": "button",
                    "value": value,
                    "action_ts": self._next_ts(),
                }
            ],
        }
        if channel_id:
            payload["channel"] = {"id": channel_id, "name": ws.channels.get(channel_id, Channel("", "")).name}
            payload["response_url"] = self._response_url(team_id, user_id, channel_id)
            if message_ts and not is_ephemeral:
                stored = ws.message(channel_id, message_ts)
                payload["message"] = stored.as_api(False) if stored else {"ts": message_ts}
        return payload

    # People doing things ------------------------------------------------------------------------------------
    async def command(
        self, team_id: str, user_id: str, channel_id: str, text: str, count: int = 1
    ) -> list[Response]:
        """Run `/responsibility text` and wait for `count` private replies on its response_url."""
        payload = self.slash_command(team_id, user_id, channel_id, text)
        rid = str(payload["response_url"]).rsplit("/", 1)[-1]
        await self.deliver("slash_commands", payload)
        await self.wait_until(lambda: len(self.responses_to(rid)) >= count)
        return self.responses_to(rid)

    def responses_to(self, rid_or_url: str) -> list[Response]:
        rid = rid_or_url.rsplit("/", 1)[-1]
        return [r for r in self.responses if r.rid == rid]

    async def react(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        ts: str,
        name: str,
        event_id: str | None = None,
        retry: int = 0,
    ) -> str:
        """A person adds a reaction: it is stored on the message (reactions.get sees it) and sent as an event."""
        ws = self.workspaces[team_id]
        message = ws.message(channel_id, ts)
        if message is None:
            raise KeyError(f"no message {ts} in {channel_id}")
        users = message.reactions.setdefault(name, [])
        if user_id not in users:
            users.append(user_id)
        event = {
            "type": "reaction_added",
            "user": user_id,
            "reaction": name,
            "item_user": message.user,
            "item": {"type": "message", "channel": channel_id, "ts": ts},
        }
        payload = self.event_callback(team_id, event, event_id)
        await self.deliver("events_api", payload, retry=retry)
        return str(payload["event_id"])

    async def send_event(
        self, team_id: str, event: dict[str, Any], event_id: str | None = None, retry: int = 0
    ) -> str:
        payload = self.event_callback(team_id, event, event_id)
        await self.deliver("events_api", payload, retry=retry)
        return str(payload["event_id"])

    async def press(self, team_id: str, user_id: str, action_id: str, value: str, **where: Any) -> None:
        await self.deliver("interactive", self.block_actions(team_id, user_id, action_id, value, **where))

    # Fault knobs (tests/faults_platform) ------------------------------------------------------------------
    def slow(self, method: str, seconds: float, times: int = 1, apply_first: bool = True) -> None:
        """The next `times` calls of `method` answer only after `seconds`. With `apply_first` the call takes
        effect at once and only the answer is late: past the client's timeout, the client can't know."""
        self._delays.setdefault(method, []).extend([(seconds, apply_first)] * times)

    def _take_delay(self, method: str) -> tuple[float, bool] | None:
        queue = self._delays.get(method)
        return queue.pop(0) if queue else None

    async def drop_socket(self) -> None:
        """An abrupt end of the Socket Mode connection: the TCP connection is cut, no `disconnect` first."""
        for ws in list(self._sockets):
            request = getattr(ws, "_req", None)  # aiohttp keeps the request; its transport is the socket
            transport = request.transport if request is not None else None
            if transport is not None:
                transport.abort()
            else:  # pragma: no cover - aiohttp always keeps it today
                await ws.close()
            self._sockets.remove(ws)
        await self._touch()

    def react_unseen(self, team_id: str, user_id: str, channel_id: str, ts: str, name: str) -> None:
        """A reaction Slack stores but could not deliver as an event (the bot was disconnected): only
        reactions.get sees it."""
        message = self.workspaces[team_id].message(channel_id, ts)
        if message is None:
            raise KeyError(f"no message {ts} in {channel_id}")
        users = message.reactions.setdefault(name, [])
        if user_id not in users:
            users.append(user_id)

    # Enforced rate limits (bench/fanout; off by default) -----------------------------------------------------
    #: Seconds between accepted chat.postMessage calls in one channel; None = not enforced.
    post_interval: float | None = None

    def enforce_post_rate(self, per_channel_seconds: float = 1.0) -> None:
        """Enforce Slack's pace for posting: chat.postMessage at most once per `per_channel_seconds` in a
        channel; a faster one gets 429 with Retry-After (whole seconds, as Slack sends) and is not applied."""
        self.post_interval = per_channel_seconds
        self._last_post: dict[tuple[str | None, str], float] = {}
        self.post_rate_429s: list[tuple[str | None, str, float]] = []  # (team, channel, monotonic time)

    def _enforce_post_rate(
        self, method: str, params: Mapping[str, Any], team_id: str | None
    ) -> web.Response | None:
        if self.post_interval is None or method != "chat.postMessage":
            return None
        key = (team_id, str(params.get("channel", "")))
        now = time.monotonic()
        last = self._last_post.get(key)
        if last is not None and now - last < self.post_interval:
            self.post_rate_429s.append((key[0], key[1], now))
            wait = max(1, math.ceil(self.post_interval - (now - last)))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(wait)}
            )
        self._last_post[key] = now
        return None

    # Control endpoints (driving the fake by hand) -----------------------------------------------------------
    def _default_team(self) -> str:
        return next(iter(self.workspaces))

    async def _control_command(self, request: web.Request) -> web.Response:
        data = await request.json()
        team = data.get("team") or self._default_team()
        ws = self.workspaces[team]
        user = data.get("user") or next(u for u in ws.users if u != ws.bot_user_id)
        channel = data.get("channel") or next(iter(ws.channels))
        payload = self.slash_command(team, user, channel, str(data.get("text", "")))
        await self.deliver("slash_commands", payload)
        return web.json_response({"ok": True, "response_url": payload["response_url"]})

    async def _control_react(self, request: web.Request) -> web.Response:
        data = await request.json()
        team = data.get("team") or self._default_team()
        ws = self.workspaces[team]
        channel = data.get("channel") or next(iter(ws.channels))
        ts = data.get("ts") or next((m.ts for m in reversed(ws.posts(channel)) if m.metadata), None)
        if ts is None:
            return web.json_response({"ok": False, "error": "no bot post to react to"}, status=404)
        event_id = await self.react(team, str(data["user"]), channel, ts, str(data["name"]))
        return web.json_response({"ok": True, "event_id": event_id, "ts": ts})

    async def _control_state(self, request: web.Request) -> web.Response:
        out = {}
        for team_id, ws in self.workspaces.items():
            out[team_id] = {
                "messages": {c: [m.as_api(True) for m in ms] for c, ms in ws.messages.items() if ms},
                "ephemerals": [e.__dict__ for e in ws.ephemerals],
                "home_views": {u: len(v) for u, v in ws.views.items()},
            }
        out["responses"] = [r.__dict__ for r in self.responses]  # type: ignore[assignment]
        return web.json_response(out)


def demo_workspace(fake: FakeSlack) -> Workspace:
    """One workspace with an admin, four members and a #cloud-team channel."""
    ws = fake.add_workspace("T0DEMO", "demo", token="xoxb-demo-fake-token")
    fake.add_user("T0DEMO", "UADMIN", "Ada Admin", is_admin=True)
    for uid, name in (("UANN", "Ann"), ("UBOB", "Bob"), ("UCID", "Cid"), ("UDAN", "Dan")):
        fake.add_user("T0DEMO", uid, name)
    fake.add_channel("T0DEMO", "C0TEAM", "cloud-team")
    return ws


async def _serve(port: int, events_url: str | None) -> None:
    fake = await FakeSlack().start(port=port)
    fake.events_url = events_url
    ws = demo_workspace(fake)
    print(f"FakeSlack listening on {fake.url}", flush=True)
    print("# Socket Mode (default):")
    print(f"SLACK_API_BASE_URL={fake.api_url}")
    print(f"SLACK_BOT_TOKEN={ws.token}")
    print(f"SLACK_APP_TOKEN={fake.app_token}")
    print("# or HTTP mode: SLACK_MODE=http, no SLACK_APP_TOKEN, and start this fake with --events-url")
    print(f"SLACK_SIGNING_SECRET={fake.signing_secret}")
    print("# drive it:")
    print(f'curl -s {fake.url}/_control/command -d \'{{"user":"UADMIN","text":"setup"}}\'')
    print(f'curl -s {fake.url}/_control/command -d \'{{"user":"UADMIN","text":"post-now"}}\'')
    print(f'curl -s {fake.url}/_control/react -d \'{{"user":"UANN","name":"technologist"}}\'')
    print(f"curl -s {fake.url}/_control/state", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local fake Slack for running the bot by hand.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--events-url", default=None, help="the bot's /slack/events URL, for HTTP mode")
    args = parser.parse_args()
    try:
        asyncio.run(_serve(args.port, args.events_url))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
