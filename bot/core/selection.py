"""Which scenario a team gets today.

- Never repeat a scenario in a team until the bank is exhausted: the team's history is walked from the
  oldest round; each time it covers the whole bank a new cycle starts; only scenarios unseen in the current
  cycle are candidates.
- Prefer the team's weakest topics: a candidate's weight is 1 + 2 × (smoothed error rate of its topic in
  this team), error = (answered − correct + 1) / (answered + 2). An unseen topic weighs 2.0, a topic always
  answered right tends to 1.0, one always answered wrong tends to 3.0.
- Withheld scenarios (flagged by enough people in the workspace) are left out, and so are expired ones
  (`expires` on or before the team's local date).
- A team's difficulty (`easy` → level 1, `mixed` → all, `hard` → level 3) narrows the candidates; once every
  item of those levels has been used in the current cycle, the other levels fill in rather than repeating.
- Deterministic: the random generator is seeded with (seed, team id, local date).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from bot.core.model import Difficulty
from content.freshness import current
from content.schema import Scenario

LEVELS: dict[Difficulty, frozenset[int]] = {
    Difficulty.EASY: frozenset({1}),
    Difficulty.MIXED: frozenset({1, 2, 3}),
    Difficulty.HARD: frozenset({3}),
}


def remaining_in_cycle(bank: Iterable[str], history: Sequence[str]) -> set[str]:
    ids = set(bank)
    seen: set[str] = set()
    for sid in history:
        if sid in ids:
            seen.add(sid)
            if seen >= ids:
                seen = set()
    left = ids - seen
    return left or ids


def topic_weight(answered: int, correct: int) -> float:
    return 1.0 + 2.0 * (answered - correct + 1) / (answered + 2)


def choose_scenario(
    bank: Mapping[str, Scenario],
    history: Sequence[str],
    topic_stats: Mapping[str, tuple[int, int]],
    withheld: Iterable[str],
    seed: int,
    team_id: int,
    local_date: date,
    difficulty: Difficulty = Difficulty.MIXED,
) -> Scenario:
    blocked = set(withheld)
    live = current(bank, local_date) or dict(bank)
    usable = {sid: s for sid, s in live.items() if sid not in blocked} or live
    left = remaining_in_cycle(usable, history)
    levels = LEVELS[difficulty]
    candidates = sorted(sid for sid in left if usable[sid].difficulty in levels) or sorted(left)
    weights = [topic_weight(*topic_stats.get(usable[sid].topic, (0, 0))) for sid in candidates]
    rng = random.Random(f"{seed}:{team_id}:{local_date.isoformat()}")
    return usable[rng.choices(candidates, weights=weights, k=1)[0]]
