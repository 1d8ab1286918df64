"""FakeSlack's data model: what it stores (workspaces, channels, messages, calls, envelopes) and the checks
every part shares (request signing, Block Kit limits).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

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
    """A message answering a slash command or a button: POSTed to its response_url (what `respond()` sends),
    or, for a slash command, sent as the body of its ack (Slack's "immediate response")."""

    rid: str
    team_id: str
    user_id: str
    channel_id: str
    body: dict[str, Any]
    via: str = "response_url"  # or "ack"

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
