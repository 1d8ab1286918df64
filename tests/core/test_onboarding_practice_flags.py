"""The course by DM, practice with spaced repetition, and flags withholding a scenario."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.events import MemberJoined
from bot.core.messages import FileCard, LessonCard, PracticeCard, TextReply
from bot.core.ports import Repository
from bot.core.practice import due_after, next_box
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_new_member_gets_the_course_and_can_finish_it(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    newcomer = h.user("new", "Nia")
    await h.engine.handle(MemberJoined(newcomer, None, MONDAY, "Europe/Berlin"))
    dms = h.adapter.of_kind("dm")
    assert isinstance(dms[0].card, TextReply) and "bot" in dms[0].card.text  # says it is a bot
    assert isinstance(dms[1].card, LessonCard) and dms[1].card.order == 1
    lesson = dms[1].card
    # a wrong answer: feedback, progress kept, next lesson scheduled for the next working day 09:30 Berlin
    (feedback,) = await h.press("new", "lesson", f"{lesson.lesson_id}:1")
    assert isinstance(feedback, TextReply) and "❌" in feedback.text and feedback.buttons
    progress = await repo.course_progress(newcomer)
    assert progress is not None and progress.answered_current and progress.correct == 0
    assert progress.next_lesson_at == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    # the scheduler sends lesson 2 the next morning
    h.clock.set(datetime(2026, 12, 1, 8, 31, tzinfo=UTC))
    report = await h.tick()
    assert report.lessons == 1
    lesson2 = h.adapter.of_kind("dm")[-1].card
    assert isinstance(lesson2, LessonCard) and lesson2.order == 2
    # lesson 2 right, then "Next lesson" on demand, then the last one completes the course
    await h.press("new", "lesson", f"{lesson2.lesson_id}:0")
    (lesson3,) = await h.press("new", "lesson-next", "")
    assert isinstance(lesson3, LessonCard) and lesson3.order == 3
    replies = await h.press("new", "lesson", f"{lesson3.lesson_id}:0")
    assert any(isinstance(r, TextReply) and "Course complete" in r.text for r in replies)
    progress = await repo.course_progress(newcomer)
    assert progress is not None and progress.completed_at is not None and progress.correct == 2
    (roster,) = await h.command("onboarding")
    assert isinstance(roster, TextReply) and "1 of 1 completed" in roster.text
    # joining again (another channel) does not restart anything
    before = len(h.adapter.of_kind("dm"))
    await h.engine.handle(MemberJoined(newcomer, None, MONDAY + timedelta(days=3)))
    assert len(h.adapter.of_kind("dm")) == before


async def test_learn_resumes_where_you_left_off(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (reply,) = await h.command("learn", uid="ann", admin=False)
    assert isinstance(reply, TextReply) and "first lesson" in reply.text
    lesson = h.adapter.of_kind("dm")[-1].card
    assert isinstance(lesson, LessonCard)
    await h.press("ann", "lesson", f"{lesson.lesson_id}:0")
    (reply,) = await h.command("learn", uid="ann", admin=False)
    assert isinstance(reply, TextReply) and "lesson 2" in reply.text
    assert isinstance(h.adapter.of_kind("dm")[-1].card, LessonCard)


def test_leitner_boxes() -> None:
    assert next_box(None, True) == 4 and next_box(None, False) == 1
    assert next_box(1, True) == 2 and next_box(3, False) == 1 and next_box(4, True) == 5
    assert due_after(1, MONDAY) == MONDAY + timedelta(days=1)


async def test_practice_brings_missed_scenarios_back_and_never_touches_points(
    sqlite_repo: Repository,
) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (card,) = await h.command("quiz", uid="ann", admin=False)
    assert isinstance(card, PracticeCard)
    answer = h.engine.content.scenarios[card.scenario_id].answer
    wrong = next(b for b in card.buttons if not b.value.endswith(answer.value))
    (feedback,) = await h.press("ann", "quiz", wrong.value)
    assert isinstance(feedback, TextReply) and "Not quite" in feedback.text
    (other,) = await h.command("quiz", uid="ann", admin=False)
    assert isinstance(other, PracticeCard) and other.scenario_id != card.scenario_id  # not due yet
    h.clock.advance(timedelta(days=1, minutes=1))
    (again,) = await h.command("quiz", uid="ann", admin=False)
    assert isinstance(again, PracticeCard) and again.scenario_id == card.scenario_id and again.note
    assert await sqlite_repo.practice_totals(h.user("ann")) == (1, 0)
    totals = await sqlite_repo.person_totals(h.user("ann").tenant, "ann")
    assert totals.points == 0 and totals.answered == 0


async def test_three_flags_withhold_a_scenario_until_cleared(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC days daily")
    bank = sorted(h.engine.content.scenarios)
    target = bank[0]
    for uid in ("a", "b"):
        await h.command(f"flag {target} the answer looks wrong", uid=uid, admin=False)
    (dup,) = await h.command(f"flag {target} again", uid="a", admin=False)
    assert isinstance(dup, TextReply) and "already" in dup.text
    await h.press("c", "flag", target)
    (listing,) = await h.command("flags")
    assert isinstance(listing, TextReply) and "withheld" in listing.text
    # over a whole cycle of what may be used (every scenario but the withheld one), it never comes up
    await h.run_until(MONDAY + timedelta(days=len(bank) - 2, hours=10), step=timedelta(hours=1))
    used = [c.scenario_id for _, c in h.scenario_posts()]
    assert len(used) == len(bank) - 1 and target not in used
    await h.command(f"flags clear {target}")
    assert await sqlite_repo.open_flags(h.user("x").tenant) == []
    await h.run_until(MONDAY + timedelta(days=len(bank) - 1, hours=10), step=timedelta(hours=1))
    assert h.scenario_posts()[-1][1].scenario_id == target  # the only one left in this cycle


async def test_completion_is_announced_only_where_the_team_asked(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup tz UTC course-announce on", channel=h.channel("C-yes"))
    await h.command("setup tz UTC", channel=h.channel("C-no"))
    await h.command("learn", uid="ann", admin=False)
    lesson = h.adapter.of_kind("dm")[-1].card  # lesson 1 by DM, the next ones as replies to "Next lesson"
    for order in (1, 2, 3):
        assert isinstance(lesson, LessonCard) and lesson.order == order
        replies = await h.press("ann", "lesson", f"{lesson.lesson_id}:0")
        if order < 3:
            (lesson,) = await h.press("ann", "lesson-next", "")
    assert any(isinstance(r, TextReply) and "Course complete" in r.text for r in replies)
    announced = [c.target for c in h.adapter.of_kind("post") if isinstance(c.card, TextReply)]
    assert announced == ["C-yes"]
    (export,) = await h.command("export week", channel=h.channel("C-yes"))
    assert isinstance(export, FileCard)
    assert "Ann,ann,,0,0,0,w:2026-W49,completed" in export.content  # course-only people are in the export too


async def test_pressing_the_same_practice_card_twice_counts_once(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (card,) = await h.command("quiz", uid="ann", admin=False)
    assert isinstance(card, PracticeCard)
    answer = h.engine.content.scenarios[card.scenario_id].answer
    right = next(b for b in card.buttons if f":{answer.value}:" in b.value)
    for _ in range(3):
        (feedback,) = await h.press("ann", "quiz", right.value)
        assert isinstance(feedback, TextReply) and "Right" in feedback.text
    assert await sqlite_repo.practice_totals(h.user("ann")) == (1, 1)
    (item,) = await sqlite_repo.practice_items(h.user("ann"))
    assert item.box == 4  # not pushed on to "retired" by the repeated presses
