"""The reminder, the weekly recap and the season post as titled lines, shared by every adapter's renderer.

Names and prompts are untrusted text: each adapter passes its own `esc` (Slack escapes `<`, `>` and `&`,
Discord neutralises `@` mentions), so a display name can never become a ping on any platform.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.messages import LeaderRow, RecapCard, ReminderCard, SeasonCard

Escape = Callable[[str], str]
MEDALS = ("🥇", "🥈", "🥉")


def reminder_text(card: ReminderCard, ping: str = "") -> str:
    """`ping` is the platform's mention of the configured group or role (empty: nobody is pinged)."""
    lead = f"{ping} " if ping else ""
    return (
        f"{lead}⏰ {card.answered} of {card.active} regulars have answered so far — "
        f"about {card.minutes_left} minutes left before the reveal."
    )


def _row(row: LeaderRow, esc: Escape) -> str:
    medal = MEDALS[row.rank - 1] if row.rank <= len(MEDALS) else f"{row.rank}."
    accuracy = f"{row.accuracy:.0%}" if row.answered else "–"
    return f"{medal} {esc(row.name)} — {row.points} pts ({row.correct}/{row.answered}, {accuracy})"


def recap_lines(card: RecapCard, esc: Escape) -> tuple[str, list[str]]:
    title = f"📅 Week {card.week.split('-W')[-1]} recap — {card.team_name}"
    lines = ["*Top five*", *(_row(r, esc) for r in card.top)] if card.top else ["Nobody scored this week."]
    if card.most_improved:
        lines.append(f"📈 *Most improved:* {esc(card.most_improved)}")
    if card.topics:
        topics = " · ".join(
            f"{esc(t.topic)} {t.accuracy:.0%} ({t.correct}/{t.answered})" for t in card.topics
        )
        lines.append(f"🎯 *Accuracy by topic:* {topics}")
    lines.append(
        f"👥 *Participation:* {card.participation:.0%} ({card.answers} answers in {card.rounds} rounds)"
    )
    if card.rank:
        lines.append(f"🏢 *Rank among this workspace's teams:* {card.rank} of {card.teams}")
    if card.most_missed:
        lines.append(f"❗ *Most missed:* {esc(card.most_missed)}\n💡 {esc(card.lesson)}")
    if card.achievements:
        lines.append("🏅 *Achievements:* " + " · ".join(esc(a) for a in card.achievements))
    return title, lines


def season_lines(card: SeasonCard, esc: Escape) -> tuple[str, list[str]]:
    title = f"🏆 {card.season} season champions — {card.team_name}"
    lines = [_row(r, esc) for r in card.top] or ["No scores this season."]
    lines.append(f"🎯 Team accuracy {card.accuracy:.0%} over {card.rounds} rounds")
    if card.best_streak:
        lines.append(f"🔥 Best streak: {esc(card.best_streak[0])} — {card.best_streak[1]} rounds in a row")
    lines.append("A new season starts today: the month board is fresh.")
    return title, lines
