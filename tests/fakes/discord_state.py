"""FakeDiscord's state and shared helpers: the world (guilds, members, messages), JSON answers, message dicts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import BodyPartReader, web

from tests.fakes.discord_model import (
    API_PREFIX,
    EVERYDAY,
    MANAGE_GUILD,
    FakeGuild,
    FakeMember,
    FakeUser,
    FaultRule,
    Interaction,
    Json,
    RateLimitRule,
    Session,
    Snowflakes,
    now_iso,
)


class DiscordState:
    """Everything the other parts of the fake read and change; no routes here."""

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

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

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
