"""The world of the multi-instance tests: one fake platform, bot instances that can be killed mid-cycle
(a trap in the adapter, the database or the repository), and the teams and people who use them.

Used by tests/storage/test_multi_instance.py (the tests) and multi_instance_checks.py (the checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NoReturn

from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ChannelRef, CommandIssued, PostRef, UserRef
from bot.core.messages import Card, RevealCard, ScenarioCard, TextReply
from bot.core.model import Round, TeamSettings
from bot.core.ports import CollectedAnswer, EventSink
from bot.core.rounds import TickReport
from bot.core.schedule_math import close_at, following_post, next_post
from content.loader import ContentBundle
from content.schema import Party
from storage.db import Database, Row
from storage.postgres import PostgresRepository
from storage.repository import SqlRepository
from tests.conftest import PG_URL
from tests.fakes.clock import FakeClock

# Tests need no durability: commits skip the WAL flush (asyncpg passes URL parameters on as settings).
FAST_URL = PG_URL + ("&" if "?" in PG_URL else "?") + "synchronous_commit=off"

PLATFORM = "console"
#: The core receives answers as Party values: mapping reactions is the adapters' job.
TOKEN = {party: party for party in Party}
PARTIES = (Party.AWS, Party.CUSTOMER, Party.SHARED)

# Where an instance can die. "after-delivery" means the platform has the message but the instance never
# learnt its id: the nastiest moment, since only the idempotency key stands between us and a duplicate.
POST_BEFORE = "post:before-delivery"
POST_AFTER = "post:after-delivery"
COLLECT = "reveal:collecting-answers"
SCORE_TX = "reveal:inside-the-scoring-transaction"
REVEAL_BEFORE = "reveal:before-delivery"
REVEAL_AFTER = "reveal:after-delivery"
POST_POINTS = (POST_BEFORE, POST_AFTER)
REVEAL_POINTS = (COLLECT, SCORE_TX, REVEAL_BEFORE, REVEAL_AFTER)


# The platform ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: str
    channel: ChannelRef
    card: Card
    key: str
    thread_of: str | None
    sender: str


class FakePlatform:
    """The one chat platform every instance talks to. A repeated idempotency key in a channel gets the
    message already posted back (Slack: found by its metadata; Discord: the enforced nonce)."""

    def __init__(self) -> None:
        self.messages: list[Delivered] = []
        self._by_key: dict[tuple[ChannelRef, str], Delivered] = {}
        self.reactions: dict[str, list[CollectedAnswer]] = defaultdict(list)
        self.repeats: Counter[str] = Counter()  # "post" / "thread": repeated keys answered from the dedupe
        self.receipts = 0

    def deliver(
        self, channel: ChannelRef, card: Card, key: str, thread_of: str | None, sender: str
    ) -> Delivered:
        found = self._by_key.get((channel, key))
        if found is not None:
            self.repeats["thread" if thread_of else "post"] += 1
            return found
        message = Delivered(f"m{len(self.messages) + 1}", channel, card, key, thread_of, sender)
        self.messages.append(message)
        self._by_key[(channel, key)] = message
        return message

    def react(self, message_id: str, user: UserRef, party: Party) -> None:
        self.reactions[message_id].append(CollectedAnswer(user, TOKEN[party]))

    def scenario_posts(self) -> list[tuple[Delivered, ScenarioCard]]:
        return [(m, m.card) for m in self.messages if isinstance(m.card, ScenarioCard)]

    def reveals(self) -> list[tuple[Delivered, RevealCard]]:
        return [(m, m.card) for m in self.messages if isinstance(m.card, RevealCard)]


class Trap:
    """Where an instance dies: the next time its work reaches the armed point it hangs there, holding
    whatever it holds, until the test cancels its task (the process is gone)."""

    def __init__(self) -> None:
        self.point: str | None = None
        self.sprung_at: str | None = None
        self.sprung = asyncio.Event()

    def arm(self, point: str) -> None:
        self.point = point

    def hit(self, point: str) -> bool:
        if self.point != point:
            return False
        self.point = None
        self.sprung_at = point
        return True

    async def hang(self) -> NoReturn:
        self.sprung.set()
        await asyncio.Event().wait()  # never set: only cancellation ends this
        raise AssertionError("unreachable")


class PlatformClient:
    """One instance's adapter. Its own object, with no idempotency cache of its own: only the platform
    remembers keys, as in production where each process has its own client."""

    def __init__(self, world: FakePlatform, name: str, trap: Trap) -> None:
        self.world = world
        self.name = name
        self.trap = trap
        self.attempts: Counter[str] = Counter()

    @property
    def platform(self) -> str:
        return PLATFORM

    async def start(self, sink: EventSink) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        self.attempts["post"] += 1
        if self.trap.hit(POST_BEFORE):
            await self.trap.hang()
        message = self.world.deliver(channel, card, idempotency_key, None, self.name)
        if self.trap.hit(POST_AFTER):
            await self.trap.hang()
        return PostRef(channel, message.message_id)

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        self.attempts["thread"] += 1
        if self.trap.hit(REVEAL_BEFORE):
            await self.trap.hang()
        message = self.world.deliver(post.channel, card, idempotency_key, post.message_id, self.name)
        if self.trap.hit(REVEAL_AFTER):
            await self.trap.hang()
        return PostRef(post.channel, message.message_id)

    async def send_dm(self, user: UserRef, card: Card) -> None:
        return None

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        self.world.receipts += 1

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return None

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        self.attempts["collect"] += 1
        if self.trap.hit(COLLECT):
            await self.trap.hang()
        return list(self.world.reactions.get(post.message_id, []))

    async def publish_home(self, user: UserRef, card: Card) -> None:
        return None


# A Database that can die inside a transaction ------------------------------------------------------------
class _TrapTransaction:
    """A transaction's connection that hangs before its second statement when SCORE_TX is armed: the
    round row is already updated (and locked) but nothing is committed."""

    def __init__(self, inner: Database, trap: Trap) -> None:
        self.engine = inner.engine
        self._inner = inner
        self._trap = trap
        self._statements = 0

    async def _gate(self) -> None:
        self._statements += 1
        if self._statements == 2 and self._trap.hit(SCORE_TX):
            await self._trap.hang()

    async def execute(self, query: str, *args: Any) -> int:
        await self._gate()
        return await self._inner.execute(query, *args)

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self._gate()
        await self._inner.executemany(query, args)

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        await self._gate()
        return await self._inner.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        await self._gate()
        return await self._inner.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        await self._gate()
        return await self._inner.fetchval(query, *args)

    def transaction(self) -> Any:
        return self._inner.transaction()

    async def run_script(self, script: str) -> None:
        await self._inner.run_script(script)

    async def close(self) -> None:
        await self._inner.close()


class TrapDatabase:
    def __init__(self, inner: Database, trap: Trap) -> None:
        self.engine = inner.engine
        self._inner = inner
        self._trap = trap

    async def execute(self, query: str, *args: Any) -> int:
        return await self._inner.execute(query, *args)

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self._inner.executemany(query, args)

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        return await self._inner.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Row | None:
        return await self._inner.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._inner.fetchval(query, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with self._inner.transaction() as tx:
            yield _TrapTransaction(tx, self._trap)

    async def run_script(self, script: str) -> None:
        await self._inner.run_script(script)

    async def close(self) -> None:
        await self._inner.close()


class GatedRepository(SqlRepository):
    """A repository that can be held just after it has read its list of due work, so a test can let
    another instance finish that work first: the list the held instance acts on is then stale."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.hold: str | None = None
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    async def _maybe_hold(self, what: str) -> None:
        if self.hold == what:
            self.hold = None
            self.reached.set()
            await self.released.wait()

    async def stale_claims(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        found = await super().stale_claims(now, limit, platforms)
        await self._maybe_hold("stale_claims")
        return found

    async def due_reveals(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        found = await super().due_reveals(now, limit, platforms)
        await self._maybe_hold("due_reveals")
        return found


# Instances -----------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Instance:
    name: str
    repo: GatedRepository
    adapter: PlatformClient
    engine: Engine
    trap: Trap
    reports: list[TickReport] = field(default_factory=list)
    dropped: bool = False

    async def drop(self) -> None:
        """The process is gone: its pool closes (PostgreSQL would see the connections drop)."""
        if not self.dropped:
            self.dropped = True
            await self.repo.close()

    def total(self, what: str) -> int:
        return sum(getattr(r, what) for r in self.reports)


async def start_instance(
    name: str, schema: str, world: FakePlatform, clock: FakeClock, content: ContentBundle
) -> Instance:
    opened = await PostgresRepository.open(FAST_URL, schema=schema)
    trap = Trap()
    repo = GatedRepository(TrapDatabase(opened.db, trap))
    adapter = PlatformClient(world, name, trap)
    engine = Engine(repo, content, clock, {PLATFORM: adapter}, EngineConfig(seed=11, onboarding="off"))
    return Instance(name, repo, adapter, engine, trap)


async def run_step(live: Sequence[Instance], rng: random.Random | None = None) -> list[Instance]:
    """One scheduler tick on every live instance at once, interleaved on the event loop. An instance whose
    trap springs is killed on the spot (its task cancelled) and returned; the caller drops it."""
    order = list(live)
    if rng is not None:
        rng.shuffle(order)
    ticks = {inst: asyncio.create_task(inst.engine.tick()) for inst in order}
    sprung = {inst: asyncio.create_task(inst.trap.sprung.wait()) for inst in order}
    killed: list[Instance] = []
    pending = dict(ticks)
    try:
        while pending:
            waiting = set(pending.values()) | {sprung[i] for i in pending}
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for inst, task in list(pending.items()):
                if task in done:
                    del pending[inst]
                elif sprung[inst] in done:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                    killed.append(inst)
                    del pending[inst]
    finally:
        for waiter in sprung.values():
            waiter.cancel()
    for inst in order:
        if inst not in killed:
            inst.reports.append(ticks[inst].result())  # a tick that raised fails the test here
    return killed


async def rows(repo: SqlRepository, query: str, *args: Any) -> list[Row]:
    return await repo.db.fetch(query, *args)


# Teams and people ----------------------------------------------------------------------------------------
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Asia/Kathmandu",
)
TIMES = ("09:30", "08:00", "13:45", "10:15", "11:00")
WINDOWS = ("window 4h", "window 90m", "window 1h", "window until 17:00")
DAY_SETS = ("mon-fri", "daily", "mon,wed,fri")


def team_channel(i: int) -> ChannelRef:
    return ChannelRef(PLATFORM, "W1" if i < 10 else "W2", f"C{i:02d}")


def team_setup(i: int) -> str:
    return (
        f"setup time {TIMES[i % len(TIMES)]} tz {ZONES[i % len(ZONES)]} "
        f"days {DAY_SETS[i % len(DAY_SETS)]} {WINDOWS[i % len(WINDOWS)]}"
    )


def members(i: int) -> list[UserRef]:
    """Six people per team; people belong to several teams of their workspace."""
    ws = team_channel(i).workspace_id
    return [UserRef(PLATFORM, ws, f"p{(i * 3 + k) % 30:02d}", f"Person {(i * 3 + k) % 30}") for k in range(6)]


async def setup_team(inst: Instance, channel: ChannelRef, text: str, now: datetime) -> None:
    admin = UserRef(PLATFORM, channel.workspace_id, "admin", "Admin")
    event = CommandIssued(admin, channel, text, True, now, f"team-{channel.channel_id}")
    (reply,) = await inst.engine.handle(event)
    assert isinstance(reply, TextReply) and reply.text.startswith("✅"), reply


def expected_rounds(
    settings: TeamSettings, setup_at: datetime, until: datetime
) -> list[tuple[date, datetime]]:
    """(local date, close instant) of every round whose post time falls in (setup_at, until]."""
    out = []
    day, at = next_post(settings, setup_at)
    while at <= until:
        out.append((day, close_at(settings, day)))
        day, at = following_post(settings, day)
    return out


def _by_round() -> defaultdict[int, dict[str, Party]]:
    return defaultdict(dict)


@dataclass
class Ledger:
    """What people actually did, kept independently of the bot: the answers that must be counted."""

    counted: defaultdict[int, dict[str, Party]] = field(default_factory=_by_round)  # round → user → choice
    answered_posts: set[str] = field(default_factory=set)
    events: int = 0
    duplicate_deliveries: int = 0
    changed_minds: int = 0
    reactions_only: int = 0
    hedged: int = 0


async def answer_round(
    rng: random.Random,
    world: FakePlatform,
    live: Sequence[Instance],
    ledger: Ledger,
    post: Delivered,
    card: ScenarioCard,
    people: list[UserRef],
    correct: Party,
    now: datetime,
) -> None:
    """Every member reacts (or not): most answers arrive as events at a random instance — some twice, at two
    instances at once (at-least-once delivery) — some only as reactions the bot never heard of (counted at
    reveal), some hedged with two reactions (never counted)."""
    ref = PostRef(post.channel, post.message_id)

    async def person(user: UserRef) -> None:
        roll = rng.random()
        first = correct if rng.random() < 0.6 else rng.choice(PARTIES)
        if roll < 0.12:
            return
        if roll < 0.22:
            world.react(post.message_id, user, first)
            ledger.counted[card.round_id][user.user_id] = first
            ledger.reactions_only += 1
            return
        if roll < 0.27:
            other = rng.choice([p for p in PARTIES if p is not first])
            world.react(post.message_id, user, first)
            world.react(post.message_id, user, other)
            ledger.hedged += 1
            return
        receivers = rng.sample(list(live), 2 if rng.random() < 0.2 and len(live) > 1 else 1)
        changed = rng.choice([p for p in PARTIES if p is not first]) if rng.random() < 0.1 else None
        world.react(post.message_id, user, first)
        ledger.counted[card.round_id][user.user_id] = first
        ledger.events += 1
        ledger.duplicate_deliveries += len(receivers) - 1
        event = AnswerGiven(ref, user, TOKEN[first], now)
        await asyncio.gather(*(r.engine.handle(event) for r in receivers))
        if changed is not None:
            ledger.changed_minds += 1
            world.react(post.message_id, user, changed)
            await rng.choice(list(live)).engine.handle(AnswerGiven(ref, user, TOKEN[changed], now))

    await asyncio.gather(*(person(u) for u in people))
