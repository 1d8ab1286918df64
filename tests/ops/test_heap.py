"""The start-up heap is frozen while the bot serves and let go when it stops (bot/heap.py)."""

from __future__ import annotations

import gc

import pytest

from bot.heap import frozen_startup_heap


def _collected_generations_hold(thing: object) -> bool:
    """Whether a full collection would walk `thing` (frozen objects are in no generation it visits)."""
    return any(o is thing for o in gc.get_objects())


def test_startup_objects_are_frozen_while_serving_and_released_after() -> None:
    gc.unfreeze()  # whatever an earlier test left
    built_at_startup: list[list[int]] = [[n] for n in range(10)]
    assert _collected_generations_hold(built_at_startup)
    with frozen_startup_heap() as frozen:
        assert frozen > len(built_at_startup)
        assert not _collected_generations_hold(built_at_startup)
        made_while_serving: list[int] = []
        assert _collected_generations_hold(made_while_serving)
    assert gc.get_freeze_count() == 0
    assert _collected_generations_hold(built_at_startup)


def test_the_heap_is_released_even_when_serving_fails() -> None:
    with pytest.raises(RuntimeError), frozen_startup_heap():
        raise RuntimeError("the bot stopped with an error")
    assert gc.get_freeze_count() == 0
