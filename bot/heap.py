"""Keep what start-up built out of the garbage collector's full passes.

Start-up builds the long-lived objects — the imported libraries, the content bundle, the adapters — about
140,000 of them. CPython's full (oldest-generation) collection walks every one each time it runs: 25–90 ms
on a 2-core machine, during which nothing else runs (no ack, no reply, no gateway heartbeat); in the ack
benchmark those pauses were the p99. `gc.freeze()` moves them to a permanent generation the collector skips,
and full passes then take 2–5 ms. Undone when the bot stops, so a process that starts the bot more than once
(the tests) can still free them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_startup_heap() -> Iterator[int]:
    """Freeze what exists now (after freeing start-up's garbage) for the duration; yields how many objects."""
    gc.collect()  # start-up's garbage is freed, not kept forever
    gc.freeze()
    try:
        yield gc.get_freeze_count()
    finally:
        gc.unfreeze()
