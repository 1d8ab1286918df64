"""Several bot instances on one PostgreSQL database: every round is posted once, revealed once, scored once.

Three engines, each with its own connection pool and its own adapter object, run their scheduler ticks
concurrently against one schema while a FakeClock drives 60 days for 20 teams. The adapters share nothing
but one `FakePlatform`, which — like Slack (our message found again by its metadata) or Discord (the
message nonce) — answers a repeated idempotency key with the message already posted, and counts what it
really received. Instances are also killed mid-cycle: their tick task is cancelled while it is inside the
adapter (mid-post, mid-reveal) or inside the scoring transaction, the instance is dropped, and a survivor
finishes the work once the lease has run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time as wallclock
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

import pytest

from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ChannelRef, CommandIssued, PostRef, UserRef
from bot.core.messages import Card, RevealCard, ScenarioCard, TextReply
from bot.core.model import Round, RoundState, TeamSettings
from bot.core.ports import CollectedAnswer, EventSink
from bot.core.rounds import LEASE, TickReport
from bot.core.schedule_math import close_at, following_post, next_post
from bot.core.scoring import CORRECT_POINTS, streak_bonus
from content.loader import ContentBundle
from content.schema import Party
from storage.db import Database, Row, from_ms
from storage.migrate import migrations_for
from storage.postgres import PostgresRepository
from storage.repository import SqlRepository
from tests.conftest import PG_URL
from tests.fakes.clock import FakeClock
from tests.fakes.content import small_bundle

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


# Checking the outcome ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Totals:
    points: int
    answered: int
    correct: int


def expected_scores(
    rounds_in_order: Sequence[tuple[int, Party]], counted: dict[int, dict[str, Party]]
) -> tuple[dict[tuple[int, str], int], dict[str, Totals], dict[str, tuple[int, int]]]:
    """The scoring rules applied independently: per (round, user) points, per-user totals and
    (current, best) streaks, for one team's revealed rounds in date order."""
    points: dict[tuple[int, str], int] = {}
    totals: dict[str, Totals] = {}
    streak: dict[str, tuple[int, int]] = {}  # user → (current, best)
    previous: set[str] = set()
    for round_id, answer in rounds_in_order:
        here = counted.get(round_id, {})
        for user, choice in here.items():
            current = streak[user][0] + 1 if user in previous and user in streak else 1
            best = max(current, streak[user][1]) if user in streak else current
            streak[user] = (current, best)
            right = choice is answer
            got = CORRECT_POINTS + streak_bonus(current) if right else 0
            points[(round_id, user)] = got
            old = totals.get(user, Totals(0, 0, 0))
            totals[user] = Totals(old.points + got, old.answered + 1, old.correct + int(right))
        previous = set(here)
    return points, totals, streak


async def check_exactly_once(
    observer: SqlRepository,
    world: FakePlatform,
    content: ContentBundle,
    ledger: Ledger,
    expected: dict[ChannelRef, list[tuple[date, datetime]]],
    now: datetime,
) -> dict[str, int]:
    """One post per team per scheduled day, one reveal per closed round, each answer scored once."""
    posts_by_round: dict[int, list[Delivered]] = defaultdict(list)
    for message, card in world.scenario_posts():
        posts_by_round[card.round_id].append(message)
    reveals_by_round: dict[int, list[tuple[Delivered, RevealCard]]] = defaultdict(list)
    for message, reveal in world.reveals():
        reveals_by_round[reveal.round_id].append((message, reveal))

    teams = {
        ChannelRef(PLATFORM, r["workspace_id"], r["channel_id"]): int(r["id"])
        for r in await rows(observer, "SELECT id, workspace_id, channel_id FROM teams")
    }
    assert set(teams) == set(expected)
    db_rounds = await rows(
        observer,
        "SELECT id, team_id, local_date, scenario_id, state, closes_at, message_id, reveal_message_id "
        "FROM rounds ORDER BY team_id, local_date",
    )
    assert len(posts_by_round) == len(db_rounds), "a post on the platform that no round owns (or vice versa)"
    answers = await rows(observer, "SELECT round_id, user_id, choice, correct, points FROM answers")
    by_round_answers: dict[int, dict[str, Row]] = defaultdict(dict)
    for a in answers:
        by_round_answers[int(a["round_id"])][a["user_id"]] = a

    figures: Counter[str] = Counter()
    for channel, team_id in teams.items():
        mine = [r for r in db_rounds if int(r["team_id"]) == team_id]
        assert [date.fromisoformat(r["local_date"]) for r in mine] == [d for d, _ in expected[channel]], (
            channel
        )
        in_order: list[tuple[int, Party]] = []
        for r in mine:
            rid = int(r["id"])
            closed = int(r["closes_at"]) <= int(now.timestamp() * 1000)
            (post,) = posts_by_round[rid]  # exactly one scenario post reached the platform
            assert post.channel == channel and r["message_id"] == post.message_id
            stored = by_round_answers.get(rid, {})
            assert {u: Party(a["choice"]) for u, a in stored.items()} == ledger.counted.get(rid, {}), rid
            if not closed:
                assert r["state"] == RoundState.POSTED.value and rid not in reveals_by_round
                continue
            assert r["state"] == RoundState.REVEALED.value, (rid, r["state"])
            ((reveal_msg, reveal),) = reveals_by_round[rid]  # exactly one reveal reached the platform
            assert reveal_msg.thread_of == post.message_id and r["reveal_message_id"] == reveal_msg.message_id
            assert reveal.total == len(stored)
            in_order.append((rid, content.scenarios[r["scenario_id"]].answer))
            figures["revealed"] += 1
        figures["posted"] += len(mine)

        points, totals, streaks = expected_scores(in_order, ledger.counted)
        for rid, _ in in_order:
            for user, a in by_round_answers.get(rid, {}).items():
                assert a["points"] == points[(rid, user)], (rid, user)
                figures["scored answers"] += 1
        board = {
            r["user_id"]: Totals(int(r["points"]), int(r["answered"]), int(r["correct"]))
            for r in await rows(
                observer,
                "SELECT user_id, points, answered, correct FROM member_scores WHERE team_id = $1 AND period = 'all'",
                team_id,
            )
        }
        assert board == totals, channel
        got_streaks = {
            r["user_id"]: (int(r["current"]), int(r["best"]))
            for r in await rows(
                observer, "SELECT user_id, current, best FROM member_streaks WHERE team_id = $1", team_id
            )
        }
        assert got_streaks == streaks, channel
        period = await observer.db.fetchrow(
            "SELECT rounds, answers, points FROM team_periods WHERE team_id = $1 AND period = 'all'", team_id
        )
        answered = sum(t.answered for t in totals.values())
        if in_order:
            assert period is not None
            assert (int(period["rounds"]), int(period["answers"]), int(period["points"])) == (
                len(in_order),
                answered,
                sum(t.points for t in totals.values()),
            ), channel
        topic_sum = await observer.db.fetchval(
            "SELECT COALESCE(SUM(answered), 0) FROM team_topics WHERE team_id = $1", team_id
        )
        assert int(topic_sum) == answered, channel
    return dict(figures)


# The 60-day race -----------------------------------------------------------------------------------------
# A Monday; the 60 days cross the US, EU and Sydney DST changes.
RACE_START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
RACE_DAYS = 60
RACE_TEAMS = 20
STEP = timedelta(minutes=15)  # every post time and zone offset is on a quarter hour
KILL_EVERY = timedelta(days=6)


async def next_tick(
    observer: SqlRepository, now: datetime, end: datetime, also: Sequence[datetime]
) -> datetime:
    """The next scheduler tick on the STEP grid at which anything is due: ticks where nothing is due are
    skipped (they only make the run slower), ticks where something is due are never missed."""
    due = await observer.db.fetchrow(
        "SELECT (SELECT MIN(next_post_at) FROM teams WHERE paused = 0) AS post, "
        "(SELECT MIN(closes_at) FROM rounds WHERE state IN ('posted', 'closing')) AS close, "
        "(SELECT MIN(lease_until) FROM rounds WHERE state IN ('claimed', 'closing') "
        "OR (state = 'revealed' AND reveal_message_id IS NULL)) AS lease"
    )
    assert due is not None
    candidates = [from_ms(v) for v in due.values() if v is not None] + list(also)
    target = max(min(candidates, default=end), now + STEP)
    steps = -((RACE_START - target) // STEP)  # round up onto the grid
    return min(RACE_START + steps * STEP, end)


async def test_three_instances_race_for_60_days(pg_schema: str) -> None:
    started = wallclock.perf_counter()
    rng = random.Random(20260302)
    clock = FakeClock(RACE_START)
    content = small_bundle(count=24)
    world = FakePlatform()
    live = [await start_instance(n, pg_schema, world, clock, content) for n in ("A", "B", "C")]
    observer = await PostgresRepository.open(PG_URL, schema=pg_schema, migrate=False)
    everyone = list(live)
    ledger = Ledger()
    end = RACE_START + timedelta(days=RACE_DAYS)
    kills: list[str] = []
    try:
        expected: dict[ChannelRef, list[tuple[date, datetime]]] = {}
        for i in range(RACE_TEAMS):
            await setup_team(rng.choice(live), team_channel(i), team_setup(i), clock.now())
        for i in range(RACE_TEAMS):
            team = await observer.get_team(team_channel(i))
            assert team is not None
            expected[team.channel] = expected_rounds(team.settings, RACE_START, end)
        people = {team_channel(i): members(i) for i in range(RACE_TEAMS)}

        points = POST_POINTS + REVEAL_POINTS
        next_kill = RACE_START + KILL_EVERY
        restart_at: list[datetime] = []
        while clock.now() < end:
            clock.set(await next_tick(observer, clock.now(), end, restart_at))
            now = clock.now()
            if now >= next_kill and now < end - timedelta(days=2) and not any(i.trap.point for i in live):
                rng.choice(live).trap.arm(points[len(kills) % len(points)])
                next_kill = now + KILL_EVERY
            if now >= end - timedelta(days=1):
                for inst in live:
                    inst.trap.point = None  # the last day runs clean so every closed round is revealed
            for dead in await run_step(live, rng):
                kills.append(f"{dead.name} {dead.trap.sprung_at} at {now:%m-%d %H:%M}")
                live.remove(dead)
                await dead.drop()
                restart_at.append(now + 2 * STEP)
            for due in [t for t in restart_at if t <= now]:
                restart_at.remove(due)
                replacement = await start_instance(f"R{len(everyone) - 2}", pg_schema, world, clock, content)
                live.append(replacement)
                everyone.append(replacement)
            for post, card in world.scenario_posts():
                if post.message_id in ledger.answered_posts:
                    continue
                rnd = await observer.round_for_post(post.channel, post.message_id)
                if rnd is None or rnd.state is not RoundState.POSTED:
                    continue  # its instance died before recording the post: answer once a survivor has
                ledger.answered_posts.add(post.message_id)
                correct = content.scenarios[card.scenario_id].answer
                await answer_round(rng, world, live, ledger, post, card, people[post.channel], correct, now)

        figures = await check_exactly_once(observer, world, content, ledger, expected, clock.now())
        posts_expected = sum(len(v) for v in expected.values())
        assert figures["posted"] == posts_expected and figures["revealed"] > 0.9 * posts_expected
        # The race really happened: more than one instance won posts and reveals, and instances died.
        assert sum(1 for i in everyone if i.total("posted") + i.total("recovered")) >= 2
        assert sum(1 for i in everyone if i.total("revealed")) >= 2
        assert len(kills) >= 4, kills
        elapsed = wallclock.perf_counter() - started
        print(
            f"\n60-day race: {figures}; platform repeats answered from dedupe {dict(world.repeats)}; "
            f"kills {kills}; per instance "
            + ", ".join(
                f"{i.name}: posted {i.total('posted')} recovered {i.total('recovered')} "
                f"revealed {i.total('revealed')} attempts {dict(i.adapter.attempts)}"
                for i in everyone
            )
            + f"; answers: events {ledger.events}, duplicate deliveries {ledger.duplicate_deliveries}, "
            f"changed minds {ledger.changed_minds}, reactions only {ledger.reactions_only}, "
            f"hedged {ledger.hedged}; receipts {world.receipts}; {elapsed:.1f}s"
        )
    finally:
        for inst in everyone:
            await inst.drop()
        await observer.close()


# An instance killed mid-cycle ----------------------------------------------------------------------------
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("point", POST_POINTS + REVEAL_POINTS)
async def test_killed_instance_work_is_finished_by_another(pg_schema: str, point: str) -> None:
    clock = FakeClock(MONDAY)
    content = small_bundle()
    world = FakePlatform()
    a, b, c = [await start_instance(n, pg_schema, world, clock, content) for n in ("A", "B", "C")]
    survivors = [b, c]
    everyone = [a, b, c]
    observer = await PostgresRepository.open(PG_URL, schema=pg_schema, migrate=False)
    channel = ChannelRef(PLATFORM, "W1", "C1")
    ann, bob, dan = (UserRef(PLATFORM, "W1", u, u.title()) for u in ("ann", "bob", "dan"))
    try:
        await setup_team(b, channel, "setup time 09:00 tz UTC window 1h", clock.now())
        team = await observer.get_team(channel)
        assert team is not None
        a.trap.arm(point)

        async def round_today() -> Round:
            rnd = await observer.round_on(team.id, clock.now().date())
            assert rnd is not None
            return rnd

        # 09:00 — the post.
        clock.set(MONDAY.replace(hour=9))
        if point in POST_POINTS:
            assert await run_step([a]) == [a]
            await a.drop()
            await run_step(survivors)  # the claim is leased: nobody touches it yet
            assert (await round_today()).state is RoundState.CLAIMED
            assert len(world.scenario_posts()) == (1 if point == POST_AFTER else 0)
            if point == POST_AFTER:  # reactions to a post the bot has not recorded yet still count at reveal
                world.react(world.scenario_posts()[0][0].message_id, dan, Party.AWS)
            clock.advance(LEASE + timedelta(seconds=15))
            await run_step(survivors)
            assert sum(i.total("recovered") for i in survivors) == 1
        else:
            assert await run_step([a, b, c]) == []
            survivors = [a, b, c]
        ((post, card),) = world.scenario_posts()
        rnd = await round_today()
        assert rnd.state is RoundState.POSTED and rnd.message_id == post.message_id
        answer = content.scenarios[card.scenario_id].answer
        wrong = next(p for p in PARTIES if p is not answer)
        ref = PostRef(channel, post.message_id)
        await survivors[0].engine.handle(AnswerGiven(ref, ann, TOKEN[answer], clock.now()))
        await survivors[-1].engine.handle(AnswerGiven(ref, bob, TOKEN[wrong], clock.now()))
        world.react(post.message_id, ann, answer)
        world.react(post.message_id, bob, wrong)
        if point != POST_AFTER:
            world.react(post.message_id, dan, answer)  # never heard as an event: counted at reveal
        dan_choice = Party.AWS if point == POST_AFTER else answer

        # 10:00 — the reveal.
        clock.set(MONDAY.replace(hour=10))
        if point in REVEAL_POINTS:
            assert await run_step([a]) == [a]
            await a.drop()
            survivors = [b, c]
            await run_step(survivors)  # leased: no reveal, no score yet
            assert sum(i.total("revealed") for i in survivors) == 0
            state = (await round_today()).state
            if point in (COLLECT, SCORE_TX):  # the scoring transaction rolled back as a whole
                assert state is RoundState.CLOSING
                assert await observer.db.fetchval("SELECT COUNT(*) FROM member_scores") == 0
            else:
                assert state is RoundState.REVEALED
            assert len(world.reveals()) == (1 if point == REVEAL_AFTER else 0)
            clock.advance(LEASE + timedelta(seconds=15))
        await run_step(survivors)
        assert sum(i.total("revealed") for i in survivors) == 1
        ((reveal_msg, reveal),) = world.reveals()
        assert reveal_msg.thread_of == post.message_id and reveal.total == 3
        rnd = await round_today()
        assert rnd.state is RoundState.REVEALED and rnd.reveal_message_id == reveal_msg.message_id
        assert world.repeats["post"] == (1 if point == POST_AFTER else 0)
        assert world.repeats["thread"] == (1 if point == REVEAL_AFTER else 0)

        # Tuesday runs on the survivors alone, once.
        clock.set(MONDAY.replace(hour=9) + timedelta(days=1))
        await run_step(survivors)
        tuesday_post, tuesday_card = world.scenario_posts()[-1]
        tuesday_answer = content.scenarios[tuesday_card.scenario_id].answer
        await survivors[-1].engine.handle(
            AnswerGiven(PostRef(channel, tuesday_post.message_id), ann, TOKEN[tuesday_answer], clock.now())
        )
        clock.set(MONDAY.replace(hour=10) + timedelta(days=1))
        await run_step(survivors)
        assert len(world.scenario_posts()) == 2 and len(world.reveals()) == 2

        board = {s.user_id: s.points for s in await observer.top_scores(team.id, "all", 10)}
        dan_points = CORRECT_POINTS if dan_choice is answer else 0
        assert board == {
            "ann": CORRECT_POINTS + CORRECT_POINTS + streak_bonus(2),
            "bob": 0,
            "dan": dan_points,
        }
        period = await observer.db.fetchrow(
            "SELECT rounds, answers FROM team_periods WHERE team_id = $1 AND period = 'all'", team.id
        )
        assert period is not None and (period["rounds"], period["answers"]) == (2, 4)
    finally:
        for inst in everyone:
            await inst.drop()
        await observer.close()


# Stale lists of due work ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("point", "hold"), [(POST_AFTER, "stale_claims"), (REVEAL_BEFORE, "due_reveals")])
async def test_work_finished_while_listed_is_not_done_again(pg_schema: str, point: str, hold: str) -> None:
    """B lists the dead instance's unfinished round; C finishes it before B gets to it. B must then leave
    it alone, not post (or reveal) it a second time and lean on the platform's dedupe to hide that."""
    clock = FakeClock(MONDAY)
    content = small_bundle()
    world = FakePlatform()
    a, b, c = everyone = [await start_instance(n, pg_schema, world, clock, content) for n in ("A", "B", "C")]
    channel = ChannelRef(PLATFORM, "W1", "C1")
    try:
        await setup_team(b, channel, "setup time 09:00 tz UTC window 1h", clock.now())
        a.trap.arm(point)
        clock.set(MONDAY.replace(hour=9))
        if point in REVEAL_POINTS:
            await run_step([b, c])
            clock.set(MONDAY.replace(hour=10))
        assert await run_step([a]) == [a]
        await a.drop()
        clock.advance(LEASE + timedelta(seconds=15))

        b.repo.hold = hold
        held = asyncio.create_task(b.engine.tick())
        await b.repo.reached.wait()  # B has its list, with the dead instance's round on it
        await run_step([c])  # C finishes that round meanwhile
        b.repo.released.set()
        await held

        kind = "post" if point in POST_POINTS else "thread"
        assert c.adapter.attempts[kind] == 1
        assert b.adapter.attempts[kind] == 0, "B acted on a stale list: only the platform's dedupe saved it"
        assert len(world.scenario_posts()) == 1 and len(world.reveals()) == (0 if kind == "post" else 1)
    finally:
        for inst in everyone:
            await inst.drop()


# Starting together -------------------------------------------------------------------------------------
async def test_instances_starting_together_on_a_fresh_database_all_come_up(pg_schema: str) -> None:
    """`docker compose up --scale bot=3` on a new database: every instance migrates or waits, none fails."""
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        for attempt in range(8):  # the race is likely but not certain on any one try
            schema = f"{pg_schema}_{attempt}"
            await conn.execute(f'CREATE SCHEMA "{schema}"')
            try:
                opened = await asyncio.gather(
                    *(PostgresRepository.open(FAST_URL, schema=schema) for _ in range(4)),
                    return_exceptions=True,
                )
                for repo in opened:
                    if isinstance(repo, PostgresRepository):
                        await repo.close()
                failures = [f"{type(r).__name__}: {r}" for r in opened if isinstance(r, BaseException)]
                assert failures == []
                latest = len(migrations_for("postgres"))
                assert await conn.fetchval(f'SELECT COUNT(*) FROM "{schema}".schema_version') == latest
            finally:
                await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await conn.close()
