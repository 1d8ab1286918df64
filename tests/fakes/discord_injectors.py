"""FakeDiscord's injectors: what people do (react, join, run a command, press a button, submit a modal)."""

from __future__ import annotations

import secrets

from tests.fakes.discord_gateway import DiscordGateway
from tests.fakes.discord_model import (
    EVERYDAY,
    FakeGuild,
    FakeMember,
    FakeUser,
    Interaction,
    Json,
)


class DiscordInjectors(DiscordGateway):
    """Gateway dispatches a test sends as if people had acted, and what the bot answered them."""

    def add_foreign_message(self, channel_id: int, author: FakeUser, content: str) -> Json:
        """A message the bot did not send (e.g. someone's chat), for history and uncached-message tests."""
        message = self._message_dict(channel_id, {"content": content}, author, [])
        self.messages.setdefault(channel_id, []).append(message)
        self.by_id[int(message["id"])] = message
        return message

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
