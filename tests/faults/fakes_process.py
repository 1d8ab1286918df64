"""FakeSlack, FakeDiscord and FakeTeams in a process of their own, for the crash harness
(tests/faults/harness.py; the Teams side is tests/faults/teams_world.py).

The bot under test is a real process, and so are the platforms it talks to: a SIGKILL of the bot leaves the
platforms' state as it was, as on the real thing. Next to the two fakes this process serves a small control
API for the harness, which runs in a third process:

- `POST /react`: a person reacts. The reaction is on the post at once (what `reactions.get` and Discord's
  reaction list return); when asked, and only while the bot is connected, the event is sent too — in the
  background, so a bot that dies meanwhile cannot hold the harness up. While the bot is down a reaction is
  only stored, which is what a platform does with an event it cannot deliver.
- `GET /snapshot?platform=…`: every message of the team channels, with its idempotency key, thread parent,
  author and reactions — the platform's side of the books, read independently of the bot's database.
- `POST /arm-kill`: SIGKILL the bot the moment the platform has applied its next scenario post (`round`) or
  reveal (`reveal`), before the bot hears the answer: the "the platform has it, we don't know" window.
- `POST /command`: an admin runs `/responsibility …`; answers with the bot's reply.
- `POST /forget-nonces`: Discord remembers message nonces for a few minutes at most; a restart that the
  harness moves minutes on must not lean on them.
- `POST /plant-duplicate`: a second bot message under an existing key, so a test can prove that the
  harness's duplicate check is able to fail.
- `POST /teams-bot`: where the bot's messaging endpoint listens (Teams calls the bot, not the other way).

Run: `python -m tests.faults.fakes_process --teams 2 --people 8`. Prints one JSON line (URLs, tokens, ids),
then serves until SIGTERM or until its standard input closes (the harness went away).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.adapters.slack.translate import PARTY_REACTION
from bot.core.messages import OPTIONS
from tests.fakes.fake_discord import FakeDiscord, FakeGuild, FakeUser
from tests.fakes.fake_slack import FakeSlack, Message

SLACK_TEAM = "T0FAULT"
SLACK_ADMIN = "UADMIN"
#: Our idempotency keys as the platforms carry them: `round-<id>.<installation>.<date>.<scenario>` on a
#: scenario, `reveal-<id>.…` on a reveal (booked by `round-<id>` / `reveal-<id>`), `reminder-<id>`, and weekly
#: recaps and season posts by installation, team and period (`recap-<id>-7-w:2026-W48`).
KEY = re.compile(
    r"\b((?:round|reveal)-\d+(?=\.|$)|reminder-\d+|(?:recap|season)-[0-9a-f]+-\d+-[wm]:[0-9W-]+)(?:\.[A-Za-z0-9.-]+)?$"
)


def base_key(key: str) -> str:
    match = KEY.search(key)
    return match.group(1) if match else key


SLACK_NAME = {party.value: name for party, name in PARTY_REACTION.items()}
DISCORD_EMOJI = {o.party.value: o.emoji for o in OPTIONS}


@dataclass
class KillSwitch:
    """Armed by the harness: which process to kill, and on the platform's next post of which kind."""

    pid: int = 0
    kind: str = ""  # "round" (scenario post) or "reveal"
    fired: list[str] = field(default_factory=list)

    def check(self, key: str) -> None:
        if self.pid and key.startswith(self.kind + "-"):
            pid, self.pid = self.pid, 0
            self.fired.append(key)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def slack_key(metadata: object) -> str:
    if isinstance(metadata, str) and metadata.startswith("{"):
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict):
        return ""
    payload = metadata.get("event_payload") or {}
    return base_key(str(payload.get("key", ""))) if isinstance(payload, dict) else ""


def discord_key(message: dict[str, Any]) -> str:
    for embed in message.get("embeds") or []:
        match = KEY.search(str((embed.get("footer") or {}).get("text", "")))
        if match:
            return match.group(1)
    return ""


class KillingFakeSlack(FakeSlack):
    """FakeSlack whose chat.postMessage can SIGKILL the bot once the message is stored."""

    def __init__(self) -> None:
        super().__init__()
        self.kill = KillSwitch()

    async def _dispatch(
        self, method: str, p: dict[str, Any], token: str, team_id: str | None
    ) -> dict[str, Any]:
        result = await super()._dispatch(method, p, token, team_id)
        if method == "chat.postMessage":
            self.kill.check(slack_key(p.get("metadata")))
        return result


class KillingFakeDiscord(FakeDiscord):
    """FakeDiscord whose message creation can SIGKILL the bot once the message is stored."""

    def __init__(self) -> None:
        super().__init__()
        self.kill = KillSwitch()

    async def _create_message(self, request: web.Request) -> web.Response:
        response = await super()._create_message(request)
        if response.status == 200 and isinstance(response.body, bytes):
            self.kill.check(discord_key(json.loads(response.body)))
        return response


class World:
    """The three fakes, each with one workspace / server / tenant, `teams` channels and `people` members."""

    def __init__(self, teams: int, people: int) -> None:
        from tests.faults.teams_world import TeamsSide

        self.slack = KillingFakeSlack()
        self.discord = KillingFakeDiscord()
        self.teams = TeamsSide(teams, people, KillSwitch())
        self.n_teams = teams
        self.n_people = people
        self.slack_channels = [f"C0TEAM{i + 1}" for i in range(teams)]
        self.slack_people = [f"U{i + 1:03d}" for i in range(people)]
        self.guild: FakeGuild | None = None
        self.discord_admin: FakeUser | None = None
        self.discord_people: list[FakeUser] = []
        self.background: set[asyncio.Task[None]] = set()
        self.undelivered = 0

    async def start(self) -> None:
        await self.slack.start()
        ws = self.slack.add_workspace(SLACK_TEAM, "faults")
        self.slack.add_user(SLACK_TEAM, SLACK_ADMIN, "Ada Admin", is_admin=True)
        for uid in self.slack_people:
            self.slack.add_user(SLACK_TEAM, uid, f"Person {uid}")
        for i, cid in enumerate(self.slack_channels):
            self.slack.add_channel(SLACK_TEAM, cid, f"team-{i + 1}")
        self.slack_token = ws.token

        await self.discord.start()
        self.guild = self.discord.add_guild(
            "Fault server", channels=tuple(f"team-{i + 1}" for i in range(self.n_teams))
        )
        self.discord_admin = self.discord.add_member(self.guild, "admin", admin=True)
        self.discord_people = [
            self.discord.add_member(self.guild, f"p{i + 1:03d}") for i in range(self.n_people)
        ]
        await self.teams.start()

    def describe(self, control_url: str) -> dict[str, Any]:
        assert self.guild is not None and self.discord_admin is not None
        return {
            "control": control_url,
            "slack": {
                "api_url": self.slack.api_url,
                "bot_token": self.slack_token,
                "app_token": self.slack.app_token,
                "workspace": SLACK_TEAM,
                "channels": self.slack_channels,
                "admin": SLACK_ADMIN,
                "people": self.slack_people,
            },
            "discord": {
                "token": self.discord.token,
                "api_url": self.discord.rest_url,
                "gateway_url": self.discord.gateway_url,
                "workspace": str(self.guild.id),
                "channels": [str(c) for c in self.guild.channels],
                "admin": str(self.discord_admin.id),
                "people": [str(p.id) for p in self.discord_people],
            },
            "teams": self.teams.describe(),
        }

    # Reactions ----------------------------------------------------------------------------------------
    async def react(
        self, platform: str, channel: str, message: str, user: str, option: str, deliver: bool
    ) -> bool:
        """Store the reaction; send the event only if asked and the bot is connected. True if sent.
        On Teams a reaction is a button press: it reaches the bot or fails, nothing is stored."""
        if platform == "teams":
            return await self.teams.react(message, user, option, deliver)
        if platform == "slack":
            return self._react_slack(channel, message, user, SLACK_NAME[option], deliver)
        return await self._react_discord(
            int(channel), int(message), int(user), DISCORD_EMOJI[option], deliver
        )

    def _react_slack(self, channel: str, ts: str, user: str, name: str, deliver: bool) -> bool:
        stored = self.slack.workspaces[SLACK_TEAM].message(channel, ts)
        if stored is None:
            raise web.HTTPNotFound(text=f"no message {ts} in {channel}")
        users = stored.reactions.setdefault(name, [])
        if user not in users:
            users.append(user)
        if not (deliver and self.slack.socket_connected):
            return False
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": name,
            "item_user": stored.user,
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
        task = asyncio.create_task(self._push(self.slack.event_callback(SLACK_TEAM, event)))
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return True

    async def _push(self, payload: dict[str, Any]) -> None:
        try:
            await self.slack.push("events_api", payload)
        except Exception:  # the bot died before it acked: the reaction stays on the post, as on Slack
            self.undelivered += 1

    async def _react_discord(self, channel: int, message: int, user: int, emoji: str, deliver: bool) -> bool:
        if message not in self.discord.by_id:
            raise web.HTTPNotFound(text=f"no message {message}")
        if deliver and self.discord.connected(0):
            try:
                await self.discord.react(channel, message, user, emoji)  # stores and dispatches
                return True
            except Exception:
                self.undelivered += 1
        users = self.discord.reactions.setdefault(message, {}).setdefault(emoji, [])
        if user not in users:
            users.append(user)
        return False

    # Reading the platforms' state -------------------------------------------------------------------------
    def snapshot(self, platform: str) -> dict[str, Any]:
        if platform == "teams":
            return self.teams.snapshot()
        if platform == "slack":
            ws = self.slack.workspaces[SLACK_TEAM]
            channels = {
                cid: [self._slack_message(m, ws.bot_user_id) for m in ws.messages.get(cid, [])]
                for cid in self.slack_channels
            }
            return {
                "channels": channels,
                "connected": self.slack.socket_connected,
                "kills": self.slack.kill.fired,
            }
        assert self.guild is not None
        bot = self.discord.bot.id
        channels = {
            str(cid): [self._discord_message(m, bot) for m in self.discord.channel_messages(cid)]
            for cid in self.guild.channels
        }
        return {
            "channels": channels,
            "connected": self.discord.connected(0),
            "kills": self.discord.kill.fired,
        }

    @staticmethod
    def _slack_message(m: Message, bot_user: str) -> dict[str, Any]:
        return {
            "id": m.ts,
            # a file shared into a thread (the recap's chart) is keyed by its name and thread: twice is a duplicate
            "key": slack_key(m.metadata)
            or (f"file:{m.files[0].get('name')}@{m.thread_ts}" if m.files else ""),
            "parent": m.thread_ts if m.thread_ts and m.thread_ts != m.ts else None,
            "bot": m.user == bot_user,
            "reactions": {name: list(users) for name, users in m.reactions.items() if users},
        }

    def _discord_message(self, m: dict[str, Any], bot: int) -> dict[str, Any]:
        reference = m.get("message_reference") or {}
        reactions = self.discord.reactions.get(int(m["id"]), {})
        return {
            "id": str(m["id"]),
            "key": discord_key(m),
            "parent": str(reference["message_id"]) if reference.get("message_id") else None,
            "bot": int(m["author"]["id"]) == bot,
            "reactions": {emoji: [str(u) for u in users] for emoji, users in reactions.items() if users},
        }

    # Commands and planted faults ---------------------------------------------------------------------------
    async def command(self, platform: str, channel: str, text: str, options: dict[str, str]) -> str:
        if platform == "teams":
            return await self.teams.command(channel, text)
        if platform == "slack":
            responses = await self.slack.command(SLACK_TEAM, SLACK_ADMIN, channel, text)
            return responses[0].text
        assert self.guild is not None and self.discord_admin is not None
        interaction = await self.discord.slash(self.guild, int(channel), self.discord_admin, text, **options)
        await self.discord.wait_until(lambda: bool(self.discord.followups.get(interaction.token)), 15)
        return json.dumps(self.discord.followups[interaction.token][0], ensure_ascii=False)

    def plant_duplicate(self, platform: str, channel: str, key: str, parent: str | None) -> None:
        if platform == "teams":
            self.teams.plant_duplicate(channel, key, parent)
            return
        if platform == "slack":
            ws = self.slack.workspaces[SLACK_TEAM]
            ws.messages[channel].append(
                Message(
                    ts=f"1999999999.{len(ws.messages[channel]):06d}",
                    channel=channel,
                    user=ws.bot_user_id,
                    text="planted duplicate",
                    blocks=[],
                    metadata={"event_type": "respbot_post", "event_payload": {"key": key}},
                    thread_ts=parent,
                )
            )
            return
        message = self.discord.add_foreign_message(int(channel), self.discord.bot, "planted duplicate")
        message["embeds"] = [{"footer": {"text": key}}]
        if parent is not None:
            message["message_reference"] = {"message_id": parent, "channel_id": channel}

    def arm_kill(self, platform: str, pid: int, kind: str) -> None:
        switches = {"slack": self.slack.kill, "discord": self.discord.kill, "teams": self.teams.fake.kill}
        switch = switches[platform]
        assert isinstance(switch, KillSwitch)
        switch.pid, switch.kind = pid, kind

    def disarm(self) -> None:
        self.slack.kill.pid = self.discord.kill.pid = 0
        kill = self.teams.fake.kill
        assert isinstance(kill, KillSwitch)
        kill.pid = 0

    async def stop(self) -> None:
        for task in list(self.background):
            task.cancel()
        await self.slack.stop()
        await self.discord.stop()
        await self.teams.stop()


def control_app(world: World) -> web.Application:
    async def react(request: web.Request) -> web.Response:
        b = await request.json()
        sent = await world.react(
            str(b["platform"]), str(b["channel"]), str(b["message"]), str(b["user"]), str(b["option"]),
            bool(b.get("deliver", True)),
        )  # fmt: skip
        return web.json_response({"sent": sent})

    async def snapshot(request: web.Request) -> web.Response:
        return web.json_response(world.snapshot(request.query["platform"]))

    async def arm_kill(request: web.Request) -> web.Response:
        b = await request.json()
        if b.get("pid"):
            world.arm_kill(str(b["platform"]), int(b["pid"]), str(b["kind"]))
        else:
            world.disarm()
        return web.json_response({"ok": True})

    async def command(request: web.Request) -> web.Response:
        b = await request.json()
        reply = await world.command(
            str(b["platform"]), str(b["channel"]), str(b["text"]), dict(b.get("options") or {})
        )
        return web.json_response({"reply": reply})

    async def forget_nonces(request: web.Request) -> web.Response:
        world.discord.forget_nonces()
        return web.json_response({"ok": True})

    async def plant(request: web.Request) -> web.Response:
        b = await request.json()
        world.plant_duplicate(str(b["platform"]), str(b["channel"]), str(b["key"]), b.get("parent"))
        return web.json_response({"ok": True})

    async def teams_bot(request: web.Request) -> web.Response:
        world.teams.bot_url = str((await request.json())["url"])
        return web.json_response({"ok": True})

    app = web.Application()
    app.add_routes(
        [
            web.post("/react", react),
            web.get("/snapshot", snapshot),
            web.post("/arm-kill", arm_kill),
            web.post("/command", command),
            web.post("/plant-duplicate", plant),
            web.post("/forget-nonces", forget_nonces),
            web.post("/teams-bot", teams_bot),
        ]
    )
    return app


async def serve(teams: int, people: int) -> None:
    world = World(teams, people)
    await world.start()
    runner = web.AppRunner(control_app(world), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    port = int(sockets[0].getsockname()[1])
    print(json.dumps(world.describe(f"http://127.0.0.1:{port}")), flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # Standard input closes when the harness goes away (even if it was killed): never outlive it.
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    stdin_closed.add_done_callback(lambda _: stop.set())
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await world.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="FakeSlack + FakeDiscord + FakeTeams for the crash harness.")
    parser.add_argument("--teams", type=int, default=2)
    parser.add_argument("--people", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(serve(args.teams, args.people))
    os._exit(0)  # the executor thread blocked on stdin must not keep the process alive


if __name__ == "__main__":
    main()
