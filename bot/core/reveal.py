"""Revealing the daily round: stop taking answers, re-read the post's answers (reconciliation), score in one
transaction, then reply with the answer, the explanation and the votes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime

from bot.core.achievements import announce, earned_at_reveal
from bot.core.events import PostRef, UserRef
from bot.core.leaderboard import Period, leader_rows, period_key, period_keys
from bot.core.messages import OPTIONS, Button, RevealCard
from bot.core.model import Round, RoundResult, RoundState, StoredAnswer, Team
from bot.core.ports import CollectedAnswer
from bot.core.rounds import BATCH, LEASE, MAX_BATCHES, RECONCILE_GRACE, RoundDeps, bounded, post_key
from bot.core.scoring import score_round
from bot.core.suggestions import credit, find_scenario
from content.schema import Party

log = logging.getLogger(__name__)


#: What runs once a round is scored, before its reveal is posted (the recap service schedules its posts).
AfterReveal = Callable[[Team, Round, datetime], Awaitable[None]]


async def _nothing(_team: Team, _rnd: Round, _now: datetime) -> None:
    return None


class RevealService:
    def __init__(self, deps: RoundDeps, after_reveal: AfterReveal = _nothing) -> None:
        self.deps = deps
        #: Told the team whenever a round's scores were written (the boards drop what they cached).
        self.on_scored: Callable[[Team], None] = lambda team: None
        self.after_reveal = after_reveal

    async def reveal_due(self, now: datetime) -> int:
        outcomes: list[bool] = []
        for _ in range(MAX_BATCHES):
            rounds = await self.deps.repo.due_reveals(now, BATCH, self.deps.platforms)
            outcomes += await bounded(rounds, lambda rnd: self._reveal_one(rnd, now))
            if len(rounds) < BATCH:
                break
        return sum(outcomes)

    async def _reveal_one(self, rnd: Round, now: datetime) -> bool:
        if not await self.deps.repo.take_lease(rnd.id, now, now + LEASE):
            return False
        # The list may be stale: another instance may have revealed it since. Holding the lease, re-read.
        fresh = await self.deps.repo.get_round(rnd.id)
        if fresh is None or not _needs_reveal(fresh):
            return False
        try:
            return await self.reveal(fresh, now)
        except Exception:
            self.deps.telemetry.platform_error(",".join(self.deps.platforms), "reveal")
            log.exception(
                "revealing round %s failed; it will be retried",
                rnd.id,
                extra={"round_id": rnd.id, "team_id": rnd.team_id},
            )
            return False

    async def reveal(self, rnd: Round, now: datetime) -> bool:
        team = await self.deps.repo.get_team_by_id(rnd.team_id)
        if team is None:
            return False
        state = rnd.state
        if state is RoundState.POSTED:
            if not await self.deps.repo.set_round_state(
                rnd.id, RoundState.POSTED, RoundState.CLOSING, now + LEASE
            ):
                return False
            state = RoundState.CLOSING
            self.deps.crash("after-close")
        if state is RoundState.CLOSING and not await self.score(team, rnd, now):
            return False
        return await self.post_reveal(team, rnd)

    async def score(self, team: Team, rnd: Round, now: datetime) -> bool:
        scenario = await find_scenario(
            self.deps.repo, self.deps.content.scenarios, team.channel.tenant, rnd.scenario_id
        )
        topic = scenario.topic if scenario else "unknown"
        answer = scenario.answer if scenario else None
        tenant = team.channel
        stored = await self.deps.repo.answers_for_round(rnd.id, tenant.platform, tenant.workspace_id)
        reconciled: list[StoredAnswer] = []
        if rnd.message_id is not None:
            post = PostRef(team.channel, rnd.message_id)
            try:
                collected = await self.deps.adapters[team.channel.platform].collect_answers(post)
            except Exception:
                if now < rnd.closes_at + RECONCILE_GRACE:
                    raise
                log.warning("could not re-read answers of round %s; scoring the stored ones", rnd.id)
                collected = []
            reconciled = reconcile(rnd, stored, collected, await self.deps.repo.late_answer_users(rnd.id))
        every = stored + reconciled
        awards = []
        if answer is not None:
            previous = await self.deps.repo.previous_round(team.id, rnd.local_date)
            streaks = await self.deps.repo.streaks(team.id, [a.user.user_id for a in every])
            awards = score_round(every, answer, previous.id if previous else None, streaks)
        earned = await earned_at_reveal(self.deps.repo, team.id, rnd.id, rnd.local_date, topic, awards, now)
        result = RoundResult(
            round_id=rnd.id,
            team_id=team.id,
            topic=topic,
            periods=period_keys(rnd.local_date),
            awards=tuple(awards),
            reconciled=tuple(reconciled),
            revealed_at=now,
            achievements=earned,
            local_date=rnd.local_date,
        )
        done = await self.deps.repo.finish_round(result)
        self.on_scored(team)  # even if another instance scored it first: the numbers changed either way
        self.deps.crash("after-scoring")
        if done:
            log.info(
                "scored round %s: %d answers (%d reconciled)", rnd.id, len(every), len(reconciled),
                extra={"round_id": rnd.id, "team_id": team.id},
            )  # fmt: skip
        return done

    async def reveal_card(self, team: Team, rnd: Round) -> RevealCard | None:
        scenario = await find_scenario(
            self.deps.repo, self.deps.content.scenarios, team.channel.tenant, rnd.scenario_id
        )
        if scenario is None:
            return None
        answers = await self.deps.repo.answers_for_round(
            rnd.id, team.channel.platform, team.channel.workspace_id
        )
        votes = Counter(a.choice for a in answers)
        week = period_key(Period.WEEK, rnd.local_date)
        top = leader_rows(await self.deps.repo.top_scores(team.id, week, 5))
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
            level=scenario.difficulty,
            credit=await credit(self.deps.repo, team.channel.tenant, scenario.id),
            achievements=announce(
                (e.display_name, e.code) for e in await self.deps.repo.round_achievements(rnd.id)
            ),
        )

    async def post_reveal(self, team: Team, rnd: Round) -> bool:
        await self.after_reveal(team, rnd, self.deps.clock.now())
        card = await self.reveal_card(team, rnd)
        if card is None or rnd.message_id is None:
            await self.deps.repo.mark_reveal_posted(rnd.id, "-")
            return True
        post = PostRef(team.channel, rnd.message_id)
        key = await post_key(self.deps.repo, rnd, "reveal")
        reply = await self.deps.adapters[team.channel.platform].reply_thread(post, card, key)
        await self.deps.repo.mark_reveal_posted(rnd.id, reply.message_id)
        self.deps.telemetry.round_revealed(team.channel.platform)
        return True


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
        if item.user.is_bot or item.user.user_id in known:
            continue
        seen.setdefault(item.user.user_id, (item.user, set()))[1].add(item.choice)
    return [
        StoredAnswer(rnd.id, user, next(iter(choices)), rnd.closes_at)
        for user, choices in seen.values()
        if len(choices) == 1
    ]
