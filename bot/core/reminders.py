"""The reminder before the close: one short line in the round's thread with the count so far, only when fewer
than half of the team's active members have answered. Claimed in storage before posting (like a round), so
instances and restarts never send it twice, and never sent once the window has closed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.events import PostRef
from bot.core.messages import ReminderCard
from bot.core.model import Round
from bot.core.rounds import BATCH, LEASE, RoundDeps, bounded

log = logging.getLogger(__name__)

KIND = "reminder"
#: Who counts as an active member: answered any of the team's rounds in this many days before the round.
ACTIVE_DAYS = 28


class ReminderService:
    def __init__(self, deps: RoundDeps) -> None:
        self.deps = deps

    async def remind_due(self, now: datetime) -> int:
        rounds = await self.deps.repo.due_reminders(now, BATCH, self.deps.platforms)
        return sum(await bounded(rounds, lambda rnd: self._remind_one(rnd, now)))

    async def _remind_one(self, rnd: Round, now: datetime) -> bool:
        try:
            return await self.remind(rnd, now)
        except Exception:
            log.exception(
                "the reminder for round %s failed; retried when its claim runs out",
                rnd.id,
                extra={"round_id": rnd.id, "team_id": rnd.team_id},
            )
            return False

    async def remind(self, rnd: Round, now: datetime) -> bool:
        repo = self.deps.repo
        team = await repo.get_team_by_id(rnd.team_id)
        if team is None or not team.settings.reminder_minutes or rnd.message_id is None:
            return False
        if now >= rnd.closes_at or not await repo.claim_team_post(
            team.id, KIND, str(rnd.id), now, now + LEASE
        ):
            return False
        answered = await repo.answer_count(rnd.id)
        active = await repo.active_members(team.id, rnd.local_date - timedelta(days=ACTIVE_DAYS))
        if answered * 2 >= active or self.deps.clock.now() >= rnd.closes_at:
            await repo.finish_team_post(team.id, KIND, str(rnd.id), "-")  # not needed: done, not retried
            return False
        left = max(1, round((rnd.closes_at - now).total_seconds() / 60))
        card = ReminderCard(rnd.id, answered, active, left, team.settings.ping)
        self.deps.crash("before-reminder")
        reply = await self.deps.adapters[team.channel.platform].reply_thread(
            PostRef(team.channel, rnd.message_id), card, f"reminder-{rnd.id}"
        )
        await repo.finish_team_post(team.id, KIND, str(rnd.id), reply.message_id)
        log.info("reminded team %s before the close of round %s", team.id, rnd.id, extra={"team_id": team.id})
        return True
