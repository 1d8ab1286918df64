"""The daily round: claim → post → answers → close → score → reveal, each step safe to repeat.

Every step is guarded so that a crash, a restart or a second instance can neither post twice nor score
twice: the (team, local date) round is claimed by a unique key before posting; posting uses an idempotency
key the adapter honours; steps after the post are guarded by a short work lease and compare-and-set state
changes; points are written in the same transaction that closes the round.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from bot.core.clock import Clock
from bot.core.events import AnswerGiven, ChannelRef, PostRef, UserRef
from bot.core.leaderboard import Period, leader_rows, period_key, period_keys
from bot.core.messages import OPTIONS, Button, Card, RevealCard, ScenarioCard, TextReply, option_for
from bot.core.model import AnswerMode, Round, RoundResult, RoundState, StoredAnswer, Team
from bot.core.ports import CollectedAnswer, CrashHook, PlatformAdapter, Repository, no_crash
from bot.core.schedule_math import close_at, following_post, local_date, zone
from bot.core.scoring import score_round
from bot.core.selection import choose_scenario
from bot.core.telemetry import NullTelemetry, Telemetry
from content.loader import ContentBundle
from content.schema import Party, Scenario

log = logging.getLogger(__name__)

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

CLOSED = TextReply("This round is closed — the answer is in the thread.")

_TOKENS: dict[str, Party] = {}
for _opt in OPTIONS:
    for _token in (
        _opt.party.value,
        _opt.label,
        _opt.emoji,
        _opt.emoji.replace("\ufe0f", ""),
        _opt.slack_emoji,
        _opt.key,
    ):
        _TOKENS[_token.lower()] = _opt.party
_TOKENS.update({"cloud": Party.AWS, "person_technologist": Party.CUSTOMER, "technologist": Party.CUSTOMER})


def parse_choice(token: str) -> Party | None:
    """An emoji name, a unicode emoji, a button value or a console key → the answer it means, or None."""
    return _TOKENS.get(token.strip().strip(":").lower())


@dataclass(frozen=True, slots=True)
class TickReport:
    posted: int = 0
    skipped: int = 0
    recovered: int = 0
    revealed: int = 0
    lessons: int = 0


class RoundService:
    def __init__(
        self,
        repo: Repository,
        content: ContentBundle,
        clock: Clock,
        adapters: Mapping[str, PlatformAdapter],
        seed: int,
        flag_threshold: int,
        telemetry: Telemetry | None = None,
        crash: CrashHook = no_crash,
    ) -> None:
        self.crash = crash
        self.telemetry: Telemetry = telemetry or NullTelemetry()
        self.repo = repo
        self.content = content
        self.clock = clock
        self.adapters = adapters
        self.seed = seed
        self.flag_threshold = flag_threshold
        self._routes: dict[PostRef, tuple[datetime, Round, Team]] = {}

    @property
    def platforms(self) -> list[str]:
        return sorted(self.adapters)

    # Posting ---------------------------------------------------------------------------------------------
    async def post_due(self, now: datetime) -> tuple[int, int]:
        """Post every round due now. Teams are handled concurrently (bounded): a thousand teams due in the
        same minute must not wait for each other's platform round trips."""
        outcomes: list[str] = []
        for _ in range(MAX_BATCHES):
            teams = await self.repo.due_teams(now, BATCH, self.platforms)
            outcomes += await bounded(teams, lambda team: self._post_one(team, now))
            if len(teams) < BATCH:
                break
        return outcomes.count("posted"), outcomes.count("skipped")

    async def _post_one(self, team: Team, now: datetime) -> str:
        """One team's due post. A failure here is this team's alone: the others still post."""
        try:
            return await self._post_team(team, now)
        except Exception:
            log.exception(
                "posting for team %s failed; retrying on the next tick",
                team.id,
                extra={"team_id": team.id, "tenant": team.channel.workspace_id},
            )
            return ""

    async def _post_team(self, team: Team, now: datetime) -> str:
        day = team.next_post_date
        if day is None:
            return ""
        following = following_post(team.settings, day)
        closes = close_at(team.settings, day)
        if now >= closes:
            if await self.repo.advance_team(team.id, day, following):
                log.warning(
                    "skipped the %s round of team %s: the bot was down until after its window closed",
                    day,
                    team.id,
                    extra={"team_id": team.id, "tenant": team.channel.workspace_id},
                )
                return "skipped"
            return ""
        posted = await self.start_round(team, day, closes, now)
        await self.repo.advance_team(team.id, day, following)
        return "posted" if posted else ""

    async def start_round(self, team: Team, day: date, closes: datetime, now: datetime) -> bool:
        scenario = await self.choose(team, day)
        claimed = await self.repo.claim_round(
            team.id, day, scenario.id, scenario.topic, closes, now + LEASE, now
        )
        if claimed is None:
            return False  # another worker (or an earlier run) has today's round
        self.crash("after-claim")
        return await self.publish(team, claimed, scenario)

    async def choose(self, team: Team, day: date) -> Scenario:
        history = await self.repo.team_scenarios(team.id)
        stats = await self.repo.team_topic_accuracy(team.id)
        flags = await self.repo.open_flags(team.channel.tenant)
        withheld = [f.scenario_id for f in flags if f.count >= self.flag_threshold]
        return choose_scenario(self.content.scenarios, history, stats, withheld, self.seed, team.id, day)

    def scenario_card(self, team: Team, rnd: Round, scenario: Scenario) -> ScenarioCard:
        buttons: tuple[Button, ...] = ()
        if team.settings.mode is AnswerMode.BUTTONS:
            buttons = tuple(
                Button(f"{o.emoji} {o.label}", "answer", f"{rnd.id}:{o.party.value}") for o in OPTIONS
            )
        return ScenarioCard(
            round_id=rnd.id,
            scenario_id=scenario.id,
            team_name=team.name,
            service=scenario.service,
            prompt=scenario.prompt,
            closes_at=rnd.closes_at,
            mode=team.settings.mode.value,
            buttons=buttons,
            timezone=team.settings.timezone,
        )

    async def publish(self, team: Team, rnd: Round, scenario: Scenario) -> bool:
        adapter = self.adapters[team.channel.platform]
        card = self.scenario_card(team, rnd, scenario)
        try:
            post = await adapter.post_card(team.channel, card, f"round-{rnd.id}")
        except Exception:
            self.telemetry.platform_error(team.channel.platform, "post")
            log.exception(
                "posting round %s failed; it will be retried when its lease runs out",
                rnd.id,
                extra={"round_id": rnd.id, "team_id": team.id, "tenant": team.channel.workspace_id},
            )
            return False
        self.crash("after-post")
        await self.repo.mark_posted(rnd.id, post.message_id, self.clock.now())
        self.telemetry.round_posted(team.channel.platform)
        log.info(
            "posted round %s to team %s", rnd.id, team.id, extra={"round_id": rnd.id, "team_id": team.id}
        )
        return True

    async def recover_claims(self, now: datetime) -> int:
        """Claimed rounds whose worker vanished: post them (the adapter's idempotency key prevents a
        duplicate), or give them up if the window has already closed."""
        recovered = 0
        for rnd in await self.repo.stale_claims(now, BATCH, self.platforms):
            if now >= rnd.closes_at:
                if await self.repo.set_round_state(rnd.id, RoundState.CLAIMED, RoundState.SKIPPED, None):
                    log.warning("gave up round %s: claimed but not posted before its window closed", rnd.id)
                continue
            if not await self.repo.take_lease(rnd.id, now, now + LEASE):
                continue
            # The list may be stale: another instance may have posted it since. Holding the lease, re-read.
            fresh = await self.repo.get_round(rnd.id)
            if fresh is None or fresh.state is not RoundState.CLAIMED:
                continue
            rnd = fresh
            team = await self.repo.get_team_by_id(rnd.team_id)
            scenario = self.content.scenarios.get(rnd.scenario_id)
            if team is None or scenario is None:
                await self.repo.set_round_state(rnd.id, RoundState.CLAIMED, RoundState.SKIPPED, None)
                continue
            if await self.publish(team, rnd, scenario):
                recovered += 1
        return recovered

    async def post_now(self, team: Team, now: datetime) -> Round | None:
        """Admin's post-now: today's round, now, with the normal window from now (or until the close time)."""
        day = local_date(now, team.settings.timezone)
        if await self.repo.round_on(team.id, day) is not None:
            return None
        closes = close_at(team.settings, day)
        if team.settings.close_time is None or closes <= now:
            closes = now + timedelta(minutes=team.settings.window_minutes or 240)
        scenario = await self.choose(team, day)
        rnd = await self.repo.claim_round(team.id, day, scenario.id, scenario.topic, closes, now + LEASE, now)
        if rnd is None:
            return None
        if team.next_post_date == day:
            await self.repo.advance_team(team.id, day, following_post(team.settings, day))
        await self.publish(team, rnd, scenario)
        return await self.repo.get_round(rnd.id)

    # Answers ---------------------------------------------------------------------------------------------
    async def on_answer(
        self, event: AnswerGiven, via_button: bool = False, round_id: int | None = None
    ) -> list[Card]:
        """First valid answer locks. Returns the private reply for a button press; reactions get an
        ephemeral receipt through the adapter instead. A button carries its round id, so a press is taken
        even in the moment between the platform accepting the post and us recording its message id."""
        choice = parse_choice(event.choice)
        if choice is None or event.user.is_bot:
            return []
        route = await self._route(event.post, round_id)
        if route is None:
            return [CLOSED] if via_button else []
        rnd, team = route
        late = event.at >= rnd.closes_at
        if late and not via_button and rnd.state in (RoundState.POSTED, RoundState.CLOSING):
            # Seen live after the close: remember it, so re-reading the reactions at reveal won't count it.
            await self.repo.record_late_answer(rnd.id, event.user, choice, event.at)
        if late or rnd.state not in (RoundState.CLAIMED, RoundState.POSTED):
            return [CLOSED] if via_button else []
        stored = await self.repo.record_answer(rnd.id, event.user, choice, event.at)
        if stored:
            self.crash("after-answer")
            self.telemetry.answer_recorded(event.user.platform, "button" if via_button else "reaction")
            option = option_for(choice)
            text = (
                f"Your answer *{option.label}* {option.emoji} is locked in. "
                f"The reveal is at {_local_hhmm(rnd.closes_at, team.settings.timezone)}."
            )
        else:
            first = await self.repo.get_answer(rnd.id, event.user.user_id)
            if first is None:
                return [CLOSED] if via_button else []  # the round closed as the answer came in
            if first.choice is choice:
                return []
            text = f"Your first answer, *{option_for(first.choice).label}*, is the one that counts."
        receipt = TextReply(text)
        if via_button:
            return [receipt]
        if team.settings.receipts:
            await self._safe_ephemeral(event.post.channel, event.user, receipt)
        return []

    async def _route(self, post: PostRef, round_id: int | None = None) -> tuple[Round, Team] | None:
        """The round a post belongs to, and its team; cached briefly because every answer needs it."""
        now = self.clock.now()
        cached = self._routes.get(post)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        rnd = await self.repo.round_for_post(post.channel, post.message_id)
        if rnd is None and round_id is not None:
            rnd = await self.repo.get_round(round_id)  # posted, but its message id not recorded yet
        team = await self.repo.get_team_by_id(rnd.team_id) if rnd is not None else None
        if rnd is None or team is None or team.channel != post.channel:
            return None
        if rnd.state is RoundState.POSTED:
            if len(self._routes) > 10_000:
                self._routes.clear()
            self._routes[post] = (now + ROUTE_TTL, rnd, team)
        return rnd, team

    def forget_routes(self) -> None:
        """Drop cached routing data (after a team's settings change)."""
        self._routes.clear()

    async def _safe_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        try:
            await self.adapters[channel.platform].send_ephemeral(channel, user, card)
        except Exception:
            log.warning("could not send a receipt", exc_info=True, extra={"tenant": channel.workspace_id})

    # Reveal ----------------------------------------------------------------------------------------------
    async def reveal_due(self, now: datetime) -> int:
        outcomes: list[bool] = []
        for _ in range(MAX_BATCHES):
            rounds = await self.repo.due_reveals(now, BATCH, self.platforms)
            outcomes += await bounded(rounds, lambda rnd: self._reveal_one(rnd, now))
            if len(rounds) < BATCH:
                break
        return sum(outcomes)

    async def _reveal_one(self, rnd: Round, now: datetime) -> bool:
        if not await self.repo.take_lease(rnd.id, now, now + LEASE):
            return False
        # The list may be stale: another instance may have revealed it since. Holding the lease, re-read.
        fresh = await self.repo.get_round(rnd.id)
        if fresh is None or not _needs_reveal(fresh):
            return False
        try:
            return await self.reveal(fresh, now)
        except Exception:
            self.telemetry.platform_error(",".join(self.platforms), "reveal")
            log.exception(
                "revealing round %s failed; it will be retried",
                rnd.id,
                extra={"round_id": rnd.id, "team_id": rnd.team_id},
            )
            return False

    async def reveal(self, rnd: Round, now: datetime) -> bool:
        team = await self.repo.get_team_by_id(rnd.team_id)
        if team is None:
            return False
        state = rnd.state
        if state is RoundState.POSTED:
            if not await self.repo.set_round_state(
                rnd.id, RoundState.POSTED, RoundState.CLOSING, now + LEASE
            ):
                return False
            state = RoundState.CLOSING
            self.crash("after-close")
        if state is RoundState.CLOSING and not await self.score(team, rnd, now):
            return False
        return await self.post_reveal(team, rnd)

    async def score(self, team: Team, rnd: Round, now: datetime) -> bool:
        scenario = self.content.scenarios.get(rnd.scenario_id)
        topic = scenario.topic if scenario else "unknown"
        answer = scenario.answer if scenario else None
        tenant = team.channel
        stored = await self.repo.answers_for_round(rnd.id, tenant.platform, tenant.workspace_id)
        reconciled: list[StoredAnswer] = []
        if rnd.message_id is not None:
            post = PostRef(team.channel, rnd.message_id)
            try:
                collected = await self.adapters[team.channel.platform].collect_answers(post)
            except Exception:
                if now < rnd.closes_at + RECONCILE_GRACE:
                    raise
                log.warning("could not re-read answers of round %s; scoring the stored ones", rnd.id)
                collected = []
            reconciled = reconcile(rnd, stored, collected, await self.repo.late_answer_users(rnd.id))
        every = stored + reconciled
        awards = []
        if answer is not None:
            previous = await self.repo.previous_round(team.id, rnd.local_date)
            streaks = await self.repo.streaks(team.id, [a.user.user_id for a in every])
            awards = score_round(every, answer, previous.id if previous else None, streaks)
        result = RoundResult(
            round_id=rnd.id,
            team_id=team.id,
            topic=topic,
            periods=period_keys(rnd.local_date),
            awards=tuple(awards),
            reconciled=tuple(reconciled),
            revealed_at=now,
        )
        done = await self.repo.finish_round(result)
        self.crash("after-scoring")
        if done:
            log.info(
                "scored round %s: %d answers (%d reconciled)", rnd.id, len(every), len(reconciled),
                extra={"round_id": rnd.id, "team_id": team.id},
            )  # fmt: skip
        return done

    async def reveal_card(self, team: Team, rnd: Round) -> RevealCard | None:
        scenario = self.content.scenarios.get(rnd.scenario_id)
        if scenario is None:
            return None
        answers = await self.repo.answers_for_round(rnd.id, team.channel.platform, team.channel.workspace_id)
        votes = Counter(a.choice for a in answers)
        week = period_key(Period.WEEK, rnd.local_date)
        top = leader_rows(await self.repo.top_scores(team.id, week, 5))
        return RevealCard(
            round_id=rnd.id,
            scenario_id=scenario.id,
            prompt=scenario.prompt,
            answer=scenario.answer,
            explanation=scenario.explanation,
            references=tuple(scenario.references),
            votes=tuple((o.party, votes.get(o.party, 0)) for o in OPTIONS),
            correct_count=votes.get(scenario.answer, 0),
            total=len(answers),
            top=top,
            buttons=(Button("Flag as wrong or unclear", "flag", scenario.id),),
        )

    async def post_reveal(self, team: Team, rnd: Round) -> bool:
        card = await self.reveal_card(team, rnd)
        if card is None or rnd.message_id is None:
            await self.repo.mark_reveal_posted(rnd.id, "-")
            return True
        post = PostRef(team.channel, rnd.message_id)
        reply = await self.adapters[team.channel.platform].reply_thread(post, card, f"reveal-{rnd.id}")
        await self.repo.mark_reveal_posted(rnd.id, reply.message_id)
        self.telemetry.round_revealed(team.channel.platform)
        return True


async def bounded(items: Sequence[T], work: Callable[[T], Awaitable[R]], limit: int = CONCURRENCY) -> list[R]:
    """Run `work` over items with at most `limit` at a time; results in the order of the items."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


def _needs_reveal(rnd: Round) -> bool:
    return rnd.state in (RoundState.POSTED, RoundState.CLOSING) or (
        rnd.state is RoundState.REVEALED and rnd.reveal_message_id is None
    )


def reconcile(
    rnd: Round,
    stored: Sequence[StoredAnswer],
    collected: Sequence[CollectedAnswer],
    late: AbstractSet[str] = frozenset(),
) -> list[StoredAnswer]:
    """Answers found on the post but not in storage (given while the bot was down).

    Reactions carry no order, so a person found with exactly one option counts (timed at the close);
    a person found with several options is not counted: we cannot know which came first, and counting
    any of them would reward hedging.
    """
    known = {a.user.user_id for a in stored} | set(late)  # late: reacted after the close, seen live
    seen: dict[str, tuple[UserRef, set[Party]]] = {}
    for item in collected:
        choice = parse_choice(item.choice)
        if choice is None or item.user.is_bot or item.user.user_id in known:
            continue
        seen.setdefault(item.user.user_id, (item.user, set()))[1].add(choice)
    return [
        StoredAnswer(rnd.id, user, next(iter(choices)), rnd.closes_at)
        for user, choices in seen.values()
        if len(choices) == 1
    ]


@lru_cache(maxsize=1024)
def _local_hhmm(when: datetime, tz: str) -> str:
    return when.astimezone(zone(tz)).strftime("%H:%M")
