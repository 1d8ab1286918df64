"""`respbot run` and the tests serve on uvloop where it is installed (bot/event_loop.py)."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from bot.event_loop import new_loop_policy, serve


async def _loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_serve_runs_the_bot_on_uvloop() -> None:
    assert serve(_loop_type()) is uvloop.Loop


async def test_the_tests_run_on_the_same_loop_as_the_bot() -> None:
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)


def test_without_uvloop_asyncio_s_own_loop_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "uvloop", None)  # as on Windows: the import fails
    assert isinstance(new_loop_policy(), asyncio.DefaultEventLoopPolicy)
    assert serve(_loop_type()) is not uvloop.Loop
