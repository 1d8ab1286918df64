"""Outbound calls: the Bot Connector through the SDK's TeamsConnectorClient, Microsoft Graph with plain
aiohttp (two read-only calls do not justify the Graph SDK), over connections kept open (sessions.py). Throttling (429) and server errors (5xx) are
retried after Retry-After; a post is never blindly re-sent (see TeamsAdapter._post_once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.adapters.teams.auth import BOT_CONNECTOR_RESOURCE, BOT_CONNECTOR_SCOPE
from bot.adapters.teams.sessions import TeamsSessions

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 4
MAX_PAUSE = 30.0


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status in RETRYABLE
    return isinstance(exc, aiohttp.ClientConnectionError | TimeoutError)


def retry_after(exc: BaseException, attempt: int, base: float) -> float:
    headers = getattr(exc, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        told = float(raw) if raw is not None else None
    except ValueError:
        told = None
    pause = told if told is not None else base * 2 ** (attempt - 1)
    return min(max(pause, 0.0), MAX_PAUSE) if base > 0 or told else 0.0


class TeamsRest:
    def __init__(
        self,
        provider: AccessTokenProviderBase,
        graph_url: str,
        retry_pause: float = 1.0,
        timeout: float = 30.0,
        graph_provider: Callable[[str], AccessTokenProviderBase] | None = None,
    ) -> None:
        self._provider = provider
        self._graph_provider = graph_provider or (lambda tenant: provider)
        self._graph = graph_url.rstrip("/")
        self._pause = retry_pause
        self.sessions = TeamsSessions(aiohttp.ClientTimeout(total=timeout))

    @asynccontextmanager
    async def _client(self, service_url: str) -> AsyncIterator[TeamsConnectorClient]:
        """The SDK's client over the service URL's kept session (sessions.py)."""
        token = await self._provider.get_access_token(BOT_CONNECTOR_RESOURCE, [BOT_CONNECTOR_SCOPE])
        endpoint = service_url if service_url.endswith("/") else service_url + "/"
        async with self.sessions.service(endpoint) as session:
            yield TeamsConnectorClient(endpoint=endpoint, token=token, session=session)

    async def close(self) -> None:
        await self.sessions.close()

    async def retrying(self, what: str, call: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return await call()
            except Exception as exc:
                if not is_retryable(exc) or attempt == attempts:
                    raise
                pause = retry_after(exc, attempt, self._pause)
                log.debug("Teams %s failed (%s); retrying in %.1fs", what, _status(exc), pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        """One attempt: the caller decides whether an unknown outcome may be retried."""
        async with self._client(service_url) as client:
            response = await client.conversations.send_to_conversation(conversation_id, activity)
        return str(response.id or "")

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: Activity
    ) -> None:
        async def call() -> None:
            async with self._client(service_url) as client:
                await client.conversations.update_activity(conversation_id, activity_id, activity)

        await self.retrying("update", call)

    async def personal_chat(self, service_url: str, tenant: str, bot_id: str, user_id: str) -> str:
        """The 1:1 conversation with a person (Teams returns the existing one when there is one)."""
        params = ConversationParameters.model_validate(
            {
                "isGroup": False,
                "bot": {"id": bot_id},
                "members": [{"id": user_id}],
                "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}},
            }
        )

        async def call() -> str:
            async with self._client(service_url) as client:
                response = await client.conversations.create_conversation(params)
            return str(response.id)

        return await self.retrying("create conversation", call)

    async def member_name(self, service_url: str, conversation_id: str, user_id: str) -> str:
        """A person's display name from the roster (membersAdded carries none)."""

        async def call() -> str:
            async with self._client(service_url) as client:
                member = await client.conversations.get_conversation_member(conversation_id, user_id)
            return str(member.name or "")

        return await self.retrying("member", call)

    async def graph_get(self, tenant: str, path: str) -> Any:
        """GET a Microsoft Graph resource (JSON) of a tenant, with a token from that tenant (a multi-tenant
        app reads each customer's Graph with a token its Entra tenant issued), retried on throttling."""
        provider = self._graph_provider(tenant)
        token = await provider.get_access_token(self._graph, [f"{self._graph}/.default"])

        async def call() -> Any:
            async with (
                self.sessions.graph() as session,
                session.get(f"{self._graph}/v1.0/{path}", headers={"Authorization": f"Bearer {token}"}) as r,
            ):
                r.raise_for_status()
                return await r.json()

        return await self.retrying("graph", call)

    async def owners(self, tenant: str, aad_group_id: str) -> set[str]:
        """The Entra object ids of a team's owners (Graph, resource-specific consent TeamMember.Read.Group)."""
        data = await self.graph_get(tenant, f"teams/{quote(aad_group_id, safe='')}/members")
        members = data.get("value") if isinstance(data, dict) else None
        rows = members if isinstance(members, list) else []
        return {
            str(m.get("userId"))
            for m in rows
            if isinstance(m, dict) and "owner" in (m.get("roles") or []) and m.get("userId")
        }

    async def channel_messages(
        self, tenant: str, aad_group_id: str, channel_id: str, reply_to: str | None
    ) -> list[dict[str, Any]]:
        """Recent messages of a channel (or replies under one), newest first, to find our own post again
        (resource-specific consent ChannelMessage.Read.Group)."""
        base = f"teams/{quote(aad_group_id, safe='')}/channels/{quote(channel_id, safe='')}/messages"
        path = f"{base}/{quote(reply_to, safe='')}/replies" if reply_to else f"{base}?$top=50"
        data = await self.graph_get(tenant, path)
        value = data.get("value") if isinstance(data, dict) else None
        return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def _status(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    return str(status) if status is not None else type(exc).__name__
