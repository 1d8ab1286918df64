"""StampedCache: forgetting a group makes its entries miss at once; a value read while its group was being
forgotten is never kept; groups dropped from memory make older entries miss, never come back."""

from __future__ import annotations

from collections.abc import Hashable

from bot.core.stamped_cache import StampedCache

Key = tuple[str, str]  # (workspace, person)


def _groups(key: Key) -> tuple[Hashable, ...]:
    return (("workspace", key[0]), ("person", *key))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, remembered: int = 100) -> StampedCache[Key, str]:
    return StampedCache(100, 60.0, clock, _groups, remembered)


def _put(cache: StampedCache[Key, str], key: Key, value: str) -> None:
    cache.put(key, value, cache.stamp(key))


def test_forgetting_a_person_or_a_workspace_misses_just_their_entries() -> None:
    cache = _cache(Clock())
    for key in (("W1", "ann"), ("W1", "bob"), ("W2", "ann")):
        _put(cache, key, f"{key}")
    cache.forget(("person", "W1", "ann"))
    assert cache.get(("W1", "ann"), None) is None
    assert cache.get(("W1", "bob"), None) == "('W1', 'bob')" and cache.get(("W2", "ann"), None) is not None
    cache.forget(("workspace", "W1"))
    assert cache.get(("W1", "bob"), None) is None and cache.get(("W2", "ann"), None) is not None
    _put(cache, ("W1", "bob"), "again")  # read after the forget: kept
    assert cache.get(("W1", "bob"), None) == "again"


def test_a_value_read_while_its_group_was_forgotten_is_not_kept() -> None:
    cache = _cache(Clock())
    key = ("W1", "ann")
    stamp = cache.stamp(key)  # the database read starts…
    cache.forget(("person", "W1", "ann"))  # …practice saves meanwhile…
    assert (
        cache.put(key, "read before the save", stamp) == "read before the save"
    )  # …the caller still gets it
    assert cache.get(key, None) is None  # but the next caller reads again


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = _cache(clock)
    _put(cache, ("W1", "ann"), "x")
    clock.now = 59.0
    assert cache.get(("W1", "ann"), None) == "x"
    clock.now = 61.0
    assert cache.get(("W1", "ann"), None) is None


def test_a_group_dropped_from_memory_never_revives_an_entry_stamped_before_its_forget() -> None:
    cache = _cache(Clock(), remembered=2)
    _put(cache, ("W1", "ann"), "stale after ann's forget")
    _put(cache, ("W2", "cid"), "untouched")
    cache.forget(("person", "W1", "ann"))
    cache.forget(("person", "W3", "x"))
    cache.forget(("person", "W3", "y"))  # three groups, room for two: ann's generation is dropped
    assert cache.get(("W1", "ann"), None) is None
    assert (
        cache.get(("W2", "cid"), None) is None
    )  # older than the floor: read again (never wrong, only a miss)
    _put(cache, ("W2", "cid"), "fresh")
    assert cache.get(("W2", "cid"), None) == "fresh"
