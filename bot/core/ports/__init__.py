"""Every seam between the core and the outside world: platforms, storage, time and fault injection.

Adapters and `storage/` implement these; the core depends on nothing else (tests/test_dependency_rule.py).
"""

from bot.core.ports.faults import CrashHook, no_crash
from bot.core.ports.platform import (
    AdapterHealth,
    CollectedAnswer,
    EventSink,
    PlatformAdapter,
    ReportsHealth,
)
from bot.core.ports.storage import Repository

__all__ = [
    "AdapterHealth",
    "CollectedAnswer",
    "CrashHook",
    "EventSink",
    "PlatformAdapter",
    "ReportsHealth",
    "Repository",
    "no_crash",
]
