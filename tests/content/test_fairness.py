"""The bank cannot be gamed: neither the level nor the wording of a prompt may give its key away.

Runs over the whole shipped bank, whatever packs `content/scenarios/` holds.
- Within each difficulty level every key has 20–50% of the items.
- A multinomial naive Bayes classifier over the prompt's words plus its level, 5-fold cross-validated, must
  not beat always-guess-the-commonest-key by more than 10 points.
- Words describing a blunder or a careful team appear in a similar share of the prompts of every key.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Sequence

from content.loader import load_bundle
from content.schema import Party, Scenario

SCENARIOS = sorted(load_bundle().scenarios.values(), key=lambda s: s.id)

#: Wording that tells a player "someone blundered" or "someone was careful". Matched as whole words/phrases.
CUES = (
    "forgot", "accidentally", "by mistake", "mistake", "never", "unticked", "for convenience", "to save money",
    "to test quickly", "to get it working", "nobody", "no one", "ignored", "unread", "careless", "lazy",
    "oversight", "misconfigured", "carefully", "diligent", "best practice", "as recommended", "by the book",
    "turned off", "left on", "left open", "left unticked",
)  # fmt: skip
CUE_SPREAD = 0.10
FOLDS = 5
SEEDS = (0, 1, 2)
MARGIN = 0.10


def tokens(s: Scenario) -> set[str]:
    return set(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", s.prompt.lower())) | {f"__level{s.difficulty}"}


class NaiveBayes:
    """Multinomial naive Bayes with Laplace smoothing over a prompt's word set."""

    def __init__(self, train: Sequence[Scenario]) -> None:
        self.prior = Counter(s.answer for s in train)
        self.words = {party: Counter[str]() for party in self.prior}
        for s in train:
            self.words[s.answer].update(tokens(s))
        self.vocab = set().union(*self.words.values())
        self.total = {party: sum(c.values()) + len(self.vocab) for party, c in self.words.items()}

    def score(self, s: Scenario, party: Party) -> float:
        seen = tokens(s) & self.vocab
        words, total = self.words[party], self.total[party]
        return math.log(self.prior[party]) + sum(math.log((words[w] + 1) / total) for w in seen)

    def predict(self, s: Scenario) -> Party:
        return max(self.prior, key=lambda party: self.score(s, party))


def naive_bayes_accuracy(items: Sequence[Scenario], folds: int, seed: int) -> float:
    """k-fold cross-validated accuracy of the classifier (folds from a seeded shuffle)."""
    order = list(items)
    random.Random(seed).shuffle(order)
    right = 0
    for k in range(folds):
        model = NaiveBayes([s for i, s in enumerate(order) if i % folds != k])
        right += sum(model.predict(s) is s.answer for s in order[k::folds])
    return right / len(order)


def test_within_each_level_every_key_has_20_to_50_percent() -> None:
    for level in (1, 2, 3):
        keys = Counter(s.answer for s in SCENARIOS if s.difficulty == level)
        total = sum(keys.values())
        shares = {p.value: round(keys[p] / total, 3) for p in Party}
        assert all(0.2 <= share <= 0.5 for share in shares.values()), (level, shares)


def test_a_word_classifier_does_not_beat_the_commonest_key_by_more_than_ten_points() -> None:
    majority = Counter(s.answer for s in SCENARIOS).most_common(1)[0][1] / len(SCENARIOS)
    accuracy = sum(naive_bayes_accuracy(SCENARIOS, FOLDS, seed) for seed in SEEDS) / len(SEEDS)
    assert accuracy <= majority + MARGIN, f"classifier {accuracy:.3f} vs majority {majority:.3f}"


def test_the_classifier_can_catch_a_leaky_bank() -> None:
    """The check above must be able to fail: give every customer-keyed prompt a tell-tale word."""
    leaky = [
        s.model_copy(update={"prompt": s.prompt + " Oops."}) if s.answer is Party.CUSTOMER else s
        for s in SCENARIOS
    ]
    majority = Counter(s.answer for s in leaky).most_common(1)[0][1] / len(leaky)
    assert naive_bayes_accuracy(leaky, FOLDS, 0) > majority + MARGIN


def cue_shares(items: Sequence[Scenario]) -> dict[Party, float]:
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in CUES) + r")\b")
    shares = {}
    for party in Party:
        prompts = [s.prompt.lower() for s in items if s.answer is party]
        shares[party] = sum(bool(pattern.search(p)) for p in prompts) / len(prompts)
    return shares


def test_mistake_and_good_practice_wording_appears_whatever_the_key() -> None:
    shares = cue_shares(SCENARIOS)
    assert min(shares.values()) > 0, shares
    assert max(shares.values()) - min(shares.values()) <= CUE_SPREAD, shares
