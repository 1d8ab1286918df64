"""Private replies on a request's response_url, through the process's shared HTTP session.

bolt's own `respond()` builds an `AsyncWebhookClient` without a session, so slack_sdk opens (and closes) a new
`aiohttp.ClientSession` — a new TCP and TLS connection — for every reply. This is the same call with the
session passed through slack_sdk's public `session=` argument.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import async_default_handlers
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.client import TIMEOUT

log = logging.getLogger(__name__)
#: slack_sdk's default (retry a lost connection), built once: the handlers keep no state between calls.
RETRIES = async_default_handlers()


class SessionRespond:
    """One request's `respond()`: posts to its response_url (a secret URL, never logged)."""

    def __init__(self, response_url: str | None, session: aiohttp.ClientSession | None) -> None:
        self.response_url = response_url
        self.session = session

    async def __call__(
        self,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        response_type: str = "ephemeral",
        replace_original: bool | None = None,
    ) -> None:
        if self.response_url is None:
            raise ValueError("this request has no response_url to reply on")
        client = AsyncWebhookClient(
            self.response_url, session=self.session, timeout=TIMEOUT, retry_handlers=RETRIES
        )
        response = await client.send(
            text=text, blocks=blocks, response_type=response_type, replace_original=replace_original
        )
        if response.status_code >= 400:
            log.warning("Slack refused a reply on response_url (HTTP %d)", response.status_code)
