"""FakeDiscord's REST routes for identity, channels, DMs, messages and reactions."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from tests.fakes.discord_injectors import DiscordInjectors
from tests.fakes.discord_model import (
    FakeUser,
    Json,
)


class DiscordRestMessages(DiscordInjectors):
    """The REST routes the bot uses to post, read and react."""

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        guild = self.channel_guild(channel_id)
        if guild is None:
            return self.not_found("Channel", 10003)
        if channel_id in self.hidden_channels:
            return self.missing_access()
        return self.json(guild.channel_dict(channel_id))

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
