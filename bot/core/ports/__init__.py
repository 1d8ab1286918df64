"""Every seam between the core and the outside world: platforms, storage, time and fault injection.

Adapters and `storage/` implement these; the core depends on nothing else (tests/test_dependency_rule.py).
"""

from bot.core.ports.faults import CrashHook, no_crash
from bot.core.ports.platform import (
    AdapterHealth,
    CollectedAnswer,
    EventSink,
    PlatformAdapter,
    PostRefused,
    ReportsHealth,
)
from bot.core.ports.storage import (
    AchievementStore,
    AdminStore,
    AnswerStore,
    CourseStore,
    InstallationStore,
    PracticeStore,
    Repository,
    RoundStore,
    ScoreStore,
    StorageHandle,
    SuggestionStore,
    TeamPostStore,
    TeamStore,
)

__all__ = [
    "AchievementStore",
    "AdapterHealth",
    "SuggestionStore",
    "TeamPostStore",
    "AdminStore",
    "AnswerStore",
    "CollectedAnswer",
    "CourseStore",
    "CrashHook",
    "EventSink",
    "InstallationStore",
    "PlatformAdapter",
    "PostRefused",
    "PracticeStore",
    "ReportsHealth",
    "Repository",
    "RoundStore",
    "ScoreStore",
    "StorageHandle",
    "TeamStore",
    "no_crash",
]
