"""bolt's Socket Mode handler with the same admission as HTTP mode (gate.py).

Socket Mode acks an event as soon as bolt has dispatched it, and the listener runs afterwards; without the
gate a fast sender gets every ack at once while the listeners pile up in memory. With it, a message waits for
room (at most the gate's patience) before it is dispatched and acknowledged.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.gate import ListenerGate


class GatedSocketModeHandler(AsyncSocketModeHandler):
    def __init__(
        self, app: AsyncApp, app_token: str | None, web_client: AsyncWebClient, gate: ListenerGate
    ) -> None:
        self.gate = gate
        super().__init__(app, app_token, web_client=web_client)

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        async with self.gate.admitted_request():
            await super().handle(client, req)  # type: ignore[arg-type]  # bolt's own override narrows it
