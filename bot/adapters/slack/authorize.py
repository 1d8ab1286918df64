"""OAuth mode's authorize step, through bolt's public API, with its auth.test cache on.

Bolt authorizes every request before the ack: it looks the workspace's installation up in our store (so an
uninstall takes effect at once) and then, unless its cache is on, calls `auth.test` with the token — a Web API
round trip inside every ack. The cache keeps that answer per token; an uninstall or revoked tokens drop the
workspace's entries (`forget_workspace`), so nothing of it is reused.
"""

from __future__ import annotations

import logging

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


def cached_authorize(
    store: AsyncInstallationStore, client_id: str, client_secret: str, client: AsyncWebClient
) -> AsyncInstallationStoreAuthorize:
    """Bot-token installs only (the app never asks for user tokens), like `installation_store_bot_only`."""
    return AsyncInstallationStoreAuthorize(
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
