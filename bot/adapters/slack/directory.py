"""Who is who in each Slack workspace: its Web API client (bot token), the bot's own user id, people
(users.info: name, bot, admin, time zone) and DM channels — each in a bounded cache."""

from __future__ import annotations

import logging
from collections.abc import Collection

import aiohttp
from cachetools import LRUCache, TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import translate as t
from bot.adapters.slack.client import web_client
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.single_flight import SingleFlight

log = logging.getLogger(__name__)

#: How long a users.info answer is trusted (a promotion to admin shows within this).
PERSON_TTL = 300.0
#: users.info answers kept (least recently used dropped first).
PEOPLE = 10_000
#: Workspaces whose client, bot user and DM channels are kept at once.
WORKSPACES = 5_000
DM_CHANNELS = 20_000


class NotInstalled(RuntimeError):
    """No installation (bot token) for a workspace: it uninstalled the app or never installed it."""


class WorkspaceDirectory:
    def __init__(
        self,
        base: AsyncWebClient,
        store: RepositoryInstallationStore | None,
        admin_users: Collection[str],
        retry_pause: float,
    ) -> None:
        self.base = base
        self.store = store
        self.admins = frozenset(admin_users)
        self.retry_pause = retry_pause
        self._clients: LRUCache[str, AsyncWebClient] = LRUCache(WORKSPACES)
        self._bot_users: LRUCache[str, str] = LRUCache(WORKSPACES)
        self._people: TTLCache[tuple[str, str], t.Person] = TTLCache(PEOPLE, PERSON_TTL)
        self._dms: LRUCache[tuple[str, str], str] = LRUCache(DM_CHANNELS)
        #: users.info calls under way: people asking at the same moment share one (single_flight.py).
        self._looking_up: SingleFlight[tuple[str, str], t.Person] = SingleFlight()
        self.session: aiohttp.ClientSession | None = None

    def use_session(self, session: aiohttp.ClientSession | None) -> None:
        """Every client, cached or made later, sends through `session` (None: slack_sdk's one per call)."""
        self.session = session
        self.base.session = session
        for client in self._clients.values():
            client.session = session

    def adopt(self, workspace: str, bot_user_id: str) -> None:
        """Single-workspace mode: the base client (SLACK_BOT_TOKEN) is this workspace's."""
        self._clients[workspace] = self.base
        self._bot_users[workspace] = bot_user_id

    def forget(self, workspace: str) -> None:
        """After an uninstall or revoked tokens: nothing of the workspace is reused."""
        self._clients.pop(workspace, None)
        self._bot_users.pop(workspace, None)
        for key in [k for k in self._people if k[0] == workspace]:
            self._people.pop(key, None)
        for key in [k for k in self._dms if k[0] == workspace]:
            self._dms.pop(key, None)

    async def client(self, workspace: str) -> AsyncWebClient:
        cached = self._clients.get(workspace)
        if cached is not None:
            return cached
        if self.store is None:
            return self.base
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=workspace)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"the app is not installed in workspace {workspace}")
        client = web_client(self.base.base_url, bot.bot_token, self.retry_pause, self.session)
        self._clients[workspace] = client
        if bot.bot_user_id:
            self._bot_users[workspace] = bot.bot_user_id
        return client

    async def bot_user(self, workspace: str) -> str | None:
        if workspace not in self._bot_users:
            auth = await (await self.client(workspace)).auth_test()
            self._bot_users[workspace] = str(auth["user_id"])
        return self._bot_users.get(workspace)

    async def person(self, workspace: str, user_id: str) -> t.Person:
        """users.info, cached for a few minutes: name, bot flag, admin flag and time zone."""
        key = (workspace, user_id)
        cached = self._people.get(key)
        if cached is not None:
            return cached
        return await self._looking_up.run(key, lambda: self._look_up(workspace, user_id))

    async def _look_up(self, workspace: str, user_id: str) -> t.Person:
        try:
            info = await (await self.client(workspace)).users_info(user=user_id)
            person = t.person_from_user(info["user"])
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            log.warning("users.info failed; going on without the profile", extra={"tenant": workspace})
            person = t.Person(user_id)
        if user_id in self.admins or f"{workspace}:{user_id}" in self.admins:
            person = t.Person(person.user_id, person.display_name, person.is_bot, True, person.timezone)
        self._people[(workspace, user_id)] = person
        return person

    async def dm_channel(self, workspace: str, user_id: str) -> str:
        key = (workspace, user_id)
        if key not in self._dms:
            response = await (await self.client(workspace)).conversations_open(users=user_id)
            self._dms[key] = str(response["channel"]["id"])
        return self._dms[key]
