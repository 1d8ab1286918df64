"""The one HTTP server at HTTP_PORT: Slack's HTTP mode routes (when used) and `/healthz`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[bool]]


def build_app(routes: Sequence[web.RouteDef], health: HealthCheck) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        try:
            ok = await health()
        except Exception:
            ok = False
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    app = web.Application(client_max_size=1024 * 1024)
    app.add_routes([web.get("/healthz", healthz), *routes])
    return app


class HttpServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening; returns the bound port (useful with port 0 in tests)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        bound = int(sockets[0].getsockname()[1]) if sockets else self.port
        log.info("HTTP server listening on %s:%d", self.host, bound)
        return bound

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
