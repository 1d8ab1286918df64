"""The crash harness (harness.py): the real bot process SIGKILLed around its daily cycle, on each platform.

The default run takes six kills per platform at named crash points (about half a minute in all); the slow
suite (`make test-slow`, or `pytest -m slow tests/faults`) runs at least 100 kills per platform of every kind.
The seed is printed; FAULT_SEED=N repeats a plan (process timing still varies from run to run).
FAULT_TRIALS=N changes the size of the full run; FAULT_REPORT_DIR=path keeps the figures as JSON.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from tests.faults.harness import (
    CRASH_POINTS,
    KINDS,
    CrashHarness,
    Db,
    Fakes,
    Figures,
    duplicate_count,
    make_plan,
    recount_problems,
)

PLATFORMS = ("slack", "discord", "teams")
#: Thursday before the change to summer time in Berlin (29 March 2026): the Berlin team's post moves from
#: 09:00 to 08:00 UTC across the weekend.
SHORT_START = date(2026, 3, 26)
#: The full run starts in January and crosses the same change (28 March 2027).
FULL_START = date(2027, 1, 4)
FULL_TRIALS = 100
SHORT_TRIALS = 6


def _seed() -> int:
    raw = os.environ.get("FAULT_SEED")
    return int(raw) if raw else secrets.randbits(32)


#: One seed for the whole module, so the two platforms' short plans split the crash points between them.
SEED = _seed()


def _run(
    platform: str, tmp_path: Path, plan: list[str], start: date, seed: int
) -> tuple[Figures, CrashHarness]:
    print(f"\ncrash harness {platform}: seed {seed} (FAULT_SEED={seed} repeats this plan): {plan}")
    fakes = Fakes(teams=2, people=10)
    try:
        harness = CrashHarness(platform, fakes, tmp_path, seed, plan, start)
        figures = harness.run()
        return figures, harness
    finally:
        fakes.close()


def _report(figures: Figures, name: str) -> None:
    summary = figures.summary()
    print(json.dumps(summary, indent=1))
    folder = os.environ.get("FAULT_REPORT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{name}-{figures.platform}.json").write_text(
            json.dumps(summary, indent=1), encoding="utf-8"
        )


def _assert_clean(figures: Figures, trials: int) -> None:
    """Zero duplicates, zero lost. Reactions left while the bot is down are found at the reveal on Slack and
    Discord; Teams answers are buttons, which cannot be pressed on a bot that is down (pressed again later)."""
    assert figures.problems == [], "\n".join(figures.problems[:20])
    assert figures.trials == trials
    assert (figures.duplicate_posts, figures.duplicate_reveals, figures.missed_rounds) == (0, 0, 0)
    assert (figures.lost_answers, figures.spurious_answers, figures.recount_mismatches) == (0, 0, 0)
    assert figures.rounds == figures.days * 2
    if figures.platform == "teams":
        assert figures.reactions_while_down == 0 and figures.answers_stored["reconciled"] == 0
        assert figures.answers_stored["live"] > 0
    else:
        assert figures.reactions_while_down > 0 and figures.answers_stored["reconciled"] > 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_crash_trials_short(platform: str, tmp_path: Path) -> None:
    """Six kills per platform at named crash points, Slack's and Discord's plans together covering all seven
    (Teams takes six from the middle of the same shuffle); then the checks are shown to bite: a planted
    duplicate post, a lost answer and a wrong total are caught."""
    seed = SEED
    points = list(CRASH_POINTS)
    random.Random(seed).shuffle(points)
    plans = {
        "slack": points[:SHORT_TRIALS],
        "discord": points[-SHORT_TRIALS:],
        "teams": points[1:][:SHORT_TRIALS],
    }
    plan = plans[platform]
    fakes = Fakes(teams=2, people=10)
    try:
        print(f"\ncrash harness {platform}: seed {seed} (FAULT_SEED={seed} repeats this plan): {plan}")
        harness = CrashHarness(platform, fakes, tmp_path, seed, plan, SHORT_START)
        figures = harness.run()
        _report(figures, "short")
        _assert_clean(figures, len(plan))
        assert set(figures.kills) == set(plan)

        # The checks can fail: tamper with the evidence and each change is caught.
        team = harness.teams[0].team_id
        tampered = tmp_path / "tampered.db"
        with closing(sqlite3.connect(harness.db_path)) as source, closing(sqlite3.connect(tampered)) as copy:
            source.backup(copy)
            copy.execute(
                "UPDATE member_scores SET points = points + 1 WHERE team_id = ? AND period = 'all'", (team,)
            )
            copy.commit()
        assert recount_problems(Db(harness.db_path), team, harness.answer_of) == []
        assert recount_problems(Db(tampered), team, harness.answer_of) != []
        book = harness.books[0]
        assert book.round_id is not None and book.post_id is not None and book.expected
        fakes.plant_duplicate(platform, book.team.channel, f"round-{book.round_id}", None)
        assert duplicate_count(fakes.snapshot(platform)) == 1
        person = next(iter(book.expected))
        with closing(sqlite3.connect(harness.db_path)) as conn:
            conn.execute("DELETE FROM answers WHERE round_id = ? AND user_id = ?", (book.round_id, person))
            conn.commit()
        harness.check_day(harness.books[:2])
        problems = "\n".join(harness.figures.problems)
        assert harness.figures.duplicate_posts == 1 and "2 scenario posts" in problems
        assert harness.figures.lost_answers == 1 and person in problems
        assert harness.figures.recount_mismatches > 0
    finally:
        fakes.close()


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
def test_crash_trials_full(platform: str, tmp_path: Path) -> None:
    """At least FULL_TRIALS kill/restart trials of every kind, evenly, over a couple of months of days."""
    seed = SEED
    trials = int(os.environ.get("FAULT_TRIALS") or FULL_TRIALS)
    plan = make_plan(random.Random(seed), trials, KINDS)
    figures, _ = _run(platform, tmp_path, plan, FULL_START, seed)
    _report(figures, "full")
    _assert_clean(figures, trials)
    assert set(figures.kills) == set(plan)
