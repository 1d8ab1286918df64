"""FakeTeams: a local stand-in for Microsoft Teams that the real TeamsAdapter (Microsoft 365 Agents SDK) talks
to over real sockets.

One aiohttp server on 127.0.0.1 (port 0) serves:
- an OpenID configuration and JWKS (an RSA key made at start), so the SDK's JwtTokenValidator checks the
  activities this fake signs exactly as it checks Microsoft's;
- an OAuth 2.0 client-credentials token endpoint (checks the app id and password);
- the Bot Connector REST API the bot calls (`/v3/conversations…`: new posts, thread replies, updates,
  1:1 conversations), over in-memory state for any number of tenants, refusing calls without our token;
- the two Microsoft Graph reads the bot makes (a team's members with roles; a channel's messages);
- 429 with Retry-After, or 5xx (optionally after applying the call), on demand.

Tests send signed activities with `deliver(...)` (or tampered/unsigned ones) and assert on what the fake
received (`messages`, `updates`, `personal`, `requests`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-0000-4000-8000-00000000b07a"
APP_PASSWORD = "fake-teams-secret"
ISSUER = "https://api.botframework.com"
BOT_ID = f"28:{APP_ID}"


@dataclass(frozen=True)
class Person:
    id: str  # Bot Framework id, 29:…
    aad: str  # Entra object id
    name: str


@dataclass
class Team:
    tenant: str
    team_id: str  # thread id of the team (= its General channel)
    aad_group_id: str
    name: str
    channels: dict[str, str] = field(default_factory=dict)  # channel id → name
    owners: set[str] = field(default_factory=set)  # aad ids
    members: list[Person] = field(default_factory=list)


@dataclass
class Message:
    id: str
    conversation: str  # channel id, or personal conversation id
    reply_to: str | None
    activity: dict[str, Any]
    versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def card(self) -> dict[str, Any]:
        """The Adaptive Card as it is now (after any update)."""
        latest = self.versions[-1] if self.versions else self.activity
        attachments = latest.get("attachments") or [{}]
        content = attachments[0].get("content")
        return content if isinstance(content, dict) else {}

    @property
    def text(self) -> str:
        """Every text in the card, joined: what a person reads."""
        return card_text(self.card)


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float | None
    after: bool  # apply the call, then fail (an outcome the caller cannot know)
    plain: bool = False  # a plain-text body, as a gateway in front of Teams sends it


def card_text(card: Mapping[str, Any]) -> str:
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value"):
                if isinstance(node.get(key), str):
                    parts.append(node[key])
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body"))
    walk(card.get("actions"))
    return "\n".join(parts)


class FakeTeams:
    def __init__(self, app_id: str = APP_ID, app_password: str = APP_PASSWORD) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = uuid.uuid4().hex
        self._ids = itertools.count(1_700_000_000_001)
        self.teams: dict[str, Team] = {}  # aad group id → team
        self.messages: dict[str, Message] = {}
        self.personal: dict[str, tuple[str, str]] = {}  # conversation id → (tenant, user id)
        self.requests: list[tuple[str, str]] = []
        #: "v3" (Bot Connector) / "graph" → the client connections (host, port) requests arrived on.
        self.client_connections: dict[str, set[tuple[str, int]]] = {}
        self.faults: list[Fault] = []
        self.tokens: set[str] = set()
        self.updates_gate: asyncio.Event | None = None  # when set up, card updates wait for it
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle ----------------------------------------------------------------------------------------------
    async def start(self) -> FakeTeams:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/v1/.well-known/openidconfiguration", self._openid)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        app.router.add_post("/oauth2/v2.0/token", self._token)
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/graph/v1.0/teams/{group}/members", self._graph_members)
        app.router.add_get("/graph/v1.0/teams/{group}/channels/{channel}/messages", self._graph_messages)
        app.router.add_get(
            "/graph/v1.0/teams/{group}/channels/{channel}/messages/{message}/replies", self._graph_replies
        )
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v2.0/token"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/graph"

    # The world ----------------------------------------------------------------------------------------------
    def add_team(
        self,
        tenant: str,
        name: str = "Platform",
        owners: tuple[Person, ...] = (),
        members: tuple[Person, ...] = (),
    ) -> Team:
        slug = uuid.uuid4().hex[:8]
        team = Team(tenant, f"19:team-{slug}@thread.tacv2", str(uuid.uuid4()), name)
        team.channels[team.team_id] = "General"
        team.owners = {p.aad for p in owners}
        team.members = [*owners, *members]
        self.teams[team.aad_group_id] = team
        return team

    def add_channel(self, team: Team, name: str) -> str:
        channel = f"19:chan-{uuid.uuid4().hex[:8]}@thread.tacv2"
        team.channels[channel] = name
        return channel

    def posts(self, channel: str) -> list[Message]:
        """Top-level messages in a channel, oldest first."""
        return [m for m in self.messages.values() if m.conversation == channel and m.reply_to is None]

    def replies(self, post_id: str) -> list[Message]:
        return [m for m in self.messages.values() if m.reply_to == post_id]

    def chat_with(self, person: Person) -> list[Message]:
        """The bot's messages in someone's personal chat, oldest first."""
        ids = {cid for cid, (_, user) in self.personal.items() if user == person.id}
        return [m for m in self.messages.values() if m.conversation in ids]

    def count(self, method: str, path_part: str) -> int:
        return sum(1 for m, p in self.requests if m == method and path_part in p)

    def fail(
        self,
        method: str,
        path: str,
        status: int = 429,
        times: int = 1,
        retry_after: float | None = 0,
        after: bool = False,
        plain: bool = False,
    ) -> None:
        """The next `times` calls whose path matches the regex `path` get `status` (429: with Retry-After);
        with `after`, the call is applied first — the caller sees an error for something that happened."""
        self.faults.append(Fault(method, re.compile(path), status, times, retry_after, after, plain))

    # Signing activities -------------------------------------------------------------------------------------
    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": self.app_id,
            "serviceurl": self.service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})

    async def deliver(
        self, bot_url: str, activity: Mapping[str, Any], authorization: str | None = "sign", **claims: Any
    ) -> tuple[int, Any]:
        """POST an activity to the bot as Teams would: signed by default; `authorization` None sends no
        header, any other string is sent as the header verbatim."""
        headers = {"Content-Type": "application/json"}
        if authorization == "sign":
            headers["Authorization"] = f"Bearer {self.token(**claims)}"
        elif authorization is not None:
            headers["Authorization"] = authorization
        async with (
            aiohttp.ClientSession() as session,
            session.post(bot_url, data=json.dumps(activity), headers=headers) as response,
        ):
            text = await response.text()
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = text
            return response.status, body

    # Activities Teams sends ---------------------------------------------------------------------------------
    def _base(self, tenant: str, person: Person, conversation: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "timestamp": "2026-11-30T08:00:00.000Z",
            "from": {"id": person.id, "name": person.name, "aadObjectId": person.aad},
            "recipient": {"id": BOT_ID, "name": "Who's Responsible?"},
            "conversation": {**conversation, "tenantId": tenant},
            "channelData": {"tenant": {"id": tenant}},
            "locale": "en-US",
        }

    def _channel_data(self, team: Team, channel: str) -> dict[str, Any]:
        return {
            "teamsChannelId": channel,
            "teamsTeamId": team.team_id,
            "channel": {"id": channel, "name": team.channels.get(channel, "")},
            "team": {"id": team.team_id, "name": team.name, "aadGroupId": team.aad_group_id},
            "tenant": {"id": team.tenant},
        }

    def mention(self, team: Team, channel: str, person: Person, text: str) -> dict[str, Any]:
        """`@Who's Responsible <text>` in a channel (a new thread, as Teams sends it)."""
        activity = self._base(
            team.tenant,
            person,
            {"isGroup": True, "conversationType": "channel", "id": f"{channel};messageid={next(self._ids)}"},
        )
        at = "<at>Who's Responsible?</at>"
        activity.update(
            type="message",
            text=f"{at}&nbsp;{text}",
            textFormat="plain",
            entities=[
                {"type": "mention", "text": at, "mentioned": {"id": BOT_ID, "name": "Who's Responsible?"}}
            ],
            channelData=self._channel_data(team, channel),
        )
        return activity

    def personal_message(self, tenant: str, person: Person, text: str) -> dict[str, Any]:
        conversation = f"a:personal-{person.id}"
        self.personal[conversation] = (tenant, person.id)
        activity = self._base(tenant, person, {"conversationType": "personal", "id": conversation})
        activity.update(type="message", text=text, textFormat="plain")
        return activity

    def press_button(self, message: Message, title: str, person: Person, team: Team | None) -> dict[str, Any]:
        """An Action.Execute press on one of the bot's cards → the invoke Teams sends."""
        action = next(a for a in message.card.get("actions", []) if title in a.get("title", ""))
        tenant = team.tenant if team else self.personal[message.conversation][0]
        if team is not None:
            conversation = {
                "isGroup": True,
                "conversationType": "channel",
                "id": f"{message.conversation};messageid={message.reply_to or message.id}",
            }
        else:
            conversation = {"conversationType": "personal", "id": message.conversation}
        activity = self._base(tenant, person, conversation)
        activity.update(
            type="invoke",
            name="adaptiveCard/action",
            replyToId=message.id,
            value={
                "action": {
                    "type": "Action.Execute",
                    "title": action["title"],
                    "verb": action["verb"],
                    "data": action.get("data", {}),
                },
                "trigger": "manual",
            },
        )
        if team is not None:
            activity["channelData"] = self._channel_data(team, message.conversation)
        return activity

    def members_added(self, team: Team, *people: Person, bot: bool = False) -> dict[str, Any]:
        activity = self._base(
            team.tenant,
            Person("29:someone", "aad-someone", "Someone"),
            {"isGroup": True, "conversationType": "channel", "id": team.team_id},
        )
        added = [{"id": p.id, "aadObjectId": p.aad} for p in people]
        if bot:
            added.append({"id": BOT_ID})
        activity.update(
            type="conversationUpdate",
            membersAdded=added,
            channelData={**self._channel_data(team, team.team_id), "eventType": "teamMemberAdded"},
        )
        team.members.extend(people)
        return activity

    # Server -------------------------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        self.requests.append((request.method, path))
        if path.startswith(("/v3/", "/graph/")) and request.transport is not None:
            peer = request.transport.get_extra_info("peername")
            if peer:  # the bot's side of the TCP connection the request came on
                self.client_connections.setdefault(path.split("/")[1], set()).add(
                    (str(peer[0]), int(peer[1]))
                )
        if path.startswith(("/v3/", "/graph/")):
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer ") or header[7:] not in self.tokens:
                return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.pattern.search(path):
                fault.times -= 1
                if fault.after:
                    await handler(request)
                headers = (
                    {"Retry-After": str(fault.retry_after)}
                    if fault.status == 429 and fault.retry_after is not None
                    else {}
                )
                if fault.plain:
                    return web.Response(text="Bad Gateway", status=fault.status, headers=headers)
                code = "Throttled" if fault.status == 429 else "ServiceError"
                return web.json_response(
                    {"error": {"code": code, "message": "injected"}}, status=fault.status, headers=headers
                )
        response: web.StreamResponse = await handler(request)
        return response

    async def _openid(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{self.base_url}/v1/auth",
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, _: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update(kid=self._kid, use="sig", alg="RS256", endorsements=["msteams"])
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"fake-{uuid.uuid4().hex}"
        self.tokens.add(token)
        return web.json_response({"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        tenant = body.get("tenantId") or (body.get("channelData") or {}).get("tenant", {}).get("id")
        if (
            body.get("isGroup")
            or len(members) != 1
            or not tenant
            or (body.get("bot") or {}).get("id") != BOT_ID
        ):
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        conversation = f"a:personal-{members[0]['id']}"
        self.personal[conversation] = (str(tenant), str(members[0]["id"]))
        return web.json_response({"id": conversation}, status=201)

    def _known(self, conversation: str) -> bool:
        return conversation in self.personal or any(conversation in t.channels for t in self.teams.values())

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await request.json()
        channel, _, root = conversation.partition(";messageid=")
        reply_to = root or request.match_info.get("activity")
        if not self._known(channel):
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        if channel in self.personal:
            reply_to = None  # a personal chat has no threads
        elif reply_to is not None and reply_to not in self.messages:
            return web.json_response({"error": {"code": "MessageNotFound"}}, status=404)
        message = Message(str(next(self._ids)), channel, reply_to, body)
        self.messages[message.id] = message
        return web.json_response({"id": message.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if self.updates_gate is not None:
            await self.updates_gate.wait()
        message = self.messages.get(request.match_info["activity"])
        if message is None:
            return web.json_response({"error": {"code": "MessageNotFound"}}, status=404)
        message.versions.append(await request.json())
        return web.json_response({"id": message.id})

    async def _member(self, request: web.Request) -> web.Response:
        team = next(
            (t for t in self.teams.values() if request.match_info["conversation"] in t.channels), None
        )
        person = (
            next((p for p in team.members if p.id == request.match_info["member"]), None) if team else None
        )
        if person is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(
            {"id": person.id, "name": person.name, "aadObjectId": person.aad, "userRole": "user"}
        )

    def _team(self, request: web.Request) -> Team | None:
        return self.teams.get(request.match_info["group"])

    async def _graph_members(self, request: web.Request) -> web.Response:
        team = self._team(request)
        if team is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(
            {
                "value": [
                    {
                        "userId": p.aad,
                        "displayName": p.name,
                        "roles": ["owner"] if p.aad in team.owners else [],
                    }
                    for p in team.members
                ]
            }
        )

    def _graph_message(self, m: Message) -> dict[str, Any]:
        attachments = [
            {"contentType": a.get("contentType"), "content": json.dumps(a.get("content"))}
            for a in (m.activity.get("attachments") or [])
        ]
        return {"id": m.id, "from": {"application": {"id": self.app_id}}, "attachments": attachments}

    async def _graph_messages(self, request: web.Request) -> web.Response:
        team = self._team(request)
        channel = request.match_info["channel"]
        if team is None or channel not in team.channels:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        newest = list(reversed(self.posts(channel)))[:50]
        return web.json_response({"value": [self._graph_message(m) for m in newest]})

    async def _graph_replies(self, request: web.Request) -> web.Response:
        team = self._team(request)
        if team is None or request.match_info["message"] not in self.messages:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        replies = list(reversed(self.replies(request.match_info["message"])))
        return web.json_response({"value": [self._graph_message(m) for m in replies]})
