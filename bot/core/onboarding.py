"""The onboarding course: short lessons by direct message, each ending with a check question by button.

The next lesson comes on demand ("Next lesson") or by itself on the next working day at 09:30 in the
person's time zone. Progress is stored after every step, so a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time

from bot.core.events import MemberJoined, UserRef
from bot.core.messages import Button, Card, LessonCard, TextReply
from bot.core.model import CourseProgress, Earned, TeamSettings
from bot.core.ports import PlatformAdapter, Repository
from bot.core.schedule_math import following_post, local_date, zone
from content.loader import ContentBundle
from content.schema import Lesson

log = logging.getLogger(__name__)

LESSON_TIME = time(9, 30)
WELCOME = (
    "👋 Hi {name}! I'm *Who's Responsible?*, a bot that helps your team learn the AWS Shared "
    "Responsibility Model: AWS secures *the cloud*, you secure what you put *in* it.\n"
    "Here is a short course — {count} lessons of about a minute, each with one check question. "
    "The next lesson arrives on your next working day, or straight away with *Next lesson*."
)


class Onboarding:
    def __init__(
        self,
        repo: Repository,
        content: ContentBundle,
        adapters: Mapping[str, PlatformAdapter],
        default_timezone: str,
        join_mode: str,
    ) -> None:
        self.repo = repo
        self.content = content
        self.adapters = adapters
        self.default_timezone = default_timezone
        self.join_mode = join_mode  # workspace | channel | both | off
        #: Told after a person's progress or course achievement is saved (the engine drops their `stats`).
        self.on_saved: Callable[[UserRef], None] = lambda _: None

    @property
    def lessons(self) -> Sequence[Lesson]:
        return self.content.lessons

    def lesson_card(self, index: int) -> LessonCard:
        index = min(index, len(self.lessons) - 1)  # progress outlives a course that lost a lesson
        lesson = self.lessons[index]
        buttons = tuple(
            Button(option, "lesson", f"{lesson.id}:{i}") for i, option in enumerate(lesson.check.options)
        )
        return LessonCard(
            lesson_id=lesson.id,
            order=index + 1,
            total=len(self.lessons),
            title=lesson.title,
            body=lesson.body,
            question=lesson.check.question,
            references=tuple(lesson.references),
            buttons=buttons,
        )

    async def _dm(self, user: UserRef, cards: Sequence[Card]) -> None:
        adapter = self.adapters.get(user.platform)
        if adapter is None:
            return
        for card in cards:
            await adapter.send_dm(user, card)

    async def on_member_joined(self, event: MemberJoined, is_team_channel: bool) -> None:
        if event.user.is_bot or self.join_mode == "off" or not self.lessons:
            return
        if event.channel is None and self.join_mode not in ("workspace", "both"):
            return
        if event.channel is not None and (self.join_mode not in ("channel", "both") or not is_team_channel):
            return
        if await self.repo.course_progress(event.user) is not None:
            return  # already taking or took the course: joining another channel starts nothing new
        await self.start(event.user, event.at, event.timezone)

    async def start(self, user: UserRef, now: datetime, timezone: str | None = None) -> str:
        """Start, resume or replay the course by DM. Returns a one-line summary for the person."""
        if not self.lessons:
            return "The course has no lessons installed."
        progress = await self.repo.course_progress(user)
        cards: list[Card] = []
        if progress is None:
            tz = timezone if timezone and _valid_tz(timezone) else self.default_timezone
            progress = CourseProgress(user, 0, False, None, None, tz, 0)
            cards.append(TextReply(WELCOME.format(name=user.name, count=len(self.lessons))))
            summary = "I've sent you the first lesson by direct message."
        elif progress.completed_at is not None and progress.lesson_index >= len(self.lessons) - 1:
            progress = replace(progress, lesson_index=0, answered_current=False, next_lesson_at=None)
            summary = "Replaying the course from lesson 1 — check your direct messages."
        else:
            if progress.answered_current and progress.lesson_index < len(self.lessons) - 1:
                progress = replace(progress, lesson_index=progress.lesson_index + 1, answered_current=False)
            summary = f"Resuming at lesson {progress.lesson_index + 1} of {len(self.lessons)} — see your DMs."
        progress = replace(progress, user=user, next_lesson_at=None)
        await self.repo.save_course_progress(progress, now)
        self.on_saved(user)
        cards.append(self.lesson_card(progress.lesson_index))
        await self._dm(user, cards)
        return summary

    async def answer(self, user: UserRef, value: str, now: datetime) -> list[Card]:
        lesson_id, _, raw = value.partition(":")
        progress = await self.repo.course_progress(user)
        index = next((i for i, lesson in enumerate(self.lessons) if lesson.id == lesson_id), None)
        if progress is None or index is None or not raw.isdigit():
            return [TextReply("That lesson is not part of your course any more. Run `learn` to continue.")]
        lesson = self.lessons[index]
        choice = int(raw)
        right = choice == lesson.check.correct
        feedback = lesson.check.feedback_correct if right else lesson.check.feedback_wrong
        prefix = "✅ " if right else f"❌ The answer is *{lesson.check.options[lesson.check.correct]}*. "
        if index != progress.lesson_index or progress.answered_current:
            return [TextReply(prefix + feedback)]  # a replayed question: feedback only
        last = index == len(self.lessons) - 1
        first_time = progress.completed_at is None  # a replay neither counts nor re-announces
        progress = replace(
            progress,
            user=user,
            answered_current=True,
            correct=progress.correct + int(right and first_time),
            completed_at=progress.completed_at or (now if last else None),
            next_lesson_at=None if last else self._next_working_day(progress.timezone, now),
        )
        await self.repo.save_course_progress(progress, now)
        self.on_saved(user)
        if last:
            return [
                TextReply(prefix + feedback),
                await self._certificate(user, progress, announce=first_time),
            ]
        return [
            TextReply(
                prefix + feedback,
                buttons=(Button("Next lesson", "lesson-next", "", "primary"),),
            )
        ]

    async def next_lesson(self, user: UserRef, now: datetime) -> list[Card]:
        progress = await self.repo.course_progress(user)
        if progress is None:
            return [TextReply(await self.start(user, now))]
        if progress.completed_at is not None and progress.lesson_index >= len(self.lessons) - 1:
            return [TextReply("You have finished the course. Run `learn` to take it again.")]
        if not progress.answered_current:
            return [
                TextReply("Answer this lesson's check question first."),
                self.lesson_card(progress.lesson_index),
            ]
        if not await self.repo.advance_lesson(progress):
            return [TextReply("Your next lesson has just been sent to you.")]  # the scheduler got there first
        self.on_saved(progress.user)
        return [self.lesson_card(progress.lesson_index + 1)]

    async def send_due(self, now: datetime) -> int:
        sent = 0
        for progress in await self.repo.due_lessons(now, 200, sorted(self.adapters)):
            if not progress.answered_current or progress.lesson_index >= len(self.lessons) - 1:
                await self.repo.save_course_progress(replace(progress, next_lesson_at=None), now)
                self.on_saved(progress.user)
                continue
            if not await self.repo.advance_lesson(progress):
                continue  # another instance, or the person's own "Next lesson", got there first
            self.on_saved(progress.user)
            try:
                await self._dm(progress.user, [self.lesson_card(progress.lesson_index + 1)])
                sent += 1
            except Exception:
                log.warning("could not send lesson %d", progress.lesson_index + 2, exc_info=True)
        return sent

    async def _certificate(self, user: UserRef, progress: CourseProgress, announce: bool) -> Card:
        total = len(self.lessons)
        text = (
            f"🎓 *Course complete!* You finished all {total} lessons of the AWS Shared Responsibility course, "
            f"with {progress.correct} of {total} check questions right first time.\n"
            "Keep it fresh with `/responsibility quiz`, and look things up with `/responsibility lookup`."
        )
        teams = await self.repo.teams_of(user.tenant) if announce else []
        done = progress.completed_at
        if teams and done is not None:  # the `course` achievement, in each of the workspace's teams
            earned = [Earned(t.id, user.user_id, user.name, "course", None, done) for t in teams]
            await self.repo.add_achievements(earned, done.date())
            self.on_saved(user)
        for team in teams:
            adapter = self.adapters.get(team.channel.platform)
            if adapter is None or not team.settings.announce_course:
                continue
            try:
                await adapter.post_card(
                    team.channel,
                    TextReply(f"🎓 {user.name} completed the Shared Responsibility course."),
                    f"course-{user.user_id}-{team.id}",
                )
            except Exception:
                log.warning("could not announce a course completion", exc_info=True)
        return TextReply(text, title="Certificate")

    def _next_working_day(self, tz: str, now: datetime) -> datetime:
        settings = TeamSettings(timezone=tz, post_time=LESSON_TIME)
        return following_post(settings, local_date(now, tz))[1]

    def progress_line(self, progress: CourseProgress | None) -> str:
        total = len(self.lessons)
        if progress is None:
            return "Course: not started — run `learn`."
        if progress.completed_at is not None:
            return f"Course: completed ({progress.correct}/{total} first-time right)."
        return f"Course: lesson {progress.lesson_index + 1} of {total}."


def _valid_tz(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True
