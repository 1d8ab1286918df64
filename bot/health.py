"""What `/healthz` reports: the database, the scheduler's last tick and each adapter's connection.

Each part is judged on its own and the whole is healthy only when every part is, so an orchestrator that
restarts on 503 restarts a process that is deaf (an adapter disconnected), stuck (no tick for a while) or
cut off from its data — not only one whose database is gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict

from bot.core.ports import AdapterHealth, PlatformAdapter, ReportsHealth

#: The scheduler counts as stuck when its last completed tick is older than this many tick intervals.
STALE_TICKS = 5
#: Seconds the database has to answer a ping.
PING_SECONDS = 3.0

Json = dict[str, object]


def scheduler_part(started: float | None, last_tick: float | None, now: float, tick_seconds: float) -> Json:
    """The scheduler's part: the age of its last completed tick (or of its start, before the first one)."""
    limit = STALE_TICKS * tick_seconds
    since = last_tick if last_tick is not None else started
    if since is None:
        return {"ok": False, "detail": "not running", "max_age_seconds": limit}
    age = max(0.0, now - since)
    return {
        "ok": age <= limit,
        "last_tick_age_seconds": round(age, 1),
        "max_age_seconds": limit,
        **({} if last_tick is not None else {"detail": "no tick completed yet"}),
    }


async def adapter_health(adapter: PlatformAdapter) -> AdapterHealth | None:
    """The adapter's own report, or None for one that cannot tell (a test double)."""
    if isinstance(adapter, ReportsHealth):
        return await adapter.health()
    return None


async def adapters_part(adapters: Sequence[PlatformAdapter]) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for adapter in adapters:
        try:
            health = await adapter_health(adapter)
        except Exception as exc:
            health = AdapterHealth(False, f"health check failed: {type(exc).__name__}")
        if health is None:
            out[adapter.platform] = {"ok": True, "connected": None, "detail": "not reported"}
        else:
            out[adapter.platform] = {"ok": health.connected, **asdict(health)}
    return out


async def database_part(ping: Callable[[], Awaitable[None]] | None) -> Json:
    if ping is None:
        return {"ok": False, "detail": "not open"}
    try:
        await asyncio.wait_for(ping(), timeout=PING_SECONDS)
    except Exception as exc:
        return {"ok": False, "detail": f"ping failed: {type(exc).__name__}"}
    return {"ok": True}


def overall(database: Json, scheduler: Json, adapters: dict[str, Json]) -> Json:
    ok = bool(database["ok"]) and bool(scheduler["ok"]) and all(bool(a["ok"]) for a in adapters.values())
    return {"ok": ok, "database": database, "scheduler": scheduler, "adapters": adapters}
