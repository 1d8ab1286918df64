"""FakeDiscord's REST routes for application commands, interaction callbacks and webhook follow-ups."""

from __future__ import annotations

from aiohttp import web

from tests.fakes.discord_model import (
    Interaction,
    Json,
)
from tests.fakes.discord_state import DiscordState


class DiscordRestInteractions(DiscordState):
    """Command registration and the answers the bot gives to interactions."""

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
