"""How we build Web API clients: one base URL (SLACK_API_BASE_URL) and retries that can't duplicate.

Rate limits (429) are retried after Retry-After by slack_sdk's handler: Slack did not process the call.
Server errors (500/503) are retried only for calls that are safe to repeat; a 5xx on chat.postMessage may
come after the message was stored, so those are left to post_card, which looks in history before trying
again.
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

#: Web API methods that create something: never blindly repeated after an ambiguous failure.
NOT_IDEMPOTENT = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal", "files.getUploadURLExternal"}
)


def api_error(exc: SlackApiError) -> str | None:
    """The `error` field of a failed Web API call — or None when Slack (or a proxy in between) answered with
    something that is not a JSON object, e.g. a 503 with a text/plain or HTML body."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        error = data.get("error")
        return str(error) if error is not None else None
    return None


def _method(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class IdempotentServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request.url) in NOT_IDEMPOTENT:
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


class ScaledJitter(Jitter):
    """Up to `scale` seconds of random jitter (slack_sdk's default is a fixed up-to-one-second)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.scale


class RateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After seconds plus up to `jitter` s), with the jitter adjustable:
    0 in tests, so a 429 storm costs no wall-clock time there."""

    def __init__(self, max_retry_count: int, jitter: float = 1.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.jitter = jitter

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate limited without a response")
        retry_after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            seconds = float(retry_after[0])
        except (ValueError, IndexError):
            seconds = 1.0
        await asyncio.sleep(max(0.0, seconds) + random.random() * self.jitter)
        state.next_attempt_requested = True
        state.increment_current_attempt()


def retry_handlers(
    rate_limit_retries: int = 3, server_error_retries: int = 2, pause: float = 1.0
) -> list[AsyncRetryHandler]:
    """`pause` scales the waits that aren't dictated by Slack (jitter, 5xx backoff); 0 only in tests."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5 * pause, jitter=ScaledJitter(pause))
    return [
        AsyncConnectionErrorRetryHandler(interval_calculator=backoff),
        RateLimitRetryHandler(rate_limit_retries, jitter=pause),
        IdempotentServerErrorRetryHandler(max_retry_count=server_error_retries, interval_calculator=backoff),
    ]


#: Connections kept open at once by the process's one session (Web API and response_url together).
CONNECTIONS = 100
#: Seconds a Web API call or a reply may take.
TIMEOUT = 30


def http_session() -> aiohttp.ClientSession:
    """The process's one HTTP session for Slack: without it slack_sdk opens a new session, hence a new TCP
    and TLS connection, for every Web API call and every response_url reply. Keep-alive reuses them.

    The timeout lives here: slack_sdk applies a client's `timeout` only to the sessions it makes itself."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONNECTIONS), timeout=aiohttp.ClientTimeout(total=TIMEOUT)
    )


def web_client(
    base_url: str,
    token: str | None = None,
    pause: float = 1.0,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """`session`: the process's shared session (set at adapter start); None means one per call."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(
        token=token,
        base_url=base,
        retry_handlers=retry_handlers(pause=pause),
        timeout=TIMEOUT,
        session=session,
    )
