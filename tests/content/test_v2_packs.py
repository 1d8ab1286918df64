"""The v2 packs (content/scenarios/v2-*.yaml, issue 14's new topics) on their own meet the bank's rules.

They are loaded through the project's loader, so a pack the schema refuses fails here first. Checked for these
packs alone (the whole-bank rules live in test_shipped/test_fairness): enough items, no level that predicts its
key, AWS documentation links only, a review date on every item, one question per prompt.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from content.loader import SHIPPED, load_scenario_file
from content.schema import AWS_DOC_HOSTS, Party, Scenario

V2_PACKS = sorted((SHIPPED / "scenarios").glob("v2-*.yaml"))


def _load(paths: list[Path]) -> list[Scenario]:
    return [s for path in paths for s in load_scenario_file(path).scenarios]


@pytest.fixture(scope="module")
def items() -> list[Scenario]:
    return _load(V2_PACKS)


def test_there_are_at_least_130_new_items_in_several_packs(items: list[Scenario]) -> None:
    assert len(V2_PACKS) >= 8, V2_PACKS
    assert len(items) >= 130, len(items)
    assert len({s.id for s in items}) == len(items), "an id appears twice in the v2 packs"


def levels_out_of_range(items: list[Scenario]) -> dict[int, dict[str, float]]:
    """Levels where some key holds under 20% or over 50% of the items, with the shares."""
    bad = {}
    for level in sorted({s.difficulty for s in items}):
        keys = Counter(s.answer for s in items if s.difficulty == level)
        total = sum(keys.values())
        shares = {party.value: keys[party] / total for party in Party}
        if not all(0.2 <= share <= 0.5 for share in shares.values()):
            bad[level] = shares
    return bad


def test_within_each_level_every_key_has_20_to_50_percent(items: list[Scenario]) -> None:
    assert {s.difficulty for s in items} == {1, 2, 3}
    assert levels_out_of_range(items) == {}


def test_the_level_rule_catches_a_level_that_predicts_its_key(items: list[Scenario]) -> None:
    """Move every customer-keyed item to level 1: that level must now be reported."""
    skewed = [s.model_copy(update={"difficulty": 1}) if s.answer is Party.CUSTOMER else s for s in items]
    assert 1 in levels_out_of_range(skewed)


def test_every_reference_is_an_https_page_on_an_aws_documentation_host(items: list[Scenario]) -> None:
    for s in items:
        for url in s.references:
            host = re.match(r"^https://([^/]+)/", url)
            assert host, (s.id, url)
            assert any(host.group(1) == h or host.group(1).endswith("." + h) for h in AWS_DOC_HOSTS), (
                s.id,
                url,
            )


def test_every_item_carries_its_review_date(items: list[Scenario]) -> None:
    for s in items:
        reviewed = getattr(s, "reviewed", None)
        assert isinstance(reviewed, date), (s.id, reviewed)
        expires = getattr(s, "expires", None)
        assert expires is None or expires > reviewed, (s.id, expires)


def test_each_prompt_asks_one_question_and_no_explanation_points_at_another_item(
    items: list[Scenario],
) -> None:
    for s in items:
        assert s.prompt.count("?") == 1 and s.prompt.rstrip().endswith("?"), s.id
        assert not re.search(r"\b(next|previous|following) (scenario|question)\b", s.explanation, re.I), s.id
