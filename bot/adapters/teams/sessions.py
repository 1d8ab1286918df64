"""Outbound connections to Teams, kept open: one aiohttp session per Bot Connector service URL (Teams has a
few, one per region) and one for Microsoft Graph, closed when the adapter stops.

A new session per call would open a new TCP and TLS connection for every post, card update and lookup. The
SDK's TeamsConnectorClient sends relative paths, so its session carries the service URL as `base_url`, and
sets the (app-wide) bearer token on it when built; both hold for every call to that service URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

#: Service URLs whose session is kept; a call to one more gets a session of its own, closed after it.
SERVICE_URLS = 32


class TeamsSessions:
    def __init__(self, timeout: aiohttp.ClientTimeout) -> None:
        self._timeout = timeout
        self._services: dict[str, aiohttp.ClientSession] = {}
        self._graph: aiohttp.ClientSession | None = None
        #: After `close()` (the adapter stopped; a turn may still be finishing): one session per call.
        self._closed = False

    @property
    def open_sessions(self) -> int:
        return len(self._services) + (self._graph is not None)

    def reopen(self) -> None:
        """The adapter (re)started: keep connections again."""
        self._closed = False

    @asynccontextmanager
    async def service(self, endpoint: str) -> AsyncIterator[aiohttp.ClientSession]:
        """The session for a Bot Connector endpoint (its URL with a trailing slash)."""
        session = self._services.get(endpoint)
        if session is None and len(self._services) < SERVICE_URLS and not self._closed:
            session = self._services[endpoint] = aiohttp.ClientSession(
                base_url=endpoint, timeout=self._timeout
            )
        if session is not None:
            yield session
            return
        async with aiohttp.ClientSession(base_url=endpoint, timeout=self._timeout) as once:
            yield once

    @asynccontextmanager
    async def graph(self) -> AsyncIterator[aiohttp.ClientSession]:
        if self._graph is None and not self._closed:
            self._graph = aiohttp.ClientSession(timeout=self._timeout)
        if self._graph is not None:
            yield self._graph
            return
        async with aiohttp.ClientSession(timeout=self._timeout) as once:
            yield once

    async def close(self) -> None:
        self._closed = True
        sessions = [*self._services.values(), *([self._graph] if self._graph else [])]
        self._services, self._graph = {}, None
        for session in sessions:
            await session.close()
