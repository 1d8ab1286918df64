"""FakeSlack: a local stand-in for Slack that the real slack-bolt app talks to over real sockets.

One aiohttp server on 127.0.0.1 (port 0) serves:
- the Web API methods the bot calls (`/api/<method>`), over in-memory state for any number of workspaces
  (each bot token maps to its workspace), validating Block Kit limits like Slack does;
- 429 with Retry-After, or 5xx (optionally after applying the call), on demand;
- response_url endpoints (`/respond/<id>`), the files upload v2 upload URL (`/upload/<file id>`);
- a Socket Mode websocket (`/socket`) that says `hello`, pushes envelopes, checks acks arrive within 3 s
  and can send `disconnect`;
- helpers that sign and send HTTP-mode requests (v0 HMAC with the signing secret);
- `/_control/*` endpoints so a person can drive it by hand (`python -m tests.fakes.fake_slack`).

Tests assert on what the fake received (`calls`, `messages`, `ephemerals`, `responses`, `uploads`, `views`).

The parts live beside this file: `slack_model` (data), `slack_state`, `slack_faults`, `slack_web_api`,
`slack_socket` and `slack_http`; every public name stays importable from here.
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import web

from tests.fakes.slack_http import SlackDelivery
from tests.fakes.slack_model import (
    ACK_DEADLINE,
    MAX_BLOCKS,
    MAX_HOME_BLOCKS,
    Call,
    Channel,
    Envelope,
    Ephemeral,
    Handler,
    Message,
    Response,
    SlackApiFailure,
    Upload,
    Workspace,
    sign,
    validate_blocks,
)
from tests.fakes.slack_web_api import SlackWebApi

__all__ = [
    "ACK_DEADLINE",
    "Call",
    "Channel",
    "Envelope",
    "Ephemeral",
    "FakeSlack",
    "Handler",
    "MAX_BLOCKS",
    "MAX_HOME_BLOCKS",
    "Message",
    "Response",
    "SlackApiFailure",
    "Upload",
    "Workspace",
    "demo_workspace",
    "main",
    "sign",
    "validate_blocks",
]


class FakeSlack(SlackWebApi, SlackDelivery):
    """The whole fake: one aiohttp server whose routes are served by the parts it is made of."""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeSlack:
        app = web.Application(client_max_size=16 * 1024 * 1024, middlewares=[self._note_connection])
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/respond/{rid}", self._respond),
                web.post("/upload/{file_id}", self._upload),
                web.get("/socket", self._socket),
                web.get("/oauth/v2/authorize", self._authorize_page),
                web.post("/_control/command", self._control_command),
                web.post("/_control/react", self._control_react),
                web.get("/_control/state", self._control_state),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])
        return self

    @web.middleware
    async def _note_connection(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(("/api/", "/respond/")) and request.transport is not None:
            peer = request.transport.get_extra_info("peername")
            if peer:
                self.client_connections.add((str(peer[0]), int(peer[1])))
        return await handler(request)

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # Control endpoints (driving the fake by hand) -----------------------------------------------------------
    def _default_team(self) -> str:
        return next(iter(self.workspaces))

    async def _control_command(self, request: web.Request) -> web.Response:
        data = await request.json()
        team = data.get("team") or self._default_team()
        ws = self.workspaces[team]
        user = data.get("user") or next(u for u in ws.users if u != ws.bot_user_id)
        channel = data.get("channel") or next(iter(ws.channels))
        payload = self.slash_command(team, user, channel, str(data.get("text", "")))
        await self.deliver("slash_commands", payload)
        return web.json_response({"ok": True, "response_url": payload["response_url"]})

    async def _control_react(self, request: web.Request) -> web.Response:
        data = await request.json()
        team = data.get("team") or self._default_team()
        ws = self.workspaces[team]
        channel = data.get("channel") or next(iter(ws.channels))
        ts = data.get("ts") or next((m.ts for m in reversed(ws.posts(channel)) if m.metadata), None)
        if ts is None:
            return web.json_response({"ok": False, "error": "no bot post to react to"}, status=404)
        event_id = await self.react(team, str(data["user"]), channel, ts, str(data["name"]))
        return web.json_response({"ok": True, "event_id": event_id, "ts": ts})

    async def _control_state(self, request: web.Request) -> web.Response:
        out = {}
        for team_id, ws in self.workspaces.items():
            out[team_id] = {
                "messages": {c: [m.as_api(True) for m in ms] for c, ms in ws.messages.items() if ms},
                "ephemerals": [e.__dict__ for e in ws.ephemerals],
                "home_views": {u: len(v) for u, v in ws.views.items()},
            }
        out["responses"] = [r.__dict__ for r in self.responses]  # type: ignore[assignment]
        return web.json_response(out)


def demo_workspace(fake: FakeSlack) -> Workspace:
    """One workspace with an admin, four members and a #cloud-team channel."""
    ws = fake.add_workspace("T0DEMO", "demo", token="xoxb-demo-fake-token")
    fake.add_user("T0DEMO", "UADMIN", "Ada Admin", is_admin=True)
    for uid, name in (("UANN", "Ann"), ("UBOB", "Bob"), ("UCID", "Cid"), ("UDAN", "Dan")):
        fake.add_user("T0DEMO", uid, name)
    fake.add_channel("T0DEMO", "C0TEAM", "cloud-team")
    return ws


async def _serve(port: int, events_url: str | None) -> None:
    fake = await FakeSlack().start(port=port)
    fake.events_url = events_url
    ws = demo_workspace(fake)
    print(f"FakeSlack listening on {fake.url}", flush=True)
    print("# Socket Mode (default):")
    print(f"SLACK_API_BASE_URL={fake.api_url}")
    print(f"SLACK_BOT_TOKEN={ws.token}")
    print(f"SLACK_APP_TOKEN={fake.app_token}")
    print("# or HTTP mode: SLACK_MODE=http, no SLACK_APP_TOKEN, and start this fake with --events-url")
    print(f"SLACK_SIGNING_SECRET={fake.signing_secret}")
    print("# drive it:")
    print(f'curl -s {fake.url}/_control/command -d \'{{"user":"UADMIN","text":"setup"}}\'')
    print(f'curl -s {fake.url}/_control/command -d \'{{"user":"UADMIN","text":"post-now"}}\'')
    print(f'curl -s {fake.url}/_control/react -d \'{{"user":"UANN","name":"technologist"}}\'')
    print(f"curl -s {fake.url}/_control/state", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local fake Slack for running the bot by hand.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--events-url", default=None, help="the bot's /slack/events URL, for HTTP mode")
    args = parser.parse_args()
    try:
        asyncio.run(_serve(args.port, args.events_url))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
