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
import random
import time as wallclock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.events import AnswerGiven, ChannelRef, PostRef, UserRef
from bot.core.model import Round, RoundState
from bot.core.rounds import LEASE
from bot.core.scoring import CORRECT_POINTS, streak_bonus
from content.loader import ContentBundle
from content.schema import Party
from storage.db import from_ms
from storage.migrate import migrations_for
from storage.postgres import PostgresRepository
from storage.repository import SqlRepository
from tests.conftest import PG_URL
from tests.fakes.clock import FakeClock
from tests.fakes.content import small_bundle
from tests.storage.multi_instance_checks import check_exactly_once
from tests.storage.multi_instance_world import (
    COLLECT,
    FAST_URL,
    PARTIES,
    PLATFORM,
    POST_AFTER,
    POST_POINTS,
    REVEAL_AFTER,
    REVEAL_BEFORE,
    REVEAL_POINTS,
    SCORE_TX,
    TOKEN,
    Delivered,
    FakePlatform,
    Instance,
    Ledger,
    answer_round,
    expected_rounds,
    members,
    run_step,
    setup_team,
    start_instance,
    team_channel,
    team_setup,
)

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


@dataclass
class KilledMidCycle:
    """The steps of one killed-instance day: A dies at `point`, the survivors finish its work, Tuesday
    runs on the survivors alone. Ann answers right, Bob wrong, Dan only reacts (never heard as an event)."""

    point: str
    clock: FakeClock
    content: ContentBundle
    world: FakePlatform
    observer: PostgresRepository
    a: Instance
    survivors: list[Instance]
    team_id: int
    channel: ChannelRef = ChannelRef(PLATFORM, "W1", "C1")
    ann: UserRef = UserRef(PLATFORM, "W1", "ann", "Ann")
    bob: UserRef = UserRef(PLATFORM, "W1", "bob", "Bob")
    dan: UserRef = UserRef(PLATFORM, "W1", "dan", "Dan")

    async def round_today(self) -> Round:
        rnd = await self.observer.round_on(self.team_id, self.clock.now().date())
        assert rnd is not None
        return rnd

    async def post(self) -> None:
        """09:00 — the post; when A dies posting, a survivor recovers the claim once its lease is over."""
        a, survivors, world, point = self.a, self.survivors, self.world, self.point
        self.clock.set(MONDAY.replace(hour=9))
        if point in POST_POINTS:
            assert await run_step([a]) == [a]
            await a.drop()
            await run_step(survivors)  # the claim is leased: nobody touches it yet
            assert (await self.round_today()).state is RoundState.CLAIMED
            assert len(world.scenario_posts()) == (1 if point == POST_AFTER else 0)
            if point == POST_AFTER:  # reactions to a post the bot has not recorded yet still count at reveal
                world.react(world.scenario_posts()[0][0].message_id, self.dan, Party.AWS)
            self.clock.advance(LEASE + timedelta(seconds=15))
            await run_step(survivors)
            assert sum(i.total("recovered") for i in survivors) == 1
        else:
            assert await run_step([a, *survivors]) == []
            self.survivors = [a, *survivors]

    async def answer(self) -> tuple[Delivered, Party, Party]:
        """The answers: Ann's and Bob's as events and reactions, Dan's as a reaction only. Returns the
        post, the right answer and Dan's choice."""
        world, survivors, now = self.world, self.survivors, self.clock.now()
        ((post, card),) = world.scenario_posts()
        rnd = await self.round_today()
        assert rnd.state is RoundState.POSTED and rnd.message_id == post.message_id
        answer = self.content.scenarios[card.scenario_id].answer
        wrong = next(p for p in PARTIES if p is not answer)
        ref = PostRef(self.channel, post.message_id)
        await survivors[0].engine.handle(AnswerGiven(ref, self.ann, TOKEN[answer], now))
        await survivors[-1].engine.handle(AnswerGiven(ref, self.bob, TOKEN[wrong], now))
        world.react(post.message_id, self.ann, answer)
        world.react(post.message_id, self.bob, wrong)
        if self.point != POST_AFTER:
            world.react(post.message_id, self.dan, answer)  # never heard as an event: counted at reveal
        dan_choice = Party.AWS if self.point == POST_AFTER else answer
        return post, answer, dan_choice

    async def reveal(self, post: Delivered) -> None:
        """10:00 — the reveal; when A dies revealing, a survivor reveals once the lease is over, once."""
        a, world, point = self.a, self.world, self.point
        self.clock.set(MONDAY.replace(hour=10))
        if point in REVEAL_POINTS:
            assert await run_step([a]) == [a]
            await a.drop()
            self.survivors = [s for s in self.survivors if s is not a]
            await run_step(self.survivors)  # leased: no reveal, no score yet
            assert sum(i.total("revealed") for i in self.survivors) == 0
            state = (await self.round_today()).state
            if point in (COLLECT, SCORE_TX):  # the scoring transaction rolled back as a whole
                assert state is RoundState.CLOSING
                assert await self.observer.db.fetchval("SELECT COUNT(*) FROM member_scores") == 0
            else:
                assert state is RoundState.REVEALED
            assert len(world.reveals()) == (1 if point == REVEAL_AFTER else 0)
            self.clock.advance(LEASE + timedelta(seconds=15))
        await run_step(self.survivors)
        assert sum(i.total("revealed") for i in self.survivors) == 1
        ((reveal_msg, reveal),) = world.reveals()
        assert reveal_msg.thread_of == post.message_id and reveal.total == 3
        rnd = await self.round_today()
        assert rnd.state is RoundState.REVEALED and rnd.reveal_message_id == reveal_msg.message_id
        assert world.repeats["post"] == (1 if point == POST_AFTER else 0)
        assert world.repeats["thread"] == (1 if point == REVEAL_AFTER else 0)

    async def tuesday(self) -> None:
        """Tuesday runs on the survivors alone, once; Ann answers right again."""
        self.clock.set(MONDAY.replace(hour=9) + timedelta(days=1))
        await run_step(self.survivors)
        tuesday_post, tuesday_card = self.world.scenario_posts()[-1]
        tuesday_answer = self.content.scenarios[tuesday_card.scenario_id].answer
        await self.survivors[-1].engine.handle(
            AnswerGiven(
                PostRef(self.channel, tuesday_post.message_id),
                self.ann,
                TOKEN[tuesday_answer],
                self.clock.now(),
            )
        )
        self.clock.set(MONDAY.replace(hour=10) + timedelta(days=1))
        await run_step(self.survivors)
        assert len(self.world.scenario_posts()) == 2 and len(self.world.reveals()) == 2

    async def check_board(self, answer: Party, dan_choice: Party) -> None:
        """Every answer scored once: Ann's streak, Bob's zero, Dan's reaction counted at the reveal."""
        board = {s.user_id: s.points for s in await self.observer.top_scores(self.team_id, "all", 10)}
        dan_points = CORRECT_POINTS if dan_choice is answer else 0
        assert board == {
            "ann": CORRECT_POINTS + CORRECT_POINTS + streak_bonus(2),
            "bob": 0,
            "dan": dan_points,
        }
        period = await self.observer.db.fetchrow(
            "SELECT rounds, answers FROM team_periods WHERE team_id = $1 AND period = 'all'", self.team_id
        )
        assert period is not None and (period["rounds"], period["answers"]) == (2, 4)


@pytest.mark.parametrize("point", POST_POINTS + REVEAL_POINTS)
async def test_killed_instance_work_is_finished_by_another(pg_schema: str, point: str) -> None:
    clock = FakeClock(MONDAY)
    content = small_bundle()
    world = FakePlatform()
    a, b, c = [await start_instance(n, pg_schema, world, clock, content) for n in ("A", "B", "C")]
    everyone = [a, b, c]
    observer = await PostgresRepository.open(PG_URL, schema=pg_schema, migrate=False)
    channel = ChannelRef(PLATFORM, "W1", "C1")
    try:
        await setup_team(b, channel, "setup time 09:00 tz UTC window 1h", clock.now())
        team = await observer.get_team(channel)
        assert team is not None
        a.trap.arm(point)
        day = KilledMidCycle(point, clock, content, world, observer, a, [b, c], team.id, channel)
        await day.post()
        post, answer, dan_choice = await day.answer()
        await day.reveal(post)
        await day.tuesday()
        await day.check_board(answer, dan_choice)
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
