"""FakeDiscord: a local stand-in for Discord's REST API and gateway, for driving the real discord.py client.

An aiohttp server on 127.0.0.1 (port 0) serving the REST routes the bot uses — always answering with
`Content-Type: application/json` and rate-limit headers, a 429 with `retry_after` on demand — and a gateway
websocket speaking plain JSON text frames (discord.py asks for zlib-stream but decompresses only binary
frames, so uncompressed text is accepted). Tests inject gateway dispatches (reactions, member joins,
interactions) and assert on what the fake received. Like Discord, it honours `enforce_nonce`, sends
`resume_gateway_url` in READY, replays missed dispatches on RESUME, and can send RECONNECT / INVALID_SESSION.

Run by hand: `python -m tests.fakes.fake_discord` prints the URLs and a token to put in `.env`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, WSMsgType, web

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"

# Gateway opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT, REQUEST_MEMBERS = 0, 1, 2, 3, 6, 7, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
# Intents.
GUILDS, GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT = 1 << 0, 1 << 1, 1 << 8, 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ADMINISTRATOR, MANAGE_GUILD = 1 << 3, 1 << 5
EVERYDAY = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 6) | (1 << 16)
)  # view, send, embed links, add reactions, read history (Discord's @everyone defaults)

Json = dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Increasing ids that look like Discord's (timestamp in the high bits)."""

    def __init__(self) -> None:
        self._base = (1_750_000_000_000 - DISCORD_EPOCH_MS) << 22
        self._counter = itertools.count(1)

    def next(self) -> int:
        return self._base + (next(self._counter) << 22)  # one millisecond apart: shards spread


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False

    def to_dict(self) -> Json:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)
    permissions: int = EVERYDAY

    def to_dict(self, with_permissions: bool = False) -> Json:
        data: Json = {
            "user": self.user.to_dict(),
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    channels: dict[int, str] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)

    def channel_dict(self, channel_id: int) -> Json:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.id),
            "name": self.channels[channel_id],
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def to_dict(self, bot: FakeUser) -> Json:
        roles = [{"id": str(self.id), "name": "@everyone", "permissions": str(EVERYDAY), "position": 0}]
        roles += [
            {"id": str(rid), "name": name, "permissions": "0", "position": 1}
            for rid, name in self.roles.items()
        ]
        for role in roles:
            role.update(color=0, hoist=False, managed=False, mentionable=False, flags=0)
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": "1",
            "unavailable": False,
            "member_count": len(self.members) + 1,
            "large": False,
            "features": [],
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "channels": [self.channel_dict(c) for c in self.channels],
            "threads": [],
            "members": [FakeMember(bot).to_dict()],
            "voice_states": [],
            "presences": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "joined_at": now_iso(),
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "nsfw_level": 0,
        }


@dataclass
class RateLimitRule:
    method: str
    pattern: re.Pattern[str]
    count: int
    retry_after: float


@dataclass
class FaultRule:
    """The next `count` matching requests get `status` (5xx) or are answered `delay` seconds late; with
    `apply_first` the request takes effect before that (Discord stored it; the answer got lost or late)."""

    method: str
    pattern: re.Pattern[str]
    count: int
    status: int = 0
    delay: float = 0.0
    apply_first: bool = False


@dataclass
class Session:
    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    sent: list[Json] = field(default_factory=list)  # every dispatch, for replay on RESUME
    ws: web.WebSocketResponse | None = None


@dataclass
class Interaction:
    id: int
    token: str
    payload: Json


class FakeDiscord:
    def __init__(
        self,
        token: str = "fake-bot-token",
        members_intent_granted: bool = True,
        heartbeat_interval_ms: int = 600_000,
        recommended_shards: int = 1,
    ) -> None:
        self.ids = Snowflakes()
        self.token = token
        self.app_id = self.ids.next()
        self.bot = FakeUser(self.ids.next(), "respbot", bot=True)
        self.members_intent_granted = members_intent_granted
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.recommended_shards = recommended_shards
        self.guilds: dict[int, FakeGuild] = {}
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.messages: dict[int, list[Json]] = {}  # channel → messages, oldest first
        self.by_id: dict[int, Json] = {}
        self.nonces: dict[tuple[int, str], int] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}  # message → emoji → user ids in order
        self.dm_channels: dict[int, int] = {}  # user → DM channel
        self.global_commands: list[Json] = []
        #: Channels the bot cannot see (no View Channel): every REST call on them gets 403 Missing Access.
        self.hidden_channels: set[int] = set()
        self.guild_commands: dict[int, list[Json]] = {}
        self.command_syncs: list[int | None] = []  # None = global
        self.interactions: dict[int, Interaction] = {}
        self.callbacks: dict[int, list[Json]] = {}  # interaction id → callback bodies
        self.followups: dict[str, list[Json]] = {}  # interaction token → follow-up messages
        self.requests: list[tuple[str, str]] = []
        self.identifies: list[Json] = []
        self.resumes: list[Json] = []
        self.gateway_paths: list[str] = []
        self.rate_limits: list[RateLimitRule] = []
        self.faults: list[FaultRule] = []  # fault knobs: fail() and slow()
        self.sessions: dict[str, Session] = {}
        self.by_shard: dict[int, Session] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware], client_max_size=8 * 1024 * 1024)
        app.add_routes(self._routes())
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume-gateway"

    # World -------------------------------------------------------------------------------------------
    def add_guild(
        self, name: str, channels: tuple[str, ...] = ("general",), roles: tuple[str, ...] = ()
    ) -> FakeGuild:
        guild = FakeGuild(self.ids.next(), name)
        for channel in channels:
            guild.channels[self.ids.next()] = channel
        for role in roles:
            guild.roles[self.ids.next()] = role
        self.guilds[guild.id] = guild
        return guild

    def add_member(
        self,
        guild: FakeGuild,
        username: str,
        *,
        admin: bool = False,
        roles: tuple[str, ...] = (),
        bot: bool = False,
    ) -> FakeUser:
        user = FakeUser(self.ids.next(), username, bot)
        self.users[user.id] = user
        role_ids = [rid for rid, name in guild.roles.items() if name in roles]
        perms = EVERYDAY | (MANAGE_GUILD if admin else 0)
        guild.members[user.id] = FakeMember(user, role_ids, perms)
        return user

    def channel_guild(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if channel_id in g.channels), None)

    def channel_messages(self, channel_id: int) -> list[Json]:
        return self.messages.get(channel_id, [])

    def reaction_users(self, message_id: int, emoji: str) -> list[int]:
        return list(self.reactions.get(message_id, {}).get(emoji, []))

    def forget_nonces(self) -> None:
        """Discord remembers nonces for a few minutes only; tests use this to be past that window."""
        self.nonces.clear()

    def rate_limit(self, method: str, path_regex: str, count: int = 1, retry_after: float = 0.01) -> None:
        """The next `count` matching requests get a 429 with `retry_after` (nothing is applied)."""
        self.rate_limits.append(RateLimitRule(method, re.compile(path_regex), count, retry_after))

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # HTTP plumbing -------------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith(("/gateway", "/resume-gateway", "/_fake")):
            return await handler(request)
        path = request.path.removeprefix(API_PREFIX)
        self.requests.append((request.method, path))
        open_routes = path.startswith(("/interactions/", "/webhooks/"))  # authorised by the token in the path
        if not open_routes and request.headers.get("Authorization") != f"Bot {self.token}":
            return self.json({"message": "401: Unauthorized", "code": 0}, status=401)
        limited = self._enforce_global_limit(request.method, path, open_routes)
        if limited is not None:
            await self._notify()
            return limited
        for rule in self.rate_limits:
            if rule.count > 0 and rule.method == request.method and rule.pattern.search(path):
                rule.count -= 1
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": rule.retry_after,
                    "global": False,
                }
                response = self.json(body, status=429, remaining=0, reset_after=rule.retry_after)
                response.headers["Retry-After"] = str(rule.retry_after)
                response.headers["X-RateLimit-Scope"] = "user"
                await self._notify()
                return response
        try:
            return await self._with_faults(request, path, handler)
        finally:
            await self._notify()

    @staticmethod
    def json(body: object, status: int = 200, remaining: int = 49, reset_after: float = 1.0) -> web.Response:
        """Exactly `application/json` (discord.py compares the header verbatim) plus rate-limit headers."""
        response = web.Response(status=status, body=json.dumps(body).encode())
        response.headers["Content-Type"] = "application/json"
        response.headers["Via"] = "1.1 google"  # discord.py treats a 429 without it as a Cloudflare ban
        response.headers.update(
            {
                "X-RateLimit-Limit": "50",
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": f"{datetime.now(UTC).timestamp() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": "fake-bucket",
            }
        )
        return response

    @staticmethod
    def no_content() -> web.Response:
        response = web.Response(status=204)
        response.headers.update(
            {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49", "X-RateLimit-Reset-After": "1.000"}
        )
        return response

    def not_found(self, what: str, code: int) -> web.Response:
        return self.json({"message": f"Unknown {what}", "code": code}, status=404)

    def missing_access(self) -> web.Response:
        """Discord's answer for a channel the bot cannot see (documented JSON error code 50001)."""
        return self.json({"message": "Missing Access", "code": 50001}, status=403)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        guild = self.channel_guild(channel_id)
        if guild is None:
            return self.not_found("Channel", 10003)
        if channel_id in self.hidden_channels:
            return self.missing_access()
        return self.json(guild.channel_dict(channel_id))

    def _routes(self) -> list[web.RouteDef]:
        p = API_PREFIX
        return [
            web.get("/gateway", self._gateway),
            web.get("/resume-gateway", self._gateway),
            web.get(f"{p}/users/@me", self._me),
            web.get(f"{p}/oauth2/applications/@me", self._application),
            web.get(f"{p}/gateway/bot", self._gateway_bot),
            web.get(f"{p}/gateway", self._gateway_bot),
            web.post(f"{p}/users/@me/channels", self._open_dm),
            web.get(f"{p}/channels/{{channel}}", self._get_channel),
            web.post(f"{p}/channels/{{channel}}/messages", self._create_message),
            web.get(f"{p}/channels/{{channel}}/messages", self._history),
            web.get(f"{p}/channels/{{channel}}/messages/{{message}}", self._get_message),
            web.put(
                f"{p}/channels/{{channel}}/messages/{{message}}/reactions/{{emoji}}/@me",
                self._add_own_reaction,
            ),
            web.delete(
                f"{p}/channels/{{channel}}/messages/{{message}}/reactions/{{emoji}}/{{user}}",
                self._remove_reaction,
            ),
            web.get(
                f"{p}/channels/{{channel}}/messages/{{message}}/reactions/{{emoji}}", self._list_reactions
            ),
            web.put(f"{p}/applications/{{app}}/commands", self._put_global_commands),
            web.get(f"{p}/applications/{{app}}/commands", self._get_global_commands),
            web.put(f"{p}/applications/{{app}}/guilds/{{guild}}/commands", self._put_guild_commands),
            web.post(f"{p}/interactions/{{iid}}/{{token}}/callback", self._interaction_callback),
            web.post(f"{p}/webhooks/{{app}}/{{token}}", self._followup),
            web.patch(f"{p}/webhooks/{{app}}/{{token}}/messages/{{message}}", self._edit_followup),
            web.delete(f"{p}/webhooks/{{app}}/{{token}}/messages/{{message}}", self._delete_followup),
            web.post("/_fake/react", self._control_react),
            web.post("/_fake/command", self._control_command),
            web.get("/_fake/state", self._control_state),
        ]

    async def _body(self, request: web.Request) -> tuple[Json, list[tuple[str, bytes]]]:
        """JSON, or multipart with `payload_json` and files (attachments)."""
        if request.content_type.startswith("multipart/"):
            payload: Json = {}
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    files.append((part.filename or "file", bytes(await part.read())))
            return payload, files
        if not request.can_read_body:
            return {}, []
        return await request.json(), []

    # REST: identity ------------------------------------------------------------------------------------
    async def _me(self, request: web.Request) -> web.Response:
        return self.json(self.bot.to_dict())

    async def _application(self, request: web.Request) -> web.Response:
        return self.json(
            {
                "id": str(self.app_id),
                "name": "Who's Responsible? (fake)",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": {**FakeUser(self.ids.next(), "owner").to_dict()},
                "verify_key": "0" * 64,
                "summary": "",
                "flags": 0,
                "team": None,
                "bot": self.bot.to_dict(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return self.json(
            {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit}
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        body, _ = await self._body(request)
        user_id = int(body["recipient_id"])
        user = self.users.get(user_id)
        if user is None:
            return self.not_found("User", 10013)
        channel_id = self.dm_channels.setdefault(user_id, self.ids.next())
        return self.json(
            {
                "id": str(channel_id),
                "type": 1,
                "recipients": [user.to_dict()],
                "last_message_id": None,
                "flags": 0,
            }
        )

    # REST: messages and reactions ------------------------------------------------------------------------
    def _known_channel(self, channel_id: int) -> bool:
        return self.channel_guild(channel_id) is not None or channel_id in self.dm_channels.values()

    def _message_dict(
        self, channel_id: int, body: Json, author: FakeUser, attachments: list[tuple[str, bytes]]
    ) -> Json:
        guild = self.channel_guild(channel_id)
        message: Json = {
            "id": str(self.ids.next()),
            "channel_id": str(channel_id),
            "author": author.to_dict(),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self.ids.next()),
                    "filename": name,
                    "size": len(data),
                    "url": "",
                    "proxy_url": "",
                    "_bytes": data.decode("utf-8", "replace"),
                }
                for name, data in attachments
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": 19 if body.get("message_reference") else 0,
            "flags": int(body.get("flags") or 0),
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("allowed_mentions") is not None:
            message["_allowed_mentions"] = body["allowed_mentions"]  # what the bot allowed to ping
        if body.get("message_reference"):
            message["message_reference"] = {
                k: str(v) if k.endswith("_id") else v for k, v in body["message_reference"].items()
            }
        return message

    def _with_reactions(self, message: Json) -> Json:
        counts = self.reactions.get(int(message["id"]), {})
        out = dict(message)
        out["reactions"] = [
            {"emoji": {"id": None, "name": emoji}, "count": len(users), "me": self.bot.id in users,
             "count_details": {"burst": 0, "normal": len(users)}, "burst_colors": [], "me_burst": False, "burst_me": False}
            for emoji, users in counts.items() if users
        ]  # fmt: skip
        return out

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if not self._known_channel(channel_id):
            return self.not_found("Channel", 10003)
        if channel_id in self.hidden_channels:
            return self.missing_access()
        body, files = await self._body(request)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            existing = self.nonces.get((channel_id, str(nonce)))
            if existing is not None:
                return self.json(self._with_reactions(self.by_id[existing]))
        message = self._message_dict(channel_id, body, self.bot, files)
        self.messages.setdefault(channel_id, []).append(message)
        self.by_id[int(message["id"])] = message
        if nonce is not None and body.get("enforce_nonce"):
            self.nonces[(channel_id, str(nonce))] = int(message["id"])
        return self.json(message)

    def add_foreign_message(self, channel_id: int, author: FakeUser, content: str) -> Json:
        """A message the bot did not send (e.g. someone's chat), for history and uncached-message tests."""
        message = self._message_dict(channel_id, {"content": content}, author, [])
        self.messages.setdefault(channel_id, []).append(message)
        self.by_id[int(message["id"])] = message
        return message

    async def _history(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if not self._known_channel(channel_id):
            return self.not_found("Channel", 10003)
        if channel_id in self.hidden_channels:
            return self.missing_access()
        limit = min(int(request.query.get("limit", "50")), 100)
        before = int(request.query.get("before", "0")) or None
        newest_first = [
            m for m in reversed(self.channel_messages(channel_id)) if before is None or int(m["id"]) < before
        ]
        return self.json([self._with_reactions(m) for m in newest_first[:limit]])

    def _message(self, request: web.Request) -> Json | None:
        message = self.by_id.get(int(request.match_info["message"]))
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return None
        return message

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        return self.json(self._with_reactions(message)) if message else self.not_found("Message", 10008)

    async def _add_own_reaction(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return self.not_found("Message", 10008)
        emoji = unquote(request.match_info["emoji"])
        await self.react(int(message["channel_id"]), int(message["id"]), self.bot.id, emoji)
        return self.no_content()

    async def _remove_reaction(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return self.not_found("Message", 10008)
        raw_user = request.match_info["user"]
        user_id = self.bot.id if raw_user == "@me" else int(raw_user)
        await self.unreact(
            int(message["channel_id"]), int(message["id"]), user_id, unquote(request.match_info["emoji"])
        )
        return self.no_content()

    async def _list_reactions(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return self.not_found("Message", 10008)
        emoji = unquote(request.match_info["emoji"])
        limit = min(int(request.query.get("limit", "25")), 100)
        after = int(request.query.get("after", "0"))
        users = sorted(u for u in self.reaction_users(int(message["id"]), emoji) if u > after)
        return self.json([self.users[u].to_dict() for u in users[:limit]])

    # REST: commands and interactions -------------------------------------------------------------------
    def _stored_commands(self, body: list[Json], guild_id: int | None) -> list[Json]:
        out = []
        for command in body:
            stored = {
                **command,
                "id": str(self.ids.next()),
                "application_id": str(self.app_id),
                "version": "1",
            }
            if guild_id is not None:
                stored["guild_id"] = str(guild_id)
            stored.setdefault("default_member_permissions", None)
            stored.setdefault("options", [])
            out.append(stored)
        return out

    async def _put_global_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.global_commands = self._stored_commands(body, None)
        self.command_syncs.append(None)
        return self.json(self.global_commands)

    async def _get_global_commands(self, request: web.Request) -> web.Response:
        return self.json(self.global_commands)

    async def _put_guild_commands(self, request: web.Request) -> web.Response:
        guild_id = int(request.match_info["guild"])
        self.guild_commands[guild_id] = self._stored_commands(await request.json(), guild_id)
        self.command_syncs.append(guild_id)
        return self.json(self.guild_commands[guild_id])

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(int(request.match_info["iid"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            return self.not_found("interaction", 10062)
        body, files = await self._body(request)
        if files:
            body["_files"] = files
        responses = self.callbacks.setdefault(interaction.id, [])
        if responses:
            return self.json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, status=400
            )
        responses.append(body)
        kind = int(body["type"])
        ephemeral = bool(int((body.get("data") or {}).get("flags") or 0) & 64)
        answer: Json = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
            "resource": {"type": kind},
        }
        if kind == 4:
            channel = int(interaction.payload.get("channel_id", 0))
            message = self._message_dict(channel, body.get("data") or {}, self.bot, files)
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"]["message"] = message
        return self.json(answer)

    def _interaction_by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._interaction_by_token(request.match_info["token"])
        if interaction is None or request.match_info["app"] != str(self.app_id):
            return self.not_found("Webhook", 10015)
        if not self.callbacks.get(interaction.id):
            return self.not_found("Webhook", 10015)  # Discord wants a response (or defer) first
        body, files = await self._body(request)
        channel = int(interaction.payload.get("channel_id", 0))
        message = self._message_dict(channel, body, self.bot, files)
        message["webhook_id"] = str(self.app_id)
        message["application_id"] = str(self.app_id)
        self.followups.setdefault(interaction.token, []).append(message)
        return self.json(message)

    async def _edit_followup(self, request: web.Request) -> web.Response:
        interaction = self._interaction_by_token(request.match_info["token"])
        if interaction is None:
            return self.not_found("Webhook", 10015)
        body, files = await self._body(request)
        channel = int(interaction.payload.get("channel_id", 0))
        message = self._message_dict(channel, body, self.bot, files)
        self.followups.setdefault(interaction.token, []).append(message)
        return self.json(message)

    async def _delete_followup(self, request: web.Request) -> web.Response:
        return self.no_content()

    # Gateway -------------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.gateway_paths.append(request.path)
        await ws.send_str(
            json.dumps(
                {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
        )
        session: Session | None = None
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == HEARTBEAT:
                await ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
            elif op == IDENTIFY:
                session = await self._identify(ws, data["d"])
                if session is None:
                    break
            elif op == RESUME:
                session = await self._resume(ws, data["d"])
            # PRESENCE and REQUEST_MEMBERS are accepted and ignored
        if session is not None and session.ws is ws:
            session.ws = None
        await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: Json) -> Session | None:
        self.identifies.append({k: v for k, v in d.items() if k != "token"})
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = d.get("intents")
        if not isinstance(intents, int):
            await ws.close(code=4013, message=b"Invalid intent(s).")
            return None
        granted = GUILD_MEMBERS if self.members_intent_granted else 0
        if intents & PRIVILEGED & ~granted:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard_id, shard_count = d.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        session = Session(secrets.token_hex(8), (shard_id, shard_count), intents, ws=ws)
        self.sessions[session.id] = session
        self.by_shard[shard_id] = session
        guilds = [g for g in self.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        ready = {
            "v": 10,
            "user": self.bot.to_dict(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.resume_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(session, "READY", ready)
        if intents & GUILDS:
            for guild in guilds:
                await self._send(session, "GUILD_CREATE", guild.to_dict(self.bot))
        await self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: Json) -> Session | None:
        self.resumes.append({k: v for k, v in d.items() if k != "token"})
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or d.get("token") != self.token:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return None
        session.ws = ws
        self.by_shard[session.shard[0]] = session
        last = int(d.get("seq") or 0)
        for payload in session.sent:
            if payload["s"] > last:
                await ws.send_str(json.dumps(payload))
        await self._send(session, "RESUMED", {})
        await self._notify()
        return session

    async def _send(self, session: Session, event: str, data: Json) -> None:
        """Every dispatch is kept, so a RESUME replays what a dropped connection missed."""
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.sent.append(payload)
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_str(json.dumps(payload))
            except ConnectionError:
                session.ws = None

    def _session_for(self, guild_id: int | None) -> Session:
        count = next(iter(self.by_shard.values())).shard[1] if self.by_shard else 1
        shard = 0 if guild_id is None else (guild_id >> 22) % count
        session = self.by_shard.get(shard)
        if session is None:
            raise RuntimeError(f"no gateway session for shard {shard}: is the bot connected?")
        return session

    async def dispatch(self, event: str, data: Json, guild_id: int | None) -> None:
        await self._send(self._session_for(guild_id), event, data)

    def connected(self, shard: int = 0) -> bool:
        session = self.by_shard.get(shard)
        return session is not None and session.ws is not None and not session.ws.closed

    async def reconnect(self, shard: int = 0) -> None:
        """Op 7: the client must drop the socket and RESUME at resume_gateway_url. Dispatches injected
        before it has resumed are held and replayed, as Discord does."""
        session = self._session_for(None if shard == 0 else shard)
        ws, session.ws = session.ws, None
        if ws is not None and not ws.closed:
            await ws.send_str(json.dumps({"op": RECONNECT, "d": None, "s": None, "t": None}))

    async def invalidate_session(self, shard: int = 0, resumable: bool = False) -> None:
        """Op 9: with `resumable=False` the session is gone and the client must IDENTIFY afresh."""
        session = self.by_shard[shard]
        ws = session.ws
        if not resumable:
            self.sessions.pop(session.id, None)
            session.ws = None
        if ws is not None and not ws.closed:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None}))

    # Fault knobs (tests/faults_platform) -----------------------------------------------------------------
    def fail(
        self, method: str, path_regex: str, count: int = 1, status: int = 500, apply_first: bool = False
    ) -> None:
        """The next `count` matching requests get `status` (a 5xx), applied first or not at all."""
        self.faults.append(FaultRule(method, re.compile(path_regex), count, status, 0.0, apply_first))

    def slow(
        self, method: str, path_regex: str, seconds: float, count: int = 1, apply_first: bool = True
    ) -> None:
        """The next `count` matching requests are answered `seconds` late (applied first, by default)."""
        self.faults.append(FaultRule(method, re.compile(path_regex), count, 0, seconds, apply_first))

    async def _with_faults(
        self,
        request: web.Request,
        path: str,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        rule = next(
            (r for r in self.faults if r.count > 0 and r.method == request.method and r.pattern.search(path)),
            None,
        )
        if rule is None:
            return await handler(request)
        rule.count -= 1
        if rule.apply_first:
            response = await handler(request)
        if rule.delay:
            await asyncio.sleep(rule.delay)  # simulated latency of the fake itself
        if rule.status:
            return self.json({"message": f"{rule.status}: Server Error", "code": 0}, status=rule.status)
        return response if rule.apply_first else await handler(request)

    async def drop_gateway(self, shard: int = 0) -> None:
        """An abrupt end of the gateway connection (the TCP connection is cut, no close frame): the client
        must notice and RESUME; dispatches injected meanwhile are replayed then."""
        session = self.by_shard[shard]
        ws, session.ws = session.ws, None
        request = getattr(ws, "_req", None) if ws is not None else None  # aiohttp keeps the request
        if request is not None and request.transport is not None:
            request.transport.abort()
        await self._notify()

    # Enforced global rate limit (bench/fanout; off by default) -------------------------------------------
    #: Requests per second allowed across the bot (Discord's global limit); None = not enforced.
    global_limit: int | None = None

    def enforce_global_limit(self, per_second: int = 50) -> None:
        """Enforce Discord's global rate limit: at most `per_second` REST requests in each one-second window
        (windows start at the first request after this call); beyond, 429 with `global: true` and the
        `retry_after` until the window resets, not applied. Interaction and webhook routes are exempt, as
        on Discord. Accepted requests are logged in `accepted` as (monotonic time, method, path)."""
        self.global_limit = per_second
        self._window_start: float | None = None
        self._window_index = -1
        self._window_count = 0
        self.accepted: list[tuple[float, str, str]] = []
        self.global_429s = 0

    def _enforce_global_limit(self, method: str, path: str, exempt: bool) -> web.Response | None:
        if self.global_limit is None or exempt:
            return None
        now = time.monotonic()
        if self._window_start is None:
            self._window_start = now
        index = int((now - self._window_start) // 1.0)
        if index != self._window_index:
            self._window_index, self._window_count = index, 0
        if self._window_count >= self.global_limit:
            self.global_429s += 1
            retry_after = round(self._window_start + index + 1 - now, 3) or 0.001
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
            response = self.json(body, status=429, remaining=0, reset_after=retry_after)
            response.headers["Retry-After"] = str(retry_after)
            response.headers["X-RateLimit-Global"] = "true"
            response.headers["X-RateLimit-Scope"] = "global"
            return response
        self._window_count += 1
        self.accepted.append((now, method, path))
        return None

    # Injectors -----------------------------------------------------------------------------------------
    async def react(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> None:
        users = self.reactions.setdefault(message_id, {}).setdefault(emoji, [])
        if user_id in users:
            return
        users.append(user_id)
        guild = self.channel_guild(channel_id)
        data = self._reaction_payload(channel_id, message_id, user_id, emoji)
        data["burst_colors"] = []
        author = self.by_id.get(message_id, {}).get("author")
        if author:
            data["message_author_id"] = author["id"]
        if guild is not None:
            member = guild.members.get(user_id) or FakeMember(self.users[user_id])
            data["member"] = member.to_dict()
        await self.dispatch("MESSAGE_REACTION_ADD", data, guild.id if guild else None)

    async def unreact(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> None:
        users = self.reactions.get(message_id, {}).get(emoji, [])
        if user_id not in users:
            return
        users.remove(user_id)
        guild = self.channel_guild(channel_id)
        data = self._reaction_payload(channel_id, message_id, user_id, emoji)
        await self.dispatch("MESSAGE_REACTION_REMOVE", data, guild.id if guild else None)

    def _reaction_payload(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> Json:
        """The fields MESSAGE_REACTION_ADD and _REMOVE share."""
        data: Json = {
            "user_id": str(user_id),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        guild = self.channel_guild(channel_id)
        if guild is not None:
            data["guild_id"] = str(guild.id)
        return data

    async def member_join(self, guild: FakeGuild, username: str, bot: bool = False) -> FakeUser:
        user = self.add_member(guild, username, bot=bot)
        data = {"guild_id": str(guild.id), **guild.members[user.id].to_dict()}
        await self.dispatch("GUILD_MEMBER_ADD", data, guild.id)
        return user

    def _interaction(
        self,
        kind: int,
        data: Json,
        guild: FakeGuild | None,
        channel_id: int,
        user_id: int,
        message: Json | None = None,
    ) -> Interaction:
        iid = self.ids.next()
        token = "itok-" + secrets.token_hex(12)
        user = self.users[user_id]
        payload: Json = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(EVERYDAY),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)} if guild else {"1": str(user_id)},
            "context": 0 if guild else 1,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["channel"] = guild.channel_dict(channel_id)
            member = guild.members.get(user_id) or FakeMember(user)
            payload["member"] = member.to_dict(with_permissions=True)
        else:
            payload["channel"] = {
                "id": str(channel_id),
                "type": 1,
                "recipients": [user.to_dict()],
                "flags": 0,
            }
            payload["user"] = user.to_dict()
        if message is not None:
            payload["message"] = self._with_reactions(message)
        interaction = Interaction(iid, token, payload)
        self.interactions[iid] = interaction
        return interaction

    def _options(self, options: dict[str, object], focused: str | None) -> tuple[list[Json], Json]:
        out: list[Json] = []
        resolved: Json = {}
        for name, value in options.items():
            if isinstance(value, FakeUser):
                out.append({"name": name, "type": 6, "value": str(value.id)})
                resolved.setdefault("users", {})[str(value.id)] = value.to_dict()
            elif isinstance(value, bool):
                out.append({"name": name, "type": 5, "value": value})
            elif isinstance(value, int):
                out.append({"name": name, "type": 4, "value": value})
            else:
                out.append({"name": name, "type": 3, "value": str(value)})
            if name == focused:
                out[-1]["focused"] = True
        return out, resolved

    async def slash(
        self,
        guild: FakeGuild | None,
        channel_id: int,
        user: FakeUser,
        subcommand: str,
        focused: str | None = None,
        **options: object,
    ) -> Interaction:
        """`/responsibility <subcommand> option:value…` (type 2), or its autocomplete (type 4) when `focused`."""
        opts, resolved = self._options(options, focused)
        data: Json = {
            "id": str(self.global_commands[0]["id"]) if self.global_commands else str(self.app_id + 1),
            "name": "responsibility",
            "type": 1,
            "options": [{"name": subcommand, "type": 1, "options": opts}],
        }
        if resolved:
            data["resolved"] = resolved
        interaction = self._interaction(4 if focused else 2, data, guild, channel_id, user.id)
        await self.dispatch("INTERACTION_CREATE", interaction.payload, guild.id if guild else None)
        return interaction

    async def submit_modal(
        self, guild: FakeGuild, channel_id: int, user: FakeUser, custom_id: str, values: dict[str, str]
    ) -> Interaction:
        """A filled-in modal (MODAL_SUBMIT, type 5): one action row per text input, as Discord sends it."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": cid, "value": value}]}
            for cid, value in values.items()
        ]
        data = {"custom_id": custom_id, "components": rows}
        interaction = self._interaction(5, data, guild, channel_id, user.id)
        await self.dispatch("INTERACTION_CREATE", interaction.payload, guild.id)
        return interaction

    async def click(self, message: Json, user: FakeUser, custom_id: str) -> Interaction:
        """A button press (component interaction, type 3) on a stored message, in a server or a DM."""
        channel_id = int(message["channel_id"])
        guild = self.channel_guild(channel_id)
        data = {"custom_id": custom_id, "component_type": 2}
        interaction = self._interaction(3, data, guild, channel_id, user.id, message)
        await self.dispatch("INTERACTION_CREATE", interaction.payload, guild.id if guild else None)
        return interaction

    def responses(self, interaction: Interaction) -> list[Json]:
        """What the bot sent for an interaction: its callback, then its follow-ups."""
        return self.callbacks.get(interaction.id, []) + self.followups.get(interaction.token, [])

    def dms_to(self, user: FakeUser) -> list[Json]:
        channel = self.dm_channels.get(user.id)
        return self.channel_messages(channel) if channel else []

    # Control endpoints for poking a running fake by hand -------------------------------------------------
    async def _control_react(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self.react(
            int(body["channel_id"]), int(body["message_id"]), int(body["user_id"]), str(body["emoji"])
        )
        return self.json({"ok": True})

    async def _control_command(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel_id = int(body["channel_id"])
        guild = self.channel_guild(channel_id)
        options = dict(body.get("options") or {})
        interaction = await self.slash(
            guild, channel_id, self.users[int(body["user_id"])], str(body["subcommand"]), **options
        )
        return self.json({"interaction_id": str(interaction.id)})

    async def _control_state(self, request: web.Request) -> web.Response:
        return self.json(
            {
                "guilds": {str(g.id): {"name": g.name, "channels": {str(c): n for c, n in g.channels.items()},
                                       "members": {str(u): m.user.username for u, m in g.members.items()}}
                           for g in self.guilds.values()},
                "messages": {str(c): [{"id": m["id"], "embeds": m["embeds"], "content": m["content"]} for m in ms]
                             for c, ms in self.messages.items()},
                "reactions": {str(m): r for m, r in self.reactions.items()},
                "followups": self.followups,
            }
        )  # fmt: skip


async def _main() -> None:
    fake = await FakeDiscord().start()
    guild = fake.add_guild("Demo server", channels=("aws-study",), roles=("Respbot Admin",))
    admin = fake.add_member(guild, "admin", admin=True)
    members = [fake.add_member(guild, name) for name in ("ann", "bob", "cid", "dan", "eve")]
    channel = next(iter(guild.channels))
    print(f"DISCORD_TOKEN={fake.token}")
    print(f"DISCORD_API_BASE_URL={fake.rest_url}")
    print(f"DISCORD_GATEWAY_URL={fake.gateway_url}")
    print(f"# guild {guild.id}, channel #aws-study {channel}, admin {admin.id}")
    print("# members " + ", ".join(f"{m.username}={m.id}" for m in members))
    base = f"http://127.0.0.1:{fake.port}/_fake"
    print(
        f'# run setup:  curl -X POST {base}/command -d \'{{"channel_id": "{channel}", "user_id": "{admin.id}", "subcommand": "setup"}}\''
    )
    print(
        f'# react:      curl -X POST {base}/react -d \'{{"channel_id": "{channel}", "message_id": "MSG", "user_id": "{members[0].id}", "emoji": "☁️"}}\''
    )
    print(f"# state:      curl {base}/state")
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


if __name__ == "__main__":
    try:
        asyncio.run(_main())
    except KeyboardInterrupt:
        pass
