"""FakeSlack's deliveries: signed HTTP-mode requests, the payloads Slack sends, and people doing things."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack_model import ACK_DEADLINE, Channel, Response, sign
from tests.fakes.slack_socket import SlackSocketMode


class SlackDelivery(SlackSocketMode):
    """What Slack sends the bot (commands, events, button presses, modal submissions), by either mode."""

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
            if resp.status == 200 and text:
                self.note_immediate_response(kind, payload, _ack_message(text, resp.content_type))
                await self._touch()
            return resp.status, text

    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0) -> None:
        """Over the websocket when the bot is connected in Socket Mode, else as a signed HTTP request."""
        if self._sockets:
            await self.push(kind, payload, retry_attempt=retry)
            return
        status, text = await self.post_http(kind, payload, retry_num=retry or None)
        if status != 200:
            raise RuntimeError(f"the bot answered {status}: {text[:200]}")

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


def _ack_message(text: str, content_type: str) -> dict[str, Any]:
    """What Slack makes of a non-empty ack body: a JSON message when it is sent as JSON, else the text."""
    if content_type == "application/json":
        message = json.loads(text)
        if not isinstance(message, dict):
            raise ValueError(f"an ack's JSON body must be an object, got {text[:80]!r}")
        return message
    return {"text": text}
