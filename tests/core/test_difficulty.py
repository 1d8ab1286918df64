"""Difficulty levels: a team's setting narrows the daily choice, practice can be asked for by topic or level."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.core.events import UserRef
from bot.core.messages import PracticeCard, TextReply
from bot.core.model import Difficulty
from bot.core.ports import Repository
from bot.core.practice import Practice, practice_pool
from bot.core.selection import LEVELS, choose_scenario
from content.schema import Scenario
from tests.fakes.content import scenario, small_bundle

DAY = date(2026, 12, 7)


def _bank(count: int = 30) -> dict[str, Scenario]:
    return small_bundle(count).scenarios


def _play(bank: dict[str, Scenario], difficulty: Difficulty, days: int) -> list[Scenario]:
    history: list[str] = []
    picks = []
    for n in range(days):
        pick = choose_scenario(bank, history, {}, [], 1, 1, DAY + timedelta(days=n), difficulty)
        history.append(pick.id)
        picks.append(pick)
    return picks


def test_levels_of_each_setting() -> None:
    assert LEVELS[Difficulty.EASY] == {1} and LEVELS[Difficulty.HARD] == {3}
    assert LEVELS[Difficulty.MIXED] == {1, 2, 3}
    assert Difficulty("hard") is Difficulty.HARD


def test_easy_and_hard_pick_only_their_level_while_it_lasts() -> None:
    bank = _bank(30)  # ten items on each level
    assert {s.difficulty for s in _play(bank, Difficulty.EASY, 10)} == {1}
    assert {s.difficulty for s in _play(bank, Difficulty.HARD, 10)} == {3}


def test_an_exhausted_level_falls_back_to_every_level_without_repeats() -> None:
    bank = _bank(30)
    picks = _play(bank, Difficulty.HARD, 30)
    assert Counter(s.difficulty for s in picks[10:]) == {1: 10, 2: 10}
    assert len({s.id for s in picks}) == 30  # the whole bank before any repeat


def test_mixed_is_the_default_and_draws_from_every_level() -> None:
    bank = _bank(30)
    history: list[str] = []
    for n in range(30):
        default = choose_scenario(bank, history, {}, [], 1, 1, DAY + timedelta(days=n))
        mixed = choose_scenario(bank, history, {}, [], 1, 1, DAY + timedelta(days=n), Difficulty.MIXED)
        assert default.id == mixed.id
        history.append(default.id)
    assert {bank[sid].difficulty for sid in history} == {1, 2, 3}


def test_practice_pool_by_topic_and_level() -> None:
    bank = _bank(24)
    by_topic = practice_pool(bank, DAY, topic="encryption")
    assert by_topic and {s.topic for s in by_topic.values()} == {"encryption"}
    hard = practice_pool(bank, DAY, levels=LEVELS[Difficulty.HARD])
    assert hard and {s.difficulty for s in hard.values()} == {3}
    assert practice_pool(bank, DAY, topic="no-such-topic") == {}
    assert practice_pool(bank, DAY) == bank


async def test_practice_serves_the_asked_topic_or_says_there_is_none(sqlite_repo: Repository) -> None:
    content = small_bundle(24)
    practice = Practice(sqlite_repo, content, seed=3)
    ann = UserRef("console", "w1", "ann")
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)
    for _ in range(4):
        card = await practice.next_card(ann, now, topic="patching", levels={3})
        assert isinstance(card, PracticeCard)
        picked = content.scenarios[card.scenario_id]
        assert picked.topic == "patching" and picked.difficulty == 3
    none = await practice.next_card(ann, now, topic="gardening")
    assert isinstance(none, TextReply) and "gardening" in none.text and "patching" in none.text


async def test_practice_never_serves_an_expired_scenario(sqlite_repo: Repository) -> None:
    old = scenario(1, expires=date(2026, 12, 1))
    live = scenario(2)
    bundle = replace(small_bundle(3), scenarios={old.id: old, live.id: live})
    practice = Practice(sqlite_repo, bundle, seed=0)
    ann = UserRef("console", "w1", "ann")
    for day in range(5):
        card = await practice.next_card(ann, datetime(2026, 12, 2 + day, tzinfo=UTC))
        assert isinstance(card, PracticeCard) and card.scenario_id == live.id


async def test_setup_difficulty_is_kept_and_chooses_the_daily_levels(sqlite_repo: Repository) -> None:
    """`setup difficulty hard`: one option in the table, stored with the team, used for the daily post."""
    from datetime import UTC, datetime, timedelta

    from tests.fakes.harness import Harness

    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    h = Harness.build(sqlite_repo, monday)
    (reply,) = await h.command("setup time 09:30 tz UTC difficulty hard")
    assert isinstance(reply, TextReply) and "hard questions" in reply.text
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None and team.settings.difficulty is Difficulty.HARD
    await h.run_until(monday + timedelta(days=4), step=timedelta(minutes=30))
    levels = {h.engine.content.scenarios[card.scenario_id].difficulty for _, card in h.scenario_posts()}
    assert levels == {3}


def test_practice_by_topic_and_level_parses() -> None:
    from bot.core import commands as c

    assert c.parse("practice hard") == c.Quiz(None, "hard")
    assert c.parse("practice topic iam") == c.Quiz("iam", None)
    assert c.parse("quiz topic iam level easy") == c.Quiz("iam", "easy")
    for bad in ("practice hard easy", "practice topic", "practice expert"):
        try:
            c.parse(bad)
        except c.UsageError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
