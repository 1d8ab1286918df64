"""FakeDiscord: a local stand-in for Discord's REST API and gateway, for driving the real discord.py client.

An aiohttp server on 127.0.0.1 (port 0) serving the REST routes the bot uses — always answering with
`Content-Type: application/json` and rate-limit headers, a 429 with `retry_after` on demand — and a gateway
websocket speaking plain JSON text frames (discord.py asks for zlib-stream but decompresses only binary
frames, so uncompressed text is accepted). Tests inject gateway dispatches (reactions, member joins,
interactions) and assert on what the fake received. Like Discord, it honours `enforce_nonce`, sends
`resume_gateway_url` in READY, replays missed dispatches on RESUME, and can send RECONNECT / INVALID_SESSION.

Run by hand: `python -m tests.fakes.fake_discord` prints the URLs and a token to put in `.env`.

The parts live beside this file: `discord_model` (data), `discord_state`, `discord_faults`,
`discord_gateway`, `discord_injectors`, `discord_rest` and `discord_interactions`; every public name stays
importable from here.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

from tests.fakes.discord_faults import DiscordFaults
from tests.fakes.discord_interactions import DiscordRestInteractions
from tests.fakes.discord_model import (
    ADMINISTRATOR,
    API_PREFIX,
    DISCORD_EPOCH_MS,
    DISPATCH,
    EVERYDAY,
    GUILD_MEMBERS,
    GUILD_PRESENCES,
    GUILDS,
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INVALID_SESSION,
    MANAGE_GUILD,
    MESSAGE_CONTENT,
    PRESENCE,
    PRIVILEGED,
    RECONNECT,
    REQUEST_MEMBERS,
    RESUME,
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
from tests.fakes.discord_rest import DiscordRestMessages

__all__ = [
    "ADMINISTRATOR",
    "API_PREFIX",
    "DISCORD_EPOCH_MS",
    "DISPATCH",
    "EVERYDAY",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeUser",
    "FaultRule",
    "GUILDS",
    "GUILD_MEMBERS",
    "GUILD_PRESENCES",
    "HEARTBEAT",
    "HEARTBEAT_ACK",
    "HELLO",
    "IDENTIFY",
    "INVALID_SESSION",
    "Interaction",
    "Json",
    "MANAGE_GUILD",
    "MESSAGE_CONTENT",
    "PRESENCE",
    "PRIVILEGED",
    "RECONNECT",
    "REQUEST_MEMBERS",
    "RESUME",
    "RateLimitRule",
    "Session",
    "Snowflakes",
    "now_iso",
]


class FakeDiscord(DiscordFaults, DiscordRestMessages, DiscordRestInteractions):
    """The whole fake: one aiohttp server whose routes are served by the parts it is made of."""

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
