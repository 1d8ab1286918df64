"""FakeDiscord's data model: gateway opcodes, intents, snowflakes, and the users, members and guilds it serves."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

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
