"""Reminder before the close, achievements, weekly recap and season posts — through the engine, on every
storage backend, with a fake clock; crashes and restarts around each once-per-period post."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.achievements import replay
from bot.core.engine import Engine, EngineConfig
from bot.core.events import HomeOpened
from bot.core.messages import (
    Card,
    FileCard,
    HomeCard,
    RecapCard,
    ReminderCard,
    RevealCard,
    SeasonCard,
    StatsCard,
    TextReply,
)
from bot.core.ports import Repository
from bot.core.rounds import LEASE
from content.schema import Party
from tests.fakes.harness import Harness
from tests.fakes.recording import RecordingAdapter

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # ISO week 48; the week after ends in December
WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}
TEAM = ("ann", "bob", "cid", "dee")


class Crash(RuntimeError):
    """A simulated process death at a named point."""


def crashing(harness: Harness, point: str) -> Harness:
    """A second engine over the same database and platform that dies once at `point`."""
    armed = [True]

    def hook(name: str) -> None:
        if name == point and armed[0]:
            armed[0] = False
            raise Crash(name)

    engine = Engine(
        harness.repo,
        harness.engine.content,
        harness.clock,
        {harness.platform: harness.adapter},
        EngineConfig(seed=7),
        crash=hook,
    )
    return Harness(harness.repo, harness.clock, harness.adapter, engine)


async def setup(h: Harness, extra: str = "") -> None:
    (reply,) = await h.command(f"setup time 09:30 tz UTC window 4h {extra}".strip())
    assert isinstance(reply, TextReply) and reply.text.startswith("✅"), reply


async def play_day(h: Harness, day: date, answering: tuple[str, ...] = TEAM, right: bool = True) -> None:
    """Post at 09:30, the given people answer at 09:40, run to the close at 13:30 and a bit after."""
    h.clock.set(datetime.combine(day, datetime.min.time(), UTC).replace(hour=9, minute=30))
    await h.tick()
    post, card = h.scenario_posts()[-1]
    answer = h.engine.content.scenarios[card.scenario_id].answer
    h.clock.advance(timedelta(minutes=10))
    for uid in answering:
        await h.answer(post, uid, answer if right else WRONG[answer])
    await h.run_until(h.clock.now().replace(hour=13, minute=35), step=timedelta(minutes=15))


def cards(h: Harness, kind: type) -> list[Card]:
    return [c.card for c in h.adapter.calls if isinstance(c.card, kind)]


# Reminder -------------------------------------------------------------------------------------------------
async def test_reminder_an_hour_before_the_close_when_few_answered(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await setup(h)
    await play_day(h, MONDAY.date())  # four active members
    assert cards(h, ReminderCard) == []  # everyone answered: no reminder
    tuesday = MONDAY.date() + timedelta(days=1)
    h.clock.set(datetime.combine(tuesday, datetime.min.time(), UTC).replace(hour=9, minute=30))
    await h.tick()
    post, _ = h.scenario_posts()[-1]
    await h.answer(post, "ann", Party.AWS)
    await h.run_until(h.clock.now().replace(hour=12, minute=29), step=timedelta(minutes=1))
    assert cards(h, ReminderCard) == []  # not before the lead time
    await h.run_until(h.clock.now().replace(hour=13, minute=29), step=timedelta(minutes=1))
    (reminder,) = cards(h, ReminderCard)
    assert isinstance(reminder, ReminderCard)
    assert (reminder.answered, reminder.active, reminder.ping) == (1, 4, "")
    call = next(c for c in h.adapter.calls if isinstance(c.card, ReminderCard))
    assert call.kind == "thread" and call.target == post.message_id


async def test_no_reminder_when_half_answered_or_off(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup(h)
    await play_day(h, MONDAY.date())
    await play_day(h, MONDAY.date() + timedelta(days=1), answering=("ann", "bob"))  # 2 of 4: half
    assert cards(h, ReminderCard) == []
    await setup(h, "reminder off")
    await play_day(h, MONDAY.date() + timedelta(days=2), answering=())
    assert cards(h, ReminderCard) == []


async def test_reminder_never_after_the_close_and_never_twice_across_restarts(
    sqlite_repo: Repository,
) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup(h, "reminder 30m ping role:Ops")
    await play_day(h, MONDAY.date())
    tuesday = datetime.combine(MONDAY.date() + timedelta(days=1), datetime.min.time(), UTC)
    h.clock.set(tuesday.replace(hour=9, minute=30))
    await h.tick()
    # The instance dies just before sending; its claim runs out and a restarted one sends it once.
    dying = crashing(h, "before-reminder")
    dying.clock.set(tuesday.replace(hour=13, minute=1))
    await dying.tick()
    assert cards(h, ReminderCard) == []
    restarted = Harness.build(sqlite_repo, tuesday.replace(hour=13, minute=2), adapter=h.adapter)
    await restarted.tick()
    assert cards(h, ReminderCard) == []  # the dead instance's claim still holds
    restarted.clock.advance(LEASE)
    await restarted.tick()
    await restarted.run_until(tuesday.replace(hour=14), step=timedelta(minutes=1))
    (reminder,) = cards(h, ReminderCard)
    assert isinstance(reminder, ReminderCard) and reminder.ping == "role:Ops"
    # A team whose bot was down over the whole lead time gets no reminder after the close.
    wednesday = tuesday + timedelta(days=1)
    restarted.clock.set(wednesday.replace(hour=9, minute=30))
    await restarted.tick()
    restarted.clock.set(wednesday.replace(hour=13, minute=30))
    await restarted.tick()
    assert len(cards(h, ReminderCard)) == 1


@pytest.mark.parametrize("text", ["setup ping @here", "setup ping <!channel>", "setup ping @everyone"])
async def test_a_ping_can_never_be_a_mass_mention(sqlite_repo: Repository, text: str) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (reply,) = await h.command(text)
    assert isinstance(reply, TextReply) and reply.text.startswith("⚠️")
    assert await sqlite_repo.get_team(h.channel()) is None


# Achievements ---------------------------------------------------------------------------------------------
async def test_streak_and_perfect_week_awarded_at_reveal_and_recomputable(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await setup(h, "recap off")
    for n in range(5):
        await play_day(h, MONDAY.date() + timedelta(days=n), answering=TEAM if n else TEAM[:3])
    team = await repo.get_team(h.channel())
    assert team is not None
    stored = {(e.user_id, e.code) for e in await repo.team_achievements(team.id)}
    assert ("ann", "streak-5") in stored and ("dee", "streak-5") not in stored
    assert ("ann", "perfect-week") in stored and ("dee", "perfect-week") not in stored
    assert {code for user, code in stored if user == "*"} == {"record-correct-3", "record-correct-4"}
    # Deterministic: recomputed from the stored answers alone, the same set.
    assert replay(await repo.team_history(team.id)) == stored
    (stats,) = await h.command("stats", uid="ann", admin=False)
    assert isinstance(stats, StatsCard) and "🔥 5-round streak" in stats.achievements
    await h.engine.handle(HomeOpened(h.user("ann"), h.clock.now()))
    home = h.adapter.of_kind("home")[-1].card
    assert isinstance(home, HomeCard) and "⭐ first perfect week" in home.stats.achievements
    (export,) = await h.command("export all")
    assert isinstance(export, FileCard)
    rows = {r[1]: r for r in csv.reader(io.StringIO(export.content))}
    assert rows["person_id"][8] == "achievements" and "streak-5" in rows["ann"][8].split(";")
    assert "perfect-week" not in rows["dee"][8]
    reveals = [c.card for c in h.adapter.calls if isinstance(c.card, RevealCard) and c.card.achievements]
    assert any("Ann: 🔥 5-round streak" in r.achievements for r in reveals), "the reveal announces it"


# Weekly recap and season ----------------------------------------------------------------------------------
async def test_one_recap_after_the_last_reveal_of_the_week(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await setup(h)
    for n in range(4):
        await play_day(h, MONDAY.date() + timedelta(days=n))
    assert cards(h, RecapCard) == []
    await play_day(h, MONDAY.date() + timedelta(days=4), answering=("ann", "bob"), right=False)
    (recap,) = cards(h, RecapCard)
    assert isinstance(recap, RecapCard)
    assert recap.week == "2026-W48" and recap.rounds == 5 and recap.answers == 18
    assert len(recap.top) == 4 and recap.top[0].points >= recap.top[-1].points
    assert "(0 of 2 right)" in recap.most_missed and recap.lesson and (recap.rank, recap.teams) == (1, 1)
    assert abs(recap.participation - 18 / 20) < 1e-9 and len(recap.trend) == 8
    await h.run_until(h.clock.now() + timedelta(days=1), step=timedelta(hours=1))
    assert len(cards(h, RecapCard)) == 1


@pytest.mark.parametrize("point", ["before-recap", "after-recap"])
async def test_recap_survives_a_crash_without_a_duplicate(sqlite_repo: Repository, point: str) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup(h)
    for n in range(4):
        await play_day(h, MONDAY.date() + timedelta(days=n))
    dying = crashing(h, point)
    friday = datetime.combine(MONDAY.date() + timedelta(days=4), datetime.min.time(), UTC)
    dying.clock.set(friday.replace(hour=9, minute=30))
    await dying.tick()
    dying.clock.set(friday.replace(hour=13, minute=31))
    await dying.tick()  # reveals, schedules the recap, dies around posting it
    assert len(cards(h, RecapCard)) == (1 if point == "after-recap" else 0)
    restarted = Harness.build(sqlite_repo, dying.clock.now(), adapter=h.adapter)
    await restarted.run_until(friday.replace(hour=14), step=timedelta(minutes=1))
    assert len(cards(h, RecapCard)) == 1  # none missed, none doubled


async def test_recap_at_a_fixed_time_or_off(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup(h, "recap fri 16:00")
    for n in range(5):
        await play_day(h, MONDAY.date() + timedelta(days=n))
    assert cards(h, RecapCard) == []
    await h.run_until(h.clock.now().replace(hour=16), step=timedelta(minutes=30))
    assert len(cards(h, RecapCard)) == 1
    await setup(h, "recap off")
    for n in range(7, 12):
        await play_day(h, MONDAY.date() + timedelta(days=n))
    assert len(cards(h, RecapCard)) == 1


async def test_season_champions_on_the_first_working_day_of_the_month(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY + timedelta(days=7))  # Mon 30 Nov
    await setup(h, "recap off")
    await play_day(h, date(2026, 11, 30))
    assert cards(h, SeasonCard) == []
    await play_day(h, date(2026, 12, 1), answering=("ann",))
    (season,) = cards(h, SeasonCard)
    assert isinstance(season, SeasonCard)
    assert season.season == "November 2026" and season.rounds == 1 and len(season.top) == 3
    assert season.best_streak is not None and season.best_streak[1] == 1
    restarted = Harness.build(repo, h.clock.now(), adapter=h.adapter)
    await play_day(restarted, date(2026, 12, 2))
    assert len(cards(h, SeasonCard)) == 1


async def test_season_post_off_and_crash_before_posting(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY + timedelta(days=7))
    await setup(h, "recap off")
    await play_day(h, date(2026, 11, 30))
    dying = crashing(h, "before-season")
    await play_day(dying, date(2026, 12, 1))
    assert cards(h, SeasonCard) == []
    h.clock.advance(LEASE)
    await h.tick()
    assert len(cards(h, SeasonCard)) == 1
    other = Harness.build(sqlite_repo, MONDAY + timedelta(days=7), adapter=RecordingAdapter(), workspace="W2")
    await setup(other, "recap off season off")
    await play_day(other, date(2026, 11, 30))
    await play_day(other, date(2026, 12, 1))
    assert cards(other, SeasonCard) == []


async def test_completing_the_course_is_an_achievement_in_stats(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY, config=EngineConfig(seed=7, onboarding="off"))
    await setup(h)
    (first,) = await h.command("learn", uid="nia", admin=False)
    lessons = len(h.engine.onboarding.lessons)
    for index in range(lessons):
        card = h.engine.onboarding.lesson_card(index)
        await h.press("nia", "lesson", f"{card.lesson_id}:{card.buttons[0].value.split(':')[-1]}")
        if index < lessons - 1:
            await h.press("nia", "lesson-next", "")
    progress = await sqlite_repo.course_progress(h.user("nia"))
    assert progress is not None and progress.completed_at is not None, first
    (stats,) = await h.command("stats", uid="nia", admin=False)
    assert isinstance(stats, StatsCard) and "📘 course completed" in stats.achievements
