"""What every step of the daily round shares: the work lease, batch sizes, the services' common dependencies
and bounded concurrency.

The round itself is claim → post → answers → close → score → reveal, each step safe to repeat, split over
three services that the engine composes: PostingService (bot/core/posting.py: claim, post, recover),
AnswerService (bot/core/answers.py: first answer locks, receipts) and RevealService (bot/core/reveal.py:
close, reconcile, score, reveal). Every step is guarded so that a crash, a restart or a second instance can
neither post twice nor score twice: the (team, local date) round is claimed by a unique key before posting;
posting uses an idempotency key the adapter honours; steps after the post are guarded by a short work lease
and compare-and-set state changes; points are written in the same transaction that closes the round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from bot.core.clock import Clock
from bot.core.model import Round
from bot.core.ports import CrashHook, PlatformAdapter, Repository, no_crash
from bot.core.telemetry import NullTelemetry, Telemetry
from content.loader import ContentBundle

T = TypeVar("T")
R = TypeVar("R")

LEASE = timedelta(minutes=2)
#: How long an open round's routing data (round + team) is reused for answers without asking storage again.
#: Safe because storing an answer re-checks, in the same statement, that the round still takes answers.
ROUTE_TTL = timedelta(seconds=60)
#: How long after the window a reveal keeps retrying to re-read reactions before scoring what it has.
RECONCILE_GRACE = timedelta(hours=1)
BATCH = 200
#: Batches of due work handled in one tick at most (so one tick cannot run forever).
MAX_BATCHES = 50
#: Teams or rounds handled at the same time within a batch.
CONCURRENCY = 32


@dataclass(frozen=True, slots=True)
class TickReport:
    posted: int = 0
    skipped: int = 0
    recovered: int = 0
    revealed: int = 0
    lessons: int = 0
    reminded: int = 0
    team_posts: int = 0  # weekly recaps and season posts


@dataclass(frozen=True, slots=True)
class RoundDeps:
    """What the round services share. `adapters` is the engine's own mapping, so an adapter added later is
    seen by every service at once."""

    repo: Repository
    content: ContentBundle
    clock: Clock
    adapters: Mapping[str, PlatformAdapter]
    telemetry: Telemetry = field(default_factory=NullTelemetry)
    crash: CrashHook = no_crash

    @property
    def platforms(self) -> list[str]:
        return sorted(self.adapters)


async def post_key(repo: Repository, rnd: Round, kind: str = "round") -> str:
    """The idempotency key of a round's post (`round`) or reveal (`reveal`), unique beyond one database:
    the round id restarts in every database, so the key also carries this installation's random id (kept in
    the database) and the round's local date and scenario. A restored backup or a second deployment in the
    same channel can never take an older post for today's."""
    installation = await repo.installation_id()
    return f"{kind}-{rnd.id}.{installation}.{rnd.local_date:%Y%m%d}.{rnd.scenario_id}"


async def bounded(items: Sequence[T], work: Callable[[T], Awaitable[R]], limit: int = CONCURRENCY) -> list[R]:
    """Run `work` over items with at most `limit` at a time; results in the order of the items.

    A TaskGroup, not gather: if one item's work raises, its siblings are cancelled and awaited before the
    error propagates, so no work is left running unobserved. (The round services catch per-item failures
    themselves; this is the guarantee for everything else.)"""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(item)) for item in items]
    return [task.result() for task in tasks]
