"""Fault injection for FakeDiscord: per-route 429s, 5xx and slow answers, and the enforced global limit."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.fakes.discord_model import (
    API_PREFIX,
    FaultRule,
    RateLimitRule,
)
from tests.fakes.discord_state import DiscordState


class DiscordFaults(DiscordState):
    """The request middleware (auth, rate limits, faults) and the knobs tests turn."""

    def rate_limit(self, method: str, path_regex: str, count: int = 1, retry_after: float = 0.01) -> None:
        """The next `count` matching requests get a 429 with `retry_after` (nothing is applied)."""
        self.rate_limits.append(RateLimitRule(method, re.compile(path_regex), count, retry_after))

    # HTTP plumbing -------------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith(("/gateway", "/resume-gateway", "/_fake")):
            return await handler(request)
        path = request.path.removeprefix(API_PREFIX)
        self.requests.append((request.method, path))
        open_routes = path.startswith(("/interactions/", "/webhooks/"))  # authorised by the token in the path
        if not open_routes and request.headers.get("Authorization") != f"Bot {self.token}":
            return self.json({"message": "401: Unauthorized", "code": 0}, status=401)
        limited = self._enforce_global_limit(request.method, path, open_routes)
        if limited is not None:
            await self._notify()
            return limited
        for rule in self.rate_limits:
            if rule.count > 0 and rule.method == request.method and rule.pattern.search(path):
                rule.count -= 1
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": rule.retry_after,
                    "global": False,
                }
                response = self.json(body, status=429, remaining=0, reset_after=rule.retry_after)
                response.headers["Retry-After"] = str(rule.retry_after)
                response.headers["X-RateLimit-Scope"] = "user"
                await self._notify()
                return response
        try:
            return await self._with_faults(request, path, handler)
        finally:
            await self._notify()

    # Fault knobs (tests/faults_platform) -----------------------------------------------------------------
    def fail(
        self, method: str, path_regex: str, count: int = 1, status: int = 500, apply_first: bool = False
    ) -> None:
        """The next `count` matching requests get `status` (a 5xx), applied first or not at all."""
        self.faults.append(FaultRule(method, re.compile(path_regex), count, status, 0.0, apply_first))

    def slow(
        self, method: str, path_regex: str, seconds: float, count: int = 1, apply_first: bool = True
    ) -> None:
        """The next `count` matching requests are answered `seconds` late (applied first, by default)."""
        self.faults.append(FaultRule(method, re.compile(path_regex), count, 0, seconds, apply_first))

    async def _with_faults(
        self,
        request: web.Request,
        path: str,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        rule = next(
            (r for r in self.faults if r.count > 0 and r.method == request.method and r.pattern.search(path)),
            None,
        )
        if rule is None:
            return await handler(request)
        rule.count -= 1
        if rule.apply_first:
            response = await handler(request)
        if rule.delay:
            await asyncio.sleep(rule.delay)  # simulated latency of the fake itself
        if rule.status:
            return self.json({"message": f"{rule.status}: Server Error", "code": 0}, status=rule.status)
        return response if rule.apply_first else await handler(request)

    # Enforced global rate limit (bench/fanout; off by default) -------------------------------------------
    #: Requests per second allowed across the bot (Discord's global limit); None = not enforced.
    global_limit: int | None = None

    def enforce_global_limit(self, per_second: int = 50) -> None:
        """Enforce Discord's global rate limit: at most `per_second` REST requests in each one-second window
        (windows start at the first request after this call); beyond, 429 with `global: true` and the
        `retry_after` until the window resets, not applied. Interaction and webhook routes are exempt, as
        on Discord. Accepted requests are logged in `accepted` as (monotonic time, method, path)."""
        self.global_limit = per_second
        self._window_start: float | None = None
        self._window_index = -1
        self._window_count = 0
        self.accepted: list[tuple[float, str, str]] = []
        self.global_429s = 0

    def _enforce_global_limit(self, method: str, path: str, exempt: bool) -> web.Response | None:
        if self.global_limit is None or exempt:
            return None
        now = time.monotonic()
        if self._window_start is None:
            self._window_start = now
        index = int((now - self._window_start) // 1.0)
        if index != self._window_index:
            self._window_index, self._window_count = index, 0
        if self._window_count >= self.global_limit:
            self.global_429s += 1
            retry_after = round(self._window_start + index + 1 - now, 3) or 0.001
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
            response = self.json(body, status=429, remaining=0, reset_after=retry_after)
            response.headers["Retry-After"] = str(retry_after)
            response.headers["X-RateLimit-Global"] = "true"
            response.headers["X-RateLimit-Scope"] = "global"
            return response
        self._window_count += 1
        self.accepted.append((now, method, path))
        return None
