"""A stateless OAuth `state` for the install flow: signed with SLACK_STATE_SECRET and time-limited.

Bolt's default state store writes files in the home directory, which breaks with several instances or a
read-only container; a signed state needs no storage and any instance can check it. Bolt additionally ties
the state to the browser with a cookie, which is what stops a forged callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

log = logging.getLogger(__name__)


class SignedStateStore(AsyncOAuthStateStore):
    def __init__(
        self, secret: str, expiration_seconds: int = 600, now: Callable[[], float] = time.time
    ) -> None:
        if not secret:
            raise ValueError("the OAuth state secret must not be empty")
        self._key = secret.encode()
        self._expiration = expiration_seconds
        self._now = now

    @property
    def logger(self) -> logging.Logger:
        return log

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        body = f"{int(self._now())}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self._sign(body)}"

    async def async_consume(self, state: str) -> bool:
        body, _, signature = state.rpartition(".")
        issued, _, _ = body.partition(".")
        if not body or not issued.isdigit():
            return False
        if not hmac.compare_digest(signature, self._sign(body)):
            return False
        return 0 <= self._now() - int(issued) <= self._expiration
