"""FakeTeams for the crash harness: the Teams side of the fakes process (tests/faults/fakes_process.py).

Teams differs from Slack and Discord in one way that matters here: answers are buttons, so an answer is an
invoke the bot must receive while it is up. A press while the bot is down (or killed mid-press) fails in
the person's Teams client and they press again later; nothing is left on the post to reconcile.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from tests.fakes.fake_teams import APP_ID, APP_PASSWORD, FakeTeams, Message, Person, Team

TEAMS_TENANT = "33333333-3333-4333-8333-333333333333"
TITLES = {"aws": "AWS", "customer": "Customer", "shared": "Shared"}
#: The bot marks posts `round-<id>·<fingerprint>` / `reveal-<id>·<fingerprint>` (bot/adapters/teams).
_KEY = re.compile(r"^((?:round|reveal)-\d+)(?:\.[A-Za-z0-9.-]+)?(?:·[0-9a-f]+)?$")


def teams_key(message: Message) -> str:
    for element in message.card.get("body") or []:
        if isinstance(element, dict) and element.get("id") == "rb-key":
            match = _KEY.match(str(element.get("text", "")))
            return match.group(1) if match else ""
    return ""


class Kill(Protocol):
    """The fakes process's kill switch (fakes_process.KillSwitch)."""

    fired: list[str]

    def check(self, key: str) -> None: ...


class KillingFakeTeams(FakeTeams):
    """FakeTeams whose message creation can SIGKILL the bot once the message is stored."""

    def __init__(self, kill: Kill) -> None:
        super().__init__()
        self.kill = kill

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        if response.status == 201 and isinstance(response.body, bytes):
            message = self.messages.get(str(json.loads(response.body)["id"]))
            if message is not None:
                self.kill.check(teams_key(message))
        return response


class TeamsSide:
    """One tenant, one Teams team with `teams` channels, an owner (the admin) and `people` members."""

    def __init__(self, teams: int, people: int, kill: Kill) -> None:
        self.fake = KillingFakeTeams(kill)
        self.n_teams = teams
        self.admin = Person("29:admin", "aad-admin", "Ada Admin")
        self.people = [
            Person(f"29:p{i + 1:03d}", f"aad-p{i + 1:03d}", f"Person {i + 1}") for i in range(people)
        ]
        self.team: Team | None = None
        self.channels: list[str] = []
        self.bot_url = ""
        self.undelivered = 0

    async def start(self) -> None:
        await self.fake.start()
        self.team = self.fake.add_team(
            TEAMS_TENANT, "Faults", owners=(self.admin,), members=tuple(self.people)
        )
        self.channels = [self.fake.add_channel(self.team, f"team-{i + 1}") for i in range(self.n_teams)]

    def describe(self) -> dict[str, Any]:
        return {
            "app_id": APP_ID,
            "app_password": APP_PASSWORD,
            "metadata_url": self.fake.metadata_url,
            "token_url": self.fake.token_url,
            "graph_url": self.fake.graph_url,
            "workspace": TEAMS_TENANT,
            "channels": self.channels,
            "admin": self.admin.id,
            "people": [p.id for p in self.people],
        }

    async def _deliver(self, activity: dict[str, Any]) -> tuple[int, Any]:
        if not self.bot_url:
            raise web.HTTPConflict(text="the harness has not said where the bot listens")
        return await self.fake.deliver(self.bot_url, activity)

    async def react(self, message_id: str, user: str, option: str, deliver: bool) -> bool:
        """Press an answer button. True only when the bot took the press (HTTP 200)."""
        message = self.fake.messages.get(message_id)
        if message is None:
            raise web.HTTPNotFound(text=f"no message {message_id}")
        if not deliver:
            return False  # Teams cannot deliver a press to a bot that is down: the person sees an error
        person = next(p for p in self.people if p.id == user)
        try:
            status, _ = await self._deliver(
                self.fake.press_button(message, TITLES[option], person, self.team)
            )
        except (aiohttp.ClientError, TimeoutError):
            self.undelivered += 1
            return False
        if status != 200:
            self.undelivered += 1
        return status == 200

    async def command(self, channel: str, text: str) -> str:
        assert self.team is not None
        before = len(self.fake.chat_with(self.admin))
        status, _ = await self._deliver(self.fake.mention(self.team, channel, self.admin, text))
        replies = self.fake.chat_with(self.admin)[before:]
        return replies[0].text if status == 202 and replies else f"no reply ({status})"

    def snapshot(self) -> dict[str, Any]:
        channels: dict[str, list[dict[str, Any]]] = {
            channel: [
                {
                    "id": m.id,
                    "key": teams_key(m),
                    "parent": m.reply_to,
                    "bot": True,
                    "reactions": {},
                }
                for m in self.fake.messages.values()
                if m.conversation == channel
            ]
            for channel in self.channels
        }
        return {"channels": channels, "connected": bool(self.bot_url), "kills": self.fake.kill.fired}

    def plant_duplicate(self, channel: str, key: str, parent: str | None) -> None:
        card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "id": "rb-key", "text": key}]}
        activity = {
            "type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
        }
        message = Message("1999999999999", channel, parent, activity)
        self.fake.messages[message.id] = message

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.fake.stop()
