"""FakeSlack's Socket Mode: the websocket that says hello, pushes envelopes and times their acks."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.slack_model import ACK_DEADLINE, Envelope
from tests.fakes.slack_state import SlackState


class SlackSocketMode(SlackState):
    """One side of Socket Mode: the bot connects, the fake pushes and waits for acks."""

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": "A0FAKEAPP"},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
            }
        )
        await self._touch()
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await self._on_ack(json.loads(msg.data))
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            await self._touch()
        return ws

    async def _on_ack(self, data: dict[str, Any]) -> None:
        envelope_id = str(data.get("envelope_id", ""))
        future = self._acks.pop(envelope_id, None)
        if future is not None and not future.done():
            future.set_result(data.get("payload") or {})
        await self._touch()

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def push(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> dict[str, Any]:
        """Send one Socket Mode envelope and wait for its ack (recorded as late after 3 s)."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode connection")
        envelope = Envelope(uuid.uuid4().hex, kind, payload, time.monotonic())
        self.envelopes.append(envelope)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope.envelope_id] = future
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope.envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "payload": payload,
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        try:
            ack = await asyncio.wait_for(future, ACK_DEADLINE)
        except TimeoutError:
            self.late_acks.append(envelope.envelope_id)
            raise
        envelope.acked_at = time.monotonic()
        envelope.ack_payload = ack
        self.note_immediate_response(kind, payload, ack)
        await self._touch()
        return ack

    async def disconnect_socket(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it recycles a connection: the client must reconnect by itself."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}})

    async def drop_socket(self) -> None:
        """An abrupt end of the Socket Mode connection: the TCP connection is cut, no `disconnect` first."""
        for ws in list(self._sockets):
            request = getattr(ws, "_req", None)  # aiohttp keeps the request; its transport is the socket
            transport = request.transport if request is not None else None
            if transport is not None:
                transport.abort()
            else:  # pragma: no cover - aiohttp always keeps it today
                await ws.close()
            self._sockets.remove(ws)
        await self._touch()
