"""A TTL cache whose entries belong to groups (a team, a workspace, a person), each entry stamped with its
groups' generations as they were when its value was read.

Forgetting a group is one increment, however many entries it has (a scored round used to walk every cached
rank and total: ~13 ms per round with 10,000 entries, seconds of a blocked loop when a thousand teams reveal
in one tick). And a value read from the database while its group was being forgotten is never served: its
stamp is older than the group's generation, so `put` drops it and `get` misses.

Generations are kept for a bounded number of groups. A group dropped from there falls back to the `floor`:
the newest generation ever handed out when something was dropped, so every entry stamped before is a miss.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache, TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

Stamp = tuple[int, ...]

#: Groups whose generation is remembered (teams, workspaces and people forgotten lately).
GROUPS = 100_000


class _Generations(LRUCache[Hashable, int]):
    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.counter = itertools.count(1)
        self.floor = 0

    def popitem(self) -> tuple[Hashable, int]:
        dropped = super().popitem()
        self.floor = next(self.counter)  # newer than anything stamped so far
        return dropped


class StampedCache(Generic[K, V]):
    def __init__(
        self,
        maxsize: int,
        ttl: float,
        timer: Callable[[], float],
        groups: Callable[[K], tuple[Hashable, ...]],
        remembered: int = GROUPS,
    ) -> None:
        self._entries: TTLCache[K, tuple[Stamp, V]] = TTLCache(maxsize, ttl, timer=timer)
        self._generations = _Generations(remembered)
        self._groups = groups

    def stamp(self, key: K) -> Stamp:
        """Take before reading the value from the database; give it to `put`."""
        gens = self._generations
        return tuple(gens.get(group, gens.floor) for group in self._groups(key))

    def get(self, key: K, default: D) -> V | D:
        entry = self._entries.get(key)
        if entry is None or entry[0] != self.stamp(key):
            return default
        return entry[1]

    def put(self, key: K, value: V, stamp: Stamp) -> V:
        """Keep `value` unless one of its groups was forgotten since `stamp` was taken; returns it either way."""
        if stamp == self.stamp(key):
            self._entries[key] = (stamp, value)
        return value

    def forget(self, group: Hashable) -> None:
        self._generations[group] = next(self._generations.counter)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
