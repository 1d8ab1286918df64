"""What every benchmark returns, and the helpers they share."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    target: str
    ok: bool
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("name")
        return data


@dataclass(frozen=True, slots=True)
class Target:
    """A row's target for each size: `--quick` runs smaller sizes, so its `ok` is judged against its own."""

    full: str
    quick: str

    def of(self, quick: bool) -> str:
        return f"quick: {self.quick}" if quick else self.full


def now() -> float:
    return time.perf_counter()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The measuring process's own garbage collector off while it times another process (as `timeit` does):
    a full pass in the load generator (60–100 ms, it holds the content and the fakes) would otherwise be
    counted as the bot's latency, landing on whichever worker was being measured."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def machine_facts() -> dict[str, str]:
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            total_kb = int(fh.readline().split()[1])
        mem = f"{total_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "memory": mem,
    }
