"""Cards as plain text: the console adapter's rendering (and a readable fallback for logs and tests)."""

from __future__ import annotations

from bot.adapters.engagement_text import recap_lines, reminder_text, season_lines
from bot.core import messages as m
from bot.core.schedule_math import zone


def _strip_marks(text: str) -> str:
    return text.replace("*", "")


def _row(row: m.LeaderRow) -> str:
    return f"{row.rank:>3}. {row.name:<20} {row.points:>5} pts  {row.correct}/{row.answered} right"


def _board(card: m.LeaderboardCard) -> list[str]:
    lines = [f"🏆 {card.title}"]
    lines += [_row(r) for r in card.rows] or ["  (no scores yet)"]
    if card.me is not None and all(r.user_id != card.me.user_id for r in card.rows):
        lines += ["  …", _row(card.me) + "  ← you"]
    return lines


def _buttons(card: m.Card) -> list[str]:
    buttons = getattr(card, "buttons", ())
    return ["   ".join(f"[{i + 1}] {b.label}" for i, b in enumerate(buttons))] if buttons else []


def render_text(card: m.Card) -> str:
    lines: list[str]
    match card:
        case m.TextReply():
            lines = ([card.title] if card.title else []) + [_strip_marks(card.text)]
        case m.ScenarioCard():
            how = (
                "answer with the buttons"
                if card.mode == "buttons"
                else "react ☁️ AWS · 🧑‍💻 Customer · 🤝 Shared"
            )
            lines = [
                f"❓ Who's responsible? — {card.service}",
                card.prompt,
                f"({how}; closes {card.closes_at.astimezone(zone(card.timezone)):%H:%M} {card.timezone} "
                f"· id {card.scenario_id})",
            ]
        case m.RevealCard():
            opt = m.option_for(card.answer)
            votes = "  ".join(f"{m.option_for(p).emoji} {m.option_for(p).label}: {n}" for p, n in card.votes)
            lines = [
                f"✅ Answer: {opt.emoji} {opt.label}",
                card.explanation,
                f"📖 {card.references[0]}" if card.references else "",
                f"Votes — {votes}  ({card.correct_count}/{card.total} right)",
                m.level_label(card.level),
            ]
            if card.top:
                lines += ["This week:"] + [_row(r) for r in card.top]
            lines += _earned(card.credit, card.achievements)
        case m.LeaderboardCard():
            lines = _board(card)
        case m.TeamRankingCard():
            lines = [f"🏅 {card.title}"] + (
                [
                    f"{r.rank:>3}. {r.team:<20} {r.points_per_member:>6.1f} pts/member  "
                    f"{r.active_members} active  {r.participation:.0%} participation"
                    for r in card.rows
                ]
                or ["  (no teams have scores yet)"]
            )
        case m.StatsCard():
            weak = ", ".join(f"{t} ({a:.0%})" for t, a in card.weakest_topics) or "—"
            lines = [
                f"📊 {card.name}: {card.points} pts · {card.correct}/{card.answered} right ({card.accuracy:.0%})",
                f"Streak: {card.current_streak} now, best {card.best_streak} · weakest topics: {weak}",
            ]
            if card.practice_answered:
                lines.append(f"Practice: {card.practice_correct}/{card.practice_answered} right")
            if card.course:
                lines.append(card.course)
            lines += _earned("", card.achievements)
        case m.LessonCard():
            lines = [
                f"📘 Lesson {card.order}/{card.total}: {card.title}",
                _strip_marks(card.body),
                f"Check: {card.question}",
            ]
        case m.PracticeCard():
            lines = [f"🎯 Practice — {card.service}"] + ([card.note] if card.note else []) + [card.prompt]
        case m.LookupCard():
            opt = m.option_for(card.party)
            lines = [
                f"🔎 {card.service} — {card.control}: {opt.emoji} {opt.label}",
                card.reason,
                f"📖 {card.reference}",
                card.note,
                *(f"See also {s}" for s in card.see_also),
                "Not what you meant?" if card.buttons else "",
            ]
        case m.FileCard():
            lines = [f"📎 {card.title}: {card.filename} ({len(card.content.splitlines())} lines)"]
        case m.HomeCard():
            lines = [render_text(card.stats)]
            for board in card.boards:
                lines += _board(board)
        case m.ReminderCard() | m.RecapCard() | m.SeasonCard():
            lines = _engagement(card)
    return "\n".join(line for line in lines + _buttons(card) if line != "")


def _engagement(card: m.ReminderCard | m.RecapCard | m.SeasonCard) -> list[str]:
    if isinstance(card, m.ReminderCard):
        return [reminder_text(card, card.ping)]
    title, body = recap_lines(card, str) if isinstance(card, m.RecapCard) else season_lines(card, str)
    return [title, *(_strip_marks(line) for line in body)]


def _earned(credit: str, achievements: tuple[str, ...]) -> list[str]:
    return ([f"💬 {credit}"] if credit else []) + (["🏅 " + " · ".join(achievements)] if achievements else [])
