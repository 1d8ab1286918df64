"""The event loop `respbot run` serves on: uvloop where it is installed (Linux and macOS), asyncio's own
elsewhere.

uvloop runs the same asyncio code on libuv. In the ack benchmark it took about a sixth off the CPU each slash
command costs (0.72 → 0.59 ms, median of 4 bursts), which is what the ack p99 under 50 requests in flight
depends on. discord.py, aiohttp, aiosqlite, asyncpg and slack-bolt all support it, and the test suite runs on
it too (tests/conftest.py), so what is tested is what serves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def new_loop_policy() -> asyncio.AbstractEventLoopPolicy:
    """uvloop's policy when it is installed, asyncio's default otherwise."""
    try:
        import uvloop
    except ImportError:  # Windows, or an install without it
        return asyncio.DefaultEventLoopPolicy()
    policy: asyncio.AbstractEventLoopPolicy = uvloop.EventLoopPolicy()
    return policy


def serve(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the loop `new_loop_policy` gives."""
    policy = new_loop_policy()
    with asyncio.Runner(loop_factory=policy.new_event_loop) as runner:
        return runner.run(main)
