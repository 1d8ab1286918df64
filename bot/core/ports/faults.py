"""Fault injection as a port: the core names the moments a crash would hurt most; the outside decides.

Production passes `bot.faults.crashpoint` (armed only by the crash harness's environment variables); tests and
the console leave the default, which does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

#: Called with a point's name (see bot.faults.POINTS) at each moment a process may be killed in tests.
CrashHook = Callable[[str], None]


def no_crash(_point: str) -> None:
    """The default hook: nothing happens."""
