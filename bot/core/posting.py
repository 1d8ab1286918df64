"""Posting the daily round: choose a scenario, claim the (team, local date) round, post it, recover claims
whose worker vanished. A claim comes before the post, so restarts and instances never post twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from cachetools import LRUCache

from bot.core.messages import OPTIONS, Button, ScenarioCard
from bot.core.model import AnswerMode, Round, RoundState, Team
from bot.core.ports import PostRefused
from bot.core.rounds import BATCH, LEASE, MAX_BATCHES, RoundDeps, bounded, post_key
from bot.core.schedule_math import close_at, following_post, local_date
from bot.core.selection import choose_scenario
from bot.core.suggestions import find_scenario, team_scenarios
from content.schema import Scenario

log = logging.getLogger(__name__)


#: Rounds whose last post the platform refused (round id → the fix), so a refusal is logged once, not each tick.
REFUSALS = 10_000


@dataclass(frozen=True, slots=True)
class Published:
    posted: bool
    fix: str = ""  # set when the platform refused for a reason an admin must fix


@dataclass(frozen=True, slots=True)
class PostNow:
    """What `post-now` did: posted | already (posted before) | skipped (the day's window passed) | busy
    (another worker is posting it) | refused (an admin must act: `fix`) | failed (retried shortly)."""

    status: str
    round: Round | None = None
    fix: str = ""


class PostingService:
    def __init__(self, deps: RoundDeps, seed: int, flag_threshold: int) -> None:
        self.deps = deps
        self.seed = seed
        self.flag_threshold = flag_threshold
        self._refused: LRUCache[int, str] = LRUCache(REFUSALS)

    async def post_due(self, now: datetime) -> tuple[int, int]:
        """Post every round due now. Teams are handled concurrently (bounded): a thousand teams due in the
        same minute must not wait for each other's platform round trips."""
        outcomes: list[str] = []
        for _ in range(MAX_BATCHES):
            teams = await self.deps.repo.due_teams(now, BATCH, self.deps.platforms)
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
            if await self.deps.repo.advance_team(team.id, day, following):
                log.warning(
                    "skipped the %s round of team %s: the bot was down until after its window closed",
                    day,
                    team.id,
                    extra={"team_id": team.id, "tenant": team.channel.workspace_id},
                )
                return "skipped"
            return ""
        posted = await self.start_round(team, day, closes, now)
        await self.deps.repo.advance_team(team.id, day, following)
        return "posted" if posted else ""

    async def start_round(self, team: Team, day: date, closes: datetime, now: datetime) -> bool:
        scenario = await self.choose(team, day)
        claimed = await self.deps.repo.claim_round(
            team.id, day, scenario.id, scenario.topic, closes, now + LEASE, now
        )
        if claimed is None:
            return False  # another worker (or an earlier run) has today's round
        self.deps.crash("after-claim")
        return (await self.publish(team, claimed, scenario)).posted

    async def choose(self, team: Team, day: date) -> Scenario:
        history = await self.deps.repo.team_scenarios(team.id)
        stats = await self.deps.repo.team_topic_accuracy(team.id)
        flags = await self.deps.repo.open_flags(team.channel.tenant)
        withheld = [f.scenario_id for f in flags if f.count >= self.flag_threshold]
        pool = self.deps.content.scenarios
        own = await team_scenarios(self.deps.repo, team.channel.tenant)  # this workspace's questions only
        if own:
            pool = {**pool, **own}
        return choose_scenario(
            pool, history, stats, withheld, self.seed, team.id, day, team.settings.difficulty
        )

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

    async def publish(self, team: Team, rnd: Round, scenario: Scenario) -> Published:
        """Post a claimed round once. A refusal that needs an admin (PostRefused) releases the lease, so the
        round is tried again on the next tick — or at once by `post-now` — instead of waiting it out."""
        adapter = self.deps.adapters[team.channel.platform]
        key = await post_key(self.deps.repo, rnd)
        card = replace(self.scenario_card(team, rnd, scenario), post_key=key)
        context = {"round_id": rnd.id, "team_id": team.id, "tenant": team.channel.workspace_id}
        try:
            post = await adapter.post_card(team.channel, card, key)
        except PostRefused as refused:
            self.deps.telemetry.platform_error(team.channel.platform, "post")
            first = rnd.id not in self._refused
            self._refused[rnd.id] = refused.fix
            (log.warning if first else log.debug)(
                "the platform refused round %s (%s): %s", rnd.id, refused.reason, refused.fix, extra=context
            )
            await self.deps.repo.set_round_state(rnd.id, RoundState.CLAIMED, RoundState.CLAIMED, None)
            return Published(False, refused.fix)
        except Exception:
            self.deps.telemetry.platform_error(team.channel.platform, "post")
            log.exception(
                "posting round %s failed; it will be retried when its lease runs out", rnd.id, extra=context
            )
            return Published(False)
        self.deps.crash("after-post")
        self._refused.pop(rnd.id, None)
        await self.deps.repo.mark_posted(rnd.id, post.message_id, self.deps.clock.now())
        self.deps.telemetry.round_posted(team.channel.platform)
        log.info("posted round %s to team %s", rnd.id, team.id, extra=context)
        return Published(True)

    async def recover_claims(self, now: datetime) -> int:
        """Claimed rounds whose worker vanished: post them (the adapter's idempotency key prevents a
        duplicate), or give them up if the window has already closed."""
        recovered = 0
        for rnd in await self.deps.repo.stale_claims(now, BATCH, self.deps.platforms):
            if now >= rnd.closes_at:
                if await self.deps.repo.set_round_state(rnd.id, RoundState.CLAIMED, RoundState.SKIPPED, None):
                    log.warning("gave up round %s: claimed but not posted before its window closed", rnd.id)
                continue
            if not await self.deps.repo.take_lease(rnd.id, now, now + LEASE):
                continue
            # The list may be stale: another instance may have posted it since. Holding the lease, re-read.
            fresh = await self.deps.repo.get_round(rnd.id)
            if fresh is None or fresh.state is not RoundState.CLAIMED:
                continue
            rnd = fresh
            team = await self.deps.repo.get_team_by_id(rnd.team_id)
            scenario = (
                await find_scenario(
                    self.deps.repo, self.deps.content.scenarios, team.channel.tenant, rnd.scenario_id
                )
                if team
                else None
            )
            if team is None or scenario is None:
                await self.deps.repo.set_round_state(rnd.id, RoundState.CLAIMED, RoundState.SKIPPED, None)
                continue
            if (await self.publish(team, rnd, scenario)).posted:
                recovered += 1
        return recovered

    async def post_now(self, team: Team, now: datetime) -> PostNow:
        """Admin's post-now: today's round, now, with the normal window from now (or until the close time).
        A round claimed earlier but not posted (the platform refused it, or a worker died) is tried again at
        once, and the admin is told what actually happened."""
        day = local_date(now, team.settings.timezone)
        existing = await self.deps.repo.round_on(team.id, day)
        if existing is not None:
            return await self._retry(team, existing, now)
        closes = close_at(team.settings, day)
        if team.settings.close_time is None or closes <= now:
            closes = now + timedelta(minutes=team.settings.window_minutes or 240)
        scenario = await self.choose(team, day)
        rnd = await self.deps.repo.claim_round(
            team.id, day, scenario.id, scenario.topic, closes, now + LEASE, now
        )
        if rnd is None:
            return PostNow("busy")
        if team.next_post_date == day:
            await self.deps.repo.advance_team(team.id, day, following_post(team.settings, day))
        return await self._outcome(rnd.id, await self.publish(team, rnd, scenario))

    async def _retry(self, team: Team, rnd: Round, now: datetime) -> PostNow:
        if rnd.state is not RoundState.CLAIMED:
            return PostNow("skipped" if rnd.state is RoundState.SKIPPED else "already", rnd)
        if now >= rnd.closes_at or not await self.deps.repo.take_lease(rnd.id, now, now + LEASE):
            return PostNow("busy", rnd)  # another worker is posting it right now
        fresh = await self.deps.repo.get_round(rnd.id)
        scenario = await find_scenario(
            self.deps.repo, self.deps.content.scenarios, team.channel.tenant, rnd.scenario_id
        )
        if fresh is None or fresh.state is not RoundState.CLAIMED or scenario is None:
            return PostNow("already", fresh)
        return await self._outcome(rnd.id, await self.publish(team, fresh, scenario))

    async def _outcome(self, round_id: int, published: Published) -> PostNow:
        rnd = await self.deps.repo.get_round(round_id)
        if published.posted:
            return PostNow("posted", rnd)
        return PostNow("refused" if published.fix else "failed", rnd, published.fix)
