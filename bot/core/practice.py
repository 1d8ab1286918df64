"""Private practice with spaced repetition (Leitner boxes). Never touches team points.

- A scenario answered wrong goes to box 1 and comes back after 1 day.
- Answered right, it moves up a box: box 2 after 3 days, box 3 after 7, box 4 after 21; past box 4 it is
  retired (shown again only once everything else has been seen).
- Right the first time it is ever seen: straight to box 4.
- `quiz` serves, in order: the most overdue missed scenario; else a scenario never practised (seeded by
  person and count, so it is repeatable); else the one due soonest.
- Practice can be narrowed to a topic and/or a set of levels (`practice topic iam`, `practice hard`); expired
  scenarios are never served.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta

from bot.core.events import UserRef
from bot.core.messages import OPTIONS, Button, Card, PracticeCard, TextReply, option_for, party_value
from bot.core.model import PracticeItem
from bot.core.ports import Repository
from content.freshness import current
from content.loader import ContentBundle
from content.schema import Scenario

INTERVALS = {1: timedelta(days=1), 2: timedelta(days=3), 3: timedelta(days=7), 4: timedelta(days=21)}
RETIRED = 5
RETIRED_AFTER = timedelta(days=365)


def next_box(box: int | None, correct: bool) -> int:
    if not correct:
        return 1
    if box is None:
        return 4
    return min(box + 1, RETIRED)


def due_after(box: int, now: datetime) -> datetime:
    return now + INTERVALS.get(box, RETIRED_AFTER)


def practice_pool(
    scenarios: Mapping[str, Scenario],
    day: date,
    topic: str | None = None,
    levels: Collection[int] | None = None,
) -> dict[str, Scenario]:
    """The scenarios practice may serve: not expired, on `topic` if given, at one of `levels` if given."""
    return {
        sid: s
        for sid, s in current(scenarios, day).items()
        if (topic is None or s.topic == topic) and (levels is None or s.difficulty in levels)
    }


def _stamp(item: PracticeItem | None) -> str:
    return str(int(item.due_at.timestamp())) if item else "new"


class Practice:
    def __init__(self, repo: Repository, content: ContentBundle, seed: int) -> None:
        self.repo = repo
        self.content = content
        self.seed = seed
        #: Told after a person's practice is saved (the engine drops their cached `stats`).
        self.on_saved: Callable[[UserRef], None] = lambda _: None

    async def next_card(
        self,
        user: UserRef,
        now: datetime,
        *,
        topic: str | None = None,
        levels: Collection[int] | None = None,
    ) -> Card:
        pool = practice_pool(self.content.scenarios, now.date(), topic, levels)
        if not pool:
            what = f"on the topic '{topic}'" if topic else "at that level"
            return TextReply(
                f"No practice questions {what}. Topics: {', '.join(self.content.topics)}.",
                title="Practice",
            )
        items = await self.repo.practice_items(user)
        known = {i.scenario_id: i for i in items if i.scenario_id in pool}
        due = [i for i in known.values() if i.due_at <= now and i.box < RETIRED]
        note = ""
        if due:
            pick = min(due, key=lambda i: (i.due_at, i.scenario_id)).scenario_id
            note = "A scenario you missed before — second chance."
        else:
            fresh = sorted(set(pool) - set(known))
            if fresh:
                rng = random.Random(
                    f"{self.seed}:{user.platform}:{user.workspace_id}:{user.user_id}:{len(known)}"
                )
                pick = rng.choice(fresh)
            else:
                pick = min(known.values(), key=lambda i: (i.due_at, i.scenario_id)).scenario_id
                note = "You have seen every scenario — here is the one due soonest."
        scenario = self.content.scenarios[pick]
        # The card remembers which state of the item it was drawn from, so pressing it twice counts once.
        stamp = _stamp(known.get(pick))
        buttons = tuple(
            Button(f"{o.emoji} {o.label}", "quiz", f"{scenario.id}:{o.party.value}:{stamp}") for o in OPTIONS
        )
        return PracticeCard(scenario.id, scenario.service, scenario.prompt, note, buttons)

    async def answer(self, user: UserRef, value: str, now: datetime) -> list[Card]:
        sid, _, rest = value.partition(":")
        token, _, stamp = rest.partition(":")
        scenario = self.content.scenarios.get(sid)
        choice = party_value(token)
        if scenario is None or choice is None:
            return [TextReply("That practice question is no longer available. Run `quiz` for a new one.")]
        items = {i.scenario_id: i for i in await self.repo.practice_items(user)}
        old = items.get(sid)
        correct = choice is scenario.answer
        # A second press of the same card only shows the feedback again (cards from before the stamp count).
        if not stamp or stamp == _stamp(old):
            box = next_box(old.box if old else None, correct)
            await self.repo.save_practice(user, sid, correct, box, due_after(box, now), now)
            self.on_saved(user)
        verdict = "✅ Right" if correct else f"❌ Not quite — it's *{option_for(scenario.answer).label}*"
        when = "" if correct else " It will come back in your practice tomorrow."
        text = f"{verdict}.{when}\n\n{scenario.explanation}\n\n📖 {scenario.references[0]}"
        return [
            TextReply(
                text,
                title=f"Practice: {scenario.service}",
                buttons=(
                    Button("Next question", "quiz-next", "", "primary"),
                    Button("Flag as wrong or unclear", "flag", scenario.id),
                ),
            )
        ]
