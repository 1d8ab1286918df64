"""Freshness: stale items are listed, expired ones are withheld from rounds and practice. Fixed dates only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.__main__ import main
from bot.core.selection import choose_scenario
from content.freshness import current, default_cutoff, stale_items
from content.loader import load_bundle
from content.schema import Scenario
from tests.fakes.content import scenario, small_bundle

TODAY = date(2027, 1, 15)


def _dated(i: int, reviewed: date = date(2026, 11, 30), expires: date | None = None) -> Scenario:
    return scenario(i, expires=expires).model_copy(update={"reviewed": reviewed})


def test_stale_lists_old_reviews_and_near_expiries_only() -> None:
    fresh = _dated(1, reviewed=date(2026, 11, 30))
    old = _dated(2, reviewed=date(2025, 6, 1))
    expiring = _dated(3, reviewed=date(2026, 11, 30), expires=date(2027, 3, 31))
    later = _dated(4, reviewed=date(2026, 11, 30), expires=date(2027, 6, 1))
    gone = _dated(5, reviewed=date(2026, 11, 30), expires=date(2027, 1, 1))
    items = [(s.id, s) for s in (fresh, old, expiring, later, gone)]
    found = stale_items(items, before=default_cutoff(TODAY), today=TODAY)
    assert [f.label for f in found] == [gone.id, expiring.id, old.id]
    assert "expired 2027-01-01" in found[0].reason and "expires 2027-03-31" in found[1].reason
    assert "reviewed 2025-06-01" in found[2].reason
    everything = stale_items(items, before=date(2026, 12, 1), today=date(2026, 1, 1))
    assert [f.label for f in everything] == [gone.id, expiring.id, later.id, old.id, fresh.id]


def test_default_cutoff_is_a_year_back_even_from_a_leap_day() -> None:
    assert default_cutoff(date(2027, 1, 15)) == date(2026, 1, 15)
    assert default_cutoff(date(2028, 2, 29)) == date(2027, 2, 28)


def test_an_item_expires_on_its_expiry_day() -> None:
    s = _dated(1, expires=date(2027, 3, 31))
    bank = {s.id: s}
    assert current(bank, date(2027, 3, 30)) == bank
    assert current(bank, date(2027, 3, 31)) == {}


def test_expired_scenarios_are_withheld_from_rounds_but_kept_in_the_bundle() -> None:
    content = small_bundle(6)
    gone = content.scenarios["s-002"].model_copy(update={"expires": date(2027, 1, 10)})
    bundle = replace(content, scenarios={**content.scenarios, gone.id: gone})
    assert gone.id not in bundle.playable(TODAY) and gone.id in bundle.scenarios
    assert gone.id in bundle.playable(date(2027, 1, 9))
    history: list[str] = []
    for n in range(15):
        pick = choose_scenario(bundle.scenarios, history, {}, [], 1, 1, TODAY + timedelta(days=n))
        assert pick.id != gone.id
        history.append(pick.id)
    early = [choose_scenario(bundle.scenarios, [], {}, [], s, 1, date(2027, 1, 4)).id for s in range(60)]
    assert gone.id in early  # before the expiry day it is still played


def test_the_shipped_bank_is_reviewed_and_workmail_expires_with_its_support() -> None:
    bundle = load_bundle()
    assert all(s.reviewed <= date(2026, 11, 30) for s in bundle.scenarios.values())
    workmail = [s for s in bundle.scenarios.values() if "WorkMail" in s.service]
    assert all(s.expires == date(2027, 3, 31) for s in workmail)
    assert not [s for s in bundle.playable(date(2027, 3, 31)).values() if "WorkMail" in s.service]


def test_content_stale_command_lists_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "stale", "--today", "2027-01-15"]) == 0
    out = capsys.readouterr().out
    assert "workmail" in out and "expires 2027-03-31" in out
    assert main(["content", "stale", "--today", "2027-01-15", "--before", "2026-12-01"]) == 0
    everything = capsys.readouterr().out
    assert f"{len(load_bundle().dated_items())} item(s)" in everything
