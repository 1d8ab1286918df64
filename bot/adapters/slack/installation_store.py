"""Bolt's AsyncInstallationStore kept in our Repository: one installation (its bot token) per workspace.

Installations are stored as the SDK's own JSON (the same shape slack_sdk's file store writes), under the
tenant ("slack", team id) — or the enterprise id for an org-wide install — so every lookup is scoped to the
workspace an event came from.

Bolt looks the installation up before acknowledging every request, so found installations are kept briefly
(`TTL`): dropped at once when this process saves or deletes one, and at most TTL old when another instance
deleted it (whose token Slack then refuses anyway). A workspace without an installation is never cached, so a
new install is seen at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cachetools import TTLCache
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.core.events import Tenant
from bot.core.ports import Repository

log = logging.getLogger(__name__)

PLATFORM = "slack"
#: Seconds a found installation is reused without reading the Repository, and how many are kept.
TTL = 60.0
INSTALLATIONS = 5_000


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RepositoryInstallationStore(AsyncInstallationStore):
    """Bot-scope installations only: the app never asks for user tokens."""

    def __init__(self, repo: Repository, now: Callable[[], datetime] = _utcnow) -> None:
        self._repo = repo
        self._now = now
        self._found: TTLCache[Tenant, Installation] = TTLCache(INSTALLATIONS, TTL)

    @property
    def logger(self) -> logging.Logger:
        return log

    @staticmethod
    def _tenant(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Tenant:
        key = enterprise_id if is_enterprise_install and enterprise_id else team_id or enterprise_id or ""
        return Tenant(PLATFORM, key)

    async def async_save(self, installation: Installation) -> None:
        tenant = self._tenant(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        self._found.pop(tenant, None)
        await self._repo.save_installation(
            tenant, json.dumps(installation.__dict__, default=str), self._now()
        )
        self._found.pop(tenant, None)
        log.info("saved the Slack installation of a workspace", extra={"tenant": tenant.workspace_id})

    async def async_save_bot(self, bot: Bot) -> None:
        """Bots are saved as part of their installation; nothing separate to keep."""

    async def _load(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> Installation | None:
        tenant = self._tenant(enterprise_id, team_id, is_enterprise_install)
        cached = self._found.get(tenant)
        if cached is not None:
            return cached
        raw = await self._repo.get_installation(tenant)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        installation = self._found[tenant] = Installation(**data)
        return installation

    async def _delete(self, tenant: Tenant) -> None:
        self._found.pop(tenant, None)
        await self._repo.delete_installation(tenant)
        self._found.pop(tenant, None)  # a lookup may have refilled it while the delete ran

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        installation = await self._load(enterprise_id, team_id, is_enterprise_install)
        if installation is not None and user_id is not None and installation.user_id != user_id:
            return None  # we keep no per-user installations
        return installation

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self._load(enterprise_id, team_id, is_enterprise_install)
        if installation is None or installation.bot_token is None:
            return None
        return installation.to_bot()

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(self._tenant(enterprise_id, team_id, False))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self._delete(self._tenant(enterprise_id, team_id, False))
