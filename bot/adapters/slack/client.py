"""How we build Web API clients: one base URL (SLACK_API_BASE_URL) and retries that can't duplicate.

Rate limits (429) are retried after Retry-After by slack_sdk's handler: Slack did not process the call.
Server errors (500/503) are retried only for calls that are safe to repeat; a 5xx on chat.postMessage may
come after the message was stored, so those are left to post_card, which looks in history before trying
again.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

#: Web API methods that create something: never blindly repeated after an ambiguous failure.
NOT_IDEMPOTENT = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal", "files.getUploadURLExternal"}
)


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


def retry_handlers(rate_limit_retries: int = 3, server_error_retries: int = 2) -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        IdempotentServerErrorRetryHandler(max_retry_count=server_error_retries),
    ]


def web_client(base_url: str, token: str | None = None, rate_limit_retries: int = 3) -> AsyncWebClient:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(
        token=token, base_url=base, retry_handlers=retry_handlers(rate_limit_retries), timeout=30
    )
