"""Bolt's authorize step, which runs before every ack: OAuth mode through bolt's public API with its auth.test
cache on; single-workspace mode (SLACK_BOT_TOKEN) from the auth.test made at start-up.

Bolt authorizes every request before the ack: it looks the workspace's installation up in our store (so an
uninstall takes effect at once) and then, unless its cache is on, calls `auth.test` with the token — a Web API
round trip inside every ack. The cache keeps that answer per token; an uninstall or revoked tokens drop the
workspace's entries (`forget_workspace`), so nothing of it is reused. Requests of one workspace that arrive
together share one authorize (single_flight.py): before its answer is cached, each would call `auth.test`.

Single-workspace mode: bolt's own single-team authorize calls `auth.test` on the first request, and every
request arriving before that answer makes its own call (82 in the ack benchmark's first burst). The adapter
makes that call at start-up anyway, so `BotTokenAuthorize` is handed its answer (`remember`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.authorization.async_authorize import AsyncAuthorize, AsyncInstallationStoreAuthorize
from slack_bolt.authorization.authorize_result import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack.single_flight import SingleFlight

log = logging.getLogger(__name__)

#: (enterprise, workspace, org-wide install): what a bot-token authorize depends on.
WorkspaceKey = tuple[str | None, str | None, bool]


class SharedAuthorize(AsyncInstallationStoreAuthorize):
    """Bolt's installation-store authorize; concurrent requests of a workspace share one run of it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.under_way: SingleFlight[WorkspaceKey, AuthorizeResult | None] = SingleFlight()

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: str | None,  # actor_* (user-token resolution "actor"): bot tokens only here, unused
    ) -> AuthorizeResult | None:
        """Bot tokens only (no user-token or actor resolution), so the answer depends on the workspace, not on
        who sent the request."""
        key = (enterprise_id, team_id, bool(context.is_enterprise_install))
        parent = super().__call__
        return await self.under_way.run(
            key,
            lambda: parent(context=context, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id),
        )


def cached_authorize(
    store: AsyncInstallationStore, client_id: str, client_secret: str, client: AsyncWebClient
) -> SharedAuthorize:
    """Bot-token installs only (the app never asks for user tokens), like `installation_store_bot_only`."""
    return SharedAuthorize(
        logger=log,
        installation_store=store,
        client_id=client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )


def forget_workspace(authorize: AsyncInstallationStoreAuthorize, team_id: str) -> int:
    """Drop the cached answers for a workspace's tokens; returns how many were dropped."""
    cache = authorize.authorize_result_cache
    stale = [token for token, result in cache.items() if team_id in (result.team_id, result.enterprise_id)]
    for token in stale:
        cache.pop(token, None)
    return len(stale)


class BotTokenAuthorize(AsyncAuthorize):
    """Single-workspace mode: every request is authorized with the one bot token's auth.test answer — the one
    the adapter got at start-up, or, for a request that comes sooner, one call shared by all that do."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.result: AuthorizeResult | None = None
        self._asking: SingleFlight[str, AuthorizeResult] = SingleFlight()

    def remember(self, auth_test: AsyncSlackResponse) -> None:
        self.result = AuthorizeResult.from_auth_test_response(
            auth_test_response=auth_test, bot_token=self.client.token
        )

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: str | None,  # actor_* (user-token resolution "actor"): bot tokens only here, unused
    ) -> AuthorizeResult | None:
        """The token's answer; a refused token raises SlackApiError (bolt tells the user) and is asked again."""
        if self.result is None:
            self.result = await self._asking.run("auth.test", self._ask)
        return self.result

    async def _ask(self) -> AuthorizeResult:
        self.remember(await self.client.auth_test())
        assert self.result is not None
        return self.result
