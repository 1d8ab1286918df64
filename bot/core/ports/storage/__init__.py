"""The storage port, split by aggregate so each core service can ask for only the store it needs.

`Repository` combines them all: it is what a backend implements and what `open_repository` returns.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.ports.storage.admin import AdminStore, InstallationStore
from bot.core.ports.storage.engagement import AchievementStore, SuggestionStore, TeamPostStore
from bot.core.ports.storage.handle import StorageHandle
from bot.core.ports.storage.people import CourseStore, PracticeStore
from bot.core.ports.storage.scores import AnswerStore, ScoreStore
from bot.core.ports.storage.teams import RoundStore, TeamStore

__all__ = [
    "AchievementStore",
    "SuggestionStore",
    "TeamPostStore",
    "AdminStore",
    "AnswerStore",
    "CourseStore",
    "InstallationStore",
    "PracticeStore",
    "Repository",
    "RoundStore",
    "ScoreStore",
    "StorageHandle",
    "TeamStore",
]


class Repository(
    StorageHandle,
    TeamStore,
    RoundStore,
    AnswerStore,
    ScoreStore,
    CourseStore,
    PracticeStore,
    AdminStore,
    InstallationStore,
    TeamPostStore,
    AchievementStore,
    SuggestionStore,
    Protocol,
):
    """Every store at once: one database behind all of them."""
