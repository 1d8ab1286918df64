"""Edge cases found in review: late reactions, buttons racing the post record, one broken team, lessons
sent by two instances, course replays, the audit trail after forget-me, admin replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.events import MemberJoined
from bot.core.messages import LessonCard, RevealCard, TextReply
from bot.core.ports import CollectedAnswer, Repository
from bot.core.rounds import LEASE
from content.schema import Party
from tests.fakes.harness import Harness
from tests.fakes.recording import RecordingAdapter

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_a_reaction_refused_as_late_is_not_counted_at_the_reveal(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await h.command("setup time 09:30 tz UTC window 1h")
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    await h.answer(post, "ann", "aws")
    late_at = MONDAY.replace(hour=10, minute=30, second=2)
    h.clock.set(late_at)
    await h.answer(post, "bob", "aws", at=late_at)  # live, two seconds after the close
    h.adapter.reactions[post.message_id] = [
        CollectedAnswer(h.user("ann"), Party.AWS),
        CollectedAnswer(h.user("bob"), Party.AWS),
    ]
    await h.tick()
    (reveal,) = h.adapter.cards("thread", RevealCard)
    assert isinstance(reveal, RevealCard) and reveal.total == 1
    assert [a.user.user_id for a in await repo.answers_for_round(card.round_id, "console", "W1")] == ["ann"]


async def test_a_button_press_before_the_post_is_recorded_still_counts(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC mode buttons")
    h.adapter.fail_after_post = 1  # the platform has the post; we never learned its id (a crash)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    assert (await sqlite_repo.get_round(card.round_id)).message_id is None  # type: ignore[union-attr]
    (reply,) = await h.press("dave", "answer", card.buttons[1].value, post)
    assert isinstance(reply, TextReply) and "locked in" in reply.text
    h.clock.advance(LEASE + timedelta(seconds=1))
    await h.tick()  # recovery records the message id without posting again
    assert len(h.scenario_posts()) == 1
    stored = await sqlite_repo.answers_for_round(card.round_id, "console", "W1")
    assert [a.user.user_id for a in stored] == ["dave"]


async def test_one_broken_team_does_not_stop_the_others(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC", channel=h.channel("C-good"))
    await h.command("setup time 09:30 tz UTC", channel=h.channel("C-bad"))
    db = sqlite_repo.db  # type: ignore[attr-defined]
    await db.execute(
        "UPDATE teams SET timezone = 'US/Pacific-New' WHERE channel_id = 'C-bad'"
    )  # gone from tzdata
    await h.run_until(MONDAY.replace(hour=14))
    assert [p.channel.channel_id for p, _ in h.scenario_posts()] == ["C-good"]
    assert len(h.adapter.cards("thread", RevealCard)) == 1  # the good team's round was revealed


async def test_two_instances_send_a_due_lesson_once(repo: Repository) -> None:
    shared = RecordingAdapter("console")
    a = Harness.build(repo, MONDAY, adapter=shared)
    b = Harness.build(repo, MONDAY, adapter=shared)
    await a.engine.handle(MemberJoined(a.user("new"), None, MONDAY, "UTC"))
    lesson = shared.of_kind("dm")[-1].card
    assert isinstance(lesson, LessonCard)
    await a.press("new", "lesson", f"{lesson.lesson_id}:0")
    for h in (a, b):
        h.clock.set(MONDAY + timedelta(days=1, hours=2))
    await a.tick()
    await b.tick()
    lessons = [c.card for c in shared.of_kind("dm") if isinstance(c.card, LessonCard)]
    assert [card.order for card in lessons] == [1, 2]
    replies = await a.press("new", "lesson-next", "")  # too late: lesson 2 is out already
    assert isinstance(replies[0], TextReply) and "Answer this lesson" in replies[0].text


async def test_replaying_the_course_keeps_the_first_score(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)

    async def take(right: bool) -> None:
        await h.command("learn", uid="ann", admin=False)
        lesson = h.adapter.of_kind("dm")[-1].card
        for order in (1, 2, 3):
            assert isinstance(lesson, LessonCard) and lesson.order == order
            await h.press("ann", "lesson", f"{lesson.lesson_id}:{0 if right else 1}")
            if order < 3:
                (lesson,) = await h.press("ann", "lesson-next", "")

    await take(right=True)
    first = await sqlite_repo.course_progress(h.user("ann"))
    await take(right=False)
    again = await sqlite_repo.course_progress(h.user("ann"))
    assert first is not None and again is not None
    assert (again.correct, again.completed_at) == (3, first.completed_at)


async def test_forget_me_keeps_the_audit_trail_without_the_person(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz UTC", uid="boss")
    await h.command("export all", uid="boss")
    await h.command("forget-me confirm", uid="boss")
    log = await sqlite_repo.audit_log(h.user("x").tenant, 10)
    assert [(who, action) for _, who, action, _ in log] == [
        ("forgotten-user", "export"),
        ("forgotten-user", "setup"),
    ]


async def test_admin_replies_say_what_happened(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await h.command("setup time 09:30 tz Europe/Berlin")
    (reply,) = await h.command("flags clear s-001")
    assert isinstance(reply, TextReply) and "no open flags" in reply.text
    (reply,) = await h.command("flags clear no-such-thing")
    assert isinstance(reply, TextReply) and "There is no scenario" in reply.text
    await h.command("pause")
    (reply,) = await h.command("resume")
    assert isinstance(reply, TextReply) and "09:30 Europe/Berlin" in reply.text
    actions = [action for _, _, action, _ in await sqlite_repo.audit_log(h.user("x").tenant, 10)]
    assert "flags-clear" not in actions  # nothing was cleared, nothing to audit
