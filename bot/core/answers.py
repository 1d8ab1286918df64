"""Answers to the daily round: the first valid answer locks, later ones are ignored, receipts go privately.

Answers arrive as `Party` values: each adapter maps its own reactions, emoji or buttons (the core never sees
a platform's emoji names)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from cachetools import TTLCache

from bot.core.answer_batcher import AnswerBatcher
from bot.core.events import AnswerGiven, ChannelRef, PostRef, UserRef
from bot.core.messages import Card, TextReply, level_label, option_for
from bot.core.model import Round, RoundState, Team
from bot.core.ports.answer_batch import AnswerBatchStore, AnswerRow
from bot.core.rounds import ROUTE_TTL, RoundDeps
from bot.core.schedule_math import zone

log = logging.getLogger(__name__)

CLOSED = TextReply("This round is closed — the answer is in the thread.")
#: Open rounds whose routing data is kept at once (one per posted round; a thousand teams fit many times).
ROUTES = 10_000


class AnswerService:
    def __init__(self, deps: RoundDeps) -> None:
        self.deps = deps
        # Keyed by post; time comes from the deps' clock so tests with a fake clock see expiry.
        self._routes: TTLCache[PostRef, tuple[Round, Team]] = TTLCache(
            ROUTES, ROUTE_TTL.total_seconds(), timer=lambda: deps.clock.now().timestamp()
        )
        # Answers that arrive together share one transaction (group commit) when storage can do that.
        self.batcher = AnswerBatcher(deps.repo) if isinstance(deps.repo, AnswerBatchStore) else None

    async def on_answer(
        self, event: AnswerGiven, via_button: bool = False, round_id: int | None = None
    ) -> list[Card]:
        """First valid answer locks. Returns the private reply for a button press; reactions get an
        ephemeral receipt through the adapter instead. A button carries its round id, so a press is taken
        even in the moment between the platform accepting the post and us recording its message id."""
        choice = event.choice
        if event.user.is_bot:
            return []
        route = await self._route(event.post, round_id)
        if route is None:
            return [CLOSED] if via_button else []
        rnd, team = route
        late = event.at >= rnd.closes_at
        if late and not via_button and rnd.state in (RoundState.POSTED, RoundState.CLOSING):
            # Seen live after the close: remember it, so re-reading the reactions at reveal won't count it.
            await self.deps.repo.record_late_answer(rnd.id, event.user, choice, event.at)
        if late or rnd.state not in (RoundState.CLAIMED, RoundState.POSTED):
            return [CLOSED] if via_button else []
        stored = await self._store(AnswerRow(rnd.id, event.user, choice, event.at))
        if stored:
            self.deps.crash("after-answer")
            self.deps.telemetry.answer_recorded(event.user.platform, "button" if via_button else "reaction")
            option = option_for(choice)
            scenario = self.deps.content.scenarios.get(rnd.scenario_id)
            level = f" ({level_label(scenario.difficulty)} question)" if scenario else ""
            text = (
                f"Your answer *{option.label}* {option.emoji} is locked in{level}. "
                f"The reveal is at {_local_hhmm(rnd.closes_at, team.settings.timezone)}."
            )
        else:
            first = await self.deps.repo.get_answer(rnd.id, event.user.user_id)
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

    async def _store(self, row: AnswerRow) -> bool:
        """True if this is the person's first answer; committed before it returns (receipts come after)."""
        if self.batcher is not None:
            return await self.batcher.record(row)
        return await self.deps.repo.record_answer(row.round_id, row.user, row.choice, row.at)

    async def _route(self, post: PostRef, round_id: int | None = None) -> tuple[Round, Team] | None:
        """The round a post belongs to, and its team; cached briefly because every answer needs it."""
        cached = self._routes.get(post)
        if cached is not None:
            return cached
        rnd = await self.deps.repo.round_for_post(post.channel, post.message_id)
        if rnd is None and round_id is not None:
            rnd = await self.deps.repo.get_round(round_id)  # posted, but its message id not recorded yet
        team = await self.deps.repo.get_team_by_id(rnd.team_id) if rnd is not None else None
        if rnd is None or team is None or team.channel != post.channel:
            return None
        if rnd.state is RoundState.POSTED:
            self._routes[post] = (rnd, team)
        return rnd, team

    def forget_routes(self) -> None:
        """Drop cached routing data (after a team's settings change)."""
        self._routes.clear()

    async def _safe_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        try:
            await self.deps.adapters[channel.platform].send_ephemeral(channel, user, card)
        except Exception:
            log.warning("could not send a receipt", exc_info=True, extra={"tenant": channel.workspace_id})


@lru_cache(maxsize=1024)
def _local_hhmm(when: datetime, tz: str) -> str:
    return when.astimezone(zone(tz)).strftime("%H:%M")
