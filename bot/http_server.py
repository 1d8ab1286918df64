"""The one HTTP server at HTTP_PORT: Slack's HTTP mode routes (when used), `/healthz` and `/metrics`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

log = logging.getLogger(__name__)

#: Returns the health report: a JSON object whose "ok" decides the status (200, or 503), or just a bool.
HealthCheck = Callable[[], Awaitable[bool | dict[str, object]]]


def build_app(routes: Sequence[web.RouteDef], health: HealthCheck) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        try:
            answer = await health()
            report = answer if isinstance(answer, dict) else {"ok": answer}
        except Exception as exc:
            log.warning("the health check failed: %s", type(exc).__name__)
            report = {"ok": False, "detail": f"health check failed: {type(exc).__name__}"}
        # 503 as soon as one part fails: orchestrators restart a process on it (docs/operations.md).
        return web.json_response(report, status=200 if report.get("ok") is True else 503)

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
