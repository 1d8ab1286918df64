"""Fault injection for FakeSlack: 429s, 5xx (before or after applying), slow answers, enforced post pace."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tests.fakes.slack_state import SlackState


class SlackFaults(SlackState):
    """Knobs tests turn to make Slack misbehave the ways it does in production."""

    def rate_limit(self, method: str, times: int, retry_after: int = 0) -> None:
        """The next `times` calls of `method` get 429 with Retry-After (nothing is applied)."""
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail(
        self, method: str, times: int = 1, status: int = 500, after_apply: bool = False, after: int = 0
    ) -> None:
        """After `after` good calls, the next `times` calls of `method` get `status`; with after_apply the
        call takes effect first (the ambiguous failure: Slack stored the message, the answer got lost)."""
        queue = self._failures.setdefault(method, [])
        queue.extend([(0, False)] * after + [(status, after_apply)] * times)

    def _failure(self, method: str, status: int) -> web.Response:
        if method in self.plain_failures:
            return web.Response(
                text="upstream connect error or disconnect/reset before headers", status=status
            )
        return web.json_response({"ok": False, "error": "internal_error"}, status=status)

    def slow(self, method: str, seconds: float, times: int = 1, apply_first: bool = True) -> None:
        """The next `times` calls of `method` answer only after `seconds`. With `apply_first` the call takes
        effect at once and only the answer is late: past the client's timeout, the client can't know."""
        self._delays.setdefault(method, []).extend([(seconds, apply_first)] * times)

    def _take_delay(self, method: str) -> tuple[float, bool] | None:
        queue = self._delays.get(method)
        return queue.pop(0) if queue else None

    def react_unseen(self, team_id: str, user_id: str, channel_id: str, ts: str, name: str) -> None:
        """A reaction Slack stores but could not deliver as an event (the bot was disconnected): only
        reactions.get sees it."""
        message = self.workspaces[team_id].message(channel_id, ts)
        if message is None:
            raise KeyError(f"no message {ts} in {channel_id}")
        users = message.reactions.setdefault(name, [])
        if user_id not in users:
            users.append(user_id)

    # Enforced rate limits (bench/fanout; off by default) -----------------------------------------------------
    #: Seconds between accepted chat.postMessage calls in one channel; None = not enforced.
    post_interval: float | None = None

    def enforce_post_rate(self, per_channel_seconds: float = 1.0) -> None:
        """Enforce Slack's pace for posting: chat.postMessage at most once per `per_channel_seconds` in a
        channel; a faster one gets 429 with Retry-After (whole seconds, as Slack sends) and is not applied."""
        self.post_interval = per_channel_seconds
        self._last_post: dict[tuple[str | None, str], float] = {}
        self.post_rate_429s: list[tuple[str | None, str, float]] = []  # (team, channel, monotonic time)

    def _enforce_post_rate(
        self, method: str, params: Mapping[str, Any], team_id: str | None
    ) -> web.Response | None:
        if self.post_interval is None or method != "chat.postMessage":
            return None
        key = (team_id, str(params.get("channel", "")))
        now = time.monotonic()
        last = self._last_post.get(key)
        if last is not None and now - last < self.post_interval:
            self.post_rate_429s.append((key[0], key[1], now))
            wait = max(1, math.ceil(self.post_interval - (now - last)))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(wait)}
            )
        self._last_post[key] = now
        return None
