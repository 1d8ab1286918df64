"""Scenario choice: no repeat before the bank is exhausted, weighted toward weak topics, seeded."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from bot.core.selection import choose_scenario, remaining_in_cycle, topic_weight
from tests.fakes.content import small_bundle


def test_no_repeat_until_the_bank_is_exhausted() -> None:
    bank = small_bundle(12).scenarios
    history: list[str] = []
    day = date(2026, 1, 5)
    for _ in range(36):
        pick = choose_scenario(bank, history, {}, [], seed=1, team_id=1, local_date=day)
        history.append(pick.id)
        day += timedelta(days=1)
    for cycle in range(3):
        chunk = history[cycle * 12 : (cycle + 1) * 12]
        assert sorted(chunk) == sorted(bank), f"cycle {cycle} repeated a scenario: {chunk}"


def test_remaining_in_cycle_restarts_when_everything_was_seen() -> None:
    assert remaining_in_cycle(["a", "b"], ["a"]) == {"b"}
    assert remaining_in_cycle(["a", "b"], ["a", "b"]) == {"a", "b"}
    assert remaining_in_cycle(["a", "b"], ["a", "b", "b"]) == {"a"}
    assert remaining_in_cycle(["a", "b"], ["gone", "a"]) == {"b"}  # removed scenarios don't count


def test_weak_topics_are_preferred() -> None:
    bank = small_bundle(40).scenarios
    stats = {
        "encryption": (50, 5),
        "patching": (50, 48),
        "network-security": (50, 48),
        "physical-security": (50, 48),
    }
    picks = Counter(
        choose_scenario(
            bank, [], stats, [], seed=3, team_id=1, local_date=date(2026, 1, 1) + timedelta(days=i)
        ).topic
        for i in range(2000)
    )
    assert picks["encryption"] > 1.5 * picks["patching"], picks
    assert topic_weight(10, 0) > topic_weight(10, 5) > topic_weight(10, 10)


def test_choice_is_deterministic_under_a_seed_and_skips_withheld() -> None:
    bank = small_bundle(12).scenarios
    day = date(2026, 2, 2)
    first = choose_scenario(bank, [], {}, [], seed=9, team_id=4, local_date=day)
    assert choose_scenario(bank, [], {}, [], seed=9, team_id=4, local_date=day) == first
    withheld = [sid for sid in bank if sid != "s-005"]
    assert choose_scenario(bank, [], {}, withheld, seed=9, team_id=4, local_date=day).id == "s-005"
