"""FakeDiscord's gateway: HELLO, IDENTIFY, heartbeats, dispatches kept for RESUME, RECONNECT, INVALID_SESSION."""

from __future__ import annotations

import json
import secrets

from aiohttp import WSMsgType, web

from tests.fakes.discord_model import (
    DISPATCH,
    GUILD_MEMBERS,
    GUILDS,
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INVALID_SESSION,
    PRIVILEGED,
    RECONNECT,
    RESUME,
    Json,
    Session,
)
from tests.fakes.discord_state import DiscordState


class DiscordGateway(DiscordState):
    """The gateway websocket and its sessions, one per shard."""

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.gateway_paths.append(request.path)
        await ws.send_str(
            json.dumps(
                {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
        )
        session: Session | None = None
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == HEARTBEAT:
                await ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
            elif op == IDENTIFY:
                session = await self._identify(ws, data["d"])
                if session is None:
                    break
            elif op == RESUME:
                session = await self._resume(ws, data["d"])
            # PRESENCE and REQUEST_MEMBERS are accepted and ignored
        if session is not None and session.ws is ws:
            session.ws = None
        await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: Json) -> Session | None:
        self.identifies.append({k: v for k, v in d.items() if k != "token"})
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = d.get("intents")
        if not isinstance(intents, int):
            await ws.close(code=4013, message=b"Invalid intent(s).")
            return None
        granted = GUILD_MEMBERS if self.members_intent_granted else 0
        if intents & PRIVILEGED & ~granted:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard_id, shard_count = d.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        session = Session(secrets.token_hex(8), (shard_id, shard_count), intents, ws=ws)
        self.sessions[session.id] = session
        self.by_shard[shard_id] = session
        guilds = [g for g in self.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        ready = {
            "v": 10,
            "user": self.bot.to_dict(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.resume_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(session, "READY", ready)
        if intents & GUILDS:
            for guild in guilds:
                await self._send(session, "GUILD_CREATE", guild.to_dict(self.bot))
        await self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: Json) -> Session | None:
        self.resumes.append({k: v for k, v in d.items() if k != "token"})
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or d.get("token") != self.token:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return None
        session.ws = ws
        self.by_shard[session.shard[0]] = session
        last = int(d.get("seq") or 0)
        for payload in session.sent:
            if payload["s"] > last:
                await ws.send_str(json.dumps(payload))
        await self._send(session, "RESUMED", {})
        await self._notify()
        return session

    async def _send(self, session: Session, event: str, data: Json) -> None:
        """Every dispatch is kept, so a RESUME replays what a dropped connection missed."""
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.sent.append(payload)
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_str(json.dumps(payload))
            except ConnectionError:
                session.ws = None

    def _session_for(self, guild_id: int | None) -> Session:
        count = next(iter(self.by_shard.values())).shard[1] if self.by_shard else 1
        shard = 0 if guild_id is None else (guild_id >> 22) % count
        session = self.by_shard.get(shard)
        if session is None:
            raise RuntimeError(f"no gateway session for shard {shard}: is the bot connected?")
        return session

    async def dispatch(self, event: str, data: Json, guild_id: int | None) -> None:
        await self._send(self._session_for(guild_id), event, data)

    def connected(self, shard: int = 0) -> bool:
        session = self.by_shard.get(shard)
        return session is not None and session.ws is not None and not session.ws.closed

    async def reconnect(self, shard: int = 0) -> None:
        """Op 7: the client must drop the socket and RESUME at resume_gateway_url. Dispatches injected
        before it has resumed are held and replayed, as Discord does."""
        session = self._session_for(None if shard == 0 else shard)
        ws, session.ws = session.ws, None
        if ws is not None and not ws.closed:
            await ws.send_str(json.dumps({"op": RECONNECT, "d": None, "s": None, "t": None}))

    async def invalidate_session(self, shard: int = 0, resumable: bool = False) -> None:
        """Op 9: with `resumable=False` the session is gone and the client must IDENTIFY afresh."""
        session = self.by_shard[shard]
        ws = session.ws
        if not resumable:
            self.sessions.pop(session.id, None)
            session.ws = None
        if ws is not None and not ws.closed:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None}))

    async def drop_gateway(self, shard: int = 0) -> None:
        """An abrupt end of the gateway connection (the TCP connection is cut, no close frame): the client
        must notice and RESUME; dispatches injected meanwhile are replayed then."""
        session = self.by_shard[shard]
        ws, session.ws = session.ws, None
        request = getattr(ws, "_req", None) if ws is not None else None  # aiohttp keeps the request
        if request is not None and request.transport is not None:
            request.transport.abort()
        await self._notify()
