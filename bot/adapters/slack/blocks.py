"""Cards → Block Kit, always within Slack's limits (a message over a limit is rejected, not truncated).

Limits enforced here: 50 blocks per message (100 in a Home view), 3000 characters of section text, 150 of
header text, 75 of button text, 2000 of button value, 25 elements per actions block, 10 per context block and
10 section fields of 2000 characters. User-controlled text is escaped (`&`, `<`, `>`) so it can't form
mentions or links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache

from bot.adapters.engagement_text import recap_lines, reminder_text, season_lines
from bot.adapters.slack.translate import PARTY_REACTION, action_id
from bot.core import messages as m

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
#: The notification/fallback `text` of a message; Slack truncates at 40k, we keep it short on purpose.
MAX_FALLBACK_TEXT = 3000
APP_NAME = "Who's Responsible?"

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / postEphemeral / respond take: fallback text plus blocks."""

    text: str
    blocks: list[Block]


# Primitives -------------------------------------------------------------------------------------------
def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_TEXT), "emoji": True},
    }


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, MAX_SECTION_TEXT)}}


def sections(mrkdwn: str) -> list[Block]:
    """Long text split at line breaks into sections of at most 3000 characters each."""
    chunks: list[str] = []
    current = ""
    for line in mrkdwn.split("\n"):
        while len(line) > MAX_SECTION_TEXT:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:MAX_SECTION_TEXT])
            line = line[MAX_SECTION_TEXT:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_TEXT:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [section(chunk) for chunk in chunks if chunk.strip()]


def fields(pairs: Sequence[tuple[str, str]]) -> Block:
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": clip(f"*{name}*\n{value}", MAX_FIELD_TEXT)}
            for name, value in pairs[:MAX_FIELDS]
        ],
    }


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": clip(t, MAX_CONTEXT_TEXT)} for t in texts[:MAX_CONTEXT_ELEMENTS] if t
        ],
    }


def divider() -> Block:
    return {"type": "divider"}


def button_element(button: m.Button, index: int) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(button.label, MAX_BUTTON_TEXT) or "·", "emoji": True},
        "action_id": action_id(button.action, index),
        "value": button.value[:MAX_BUTTON_VALUE],
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def actions(buttons: Sequence[m.Button]) -> list[Block]:
    if not buttons:
        return []
    elements = [button_element(b, i) for i, b in enumerate(buttons[:MAX_ACTION_ELEMENTS])]
    return [{"type": "actions", "elements": elements}]


def slack_date(when: datetime, fallback_format: str = "%H:%M UTC") -> str:
    """A time every reader sees in their own time zone (Slack's date token), with a UTC fallback."""
    when = when.astimezone(UTC)
    return f"<!date^{int(when.timestamp())}^{{time}}|{when.strftime(fallback_format)}>"


def link(url: str, label: str) -> str:
    safe = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")
    return f"<{safe}|{esc(label)}>"


def fit(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """Over the limit: keep the first blocks and the (last) buttons, and say that something was cut."""
    if len(blocks) <= limit:
        return blocks
    buttons = [blk for blk in blocks if blk["type"] == "actions"][-1:]
    rest = [blk for blk in blocks if not any(blk is kept for kept in buttons)]
    keep = limit - len(buttons) - 1
    return [*rest[:keep], context("…more than fits in one Slack message."), *buttons]


def message(text: str, blocks: list[Block]) -> SlackMessage:
    return SlackMessage(clip(text.strip() or APP_NAME, MAX_FALLBACK_TEXT), fit(blocks))


# Cards ------------------------------------------------------------------------------------------------
def render(card: m.Card) -> SlackMessage:
    """Every card type has a rendering; m.FileCard's is only the notice that a file was sent."""
    match card:
        case m.TextReply():
            return _text(card)
        case m.ScenarioCard():
            return _scenario(card)
        case m.RevealCard():
            return _reveal(card)
        case m.LeaderboardCard():
            return message(card.title, _leaderboard(card))
        case m.TeamRankingCard():
            return _team_ranking(card)
        case m.StatsCard():
            return message(f"Stats — {card.name}", _stats(card))
        case m.LessonCard():
            return _lesson(card)
        case m.PracticeCard():
            return _practice(card)
        case m.LookupCard():
            return _lookup(card)
        case m.FileCard():
            notice = f"📎 *{esc(card.title)}* — `{esc(card.filename)}` is in your direct messages."
            return message(f"{card.title} — sent to your direct messages.", [section(notice)])
        case m.HomeCard():
            return message(APP_NAME, home_blocks(card)[:MAX_BLOCKS])
        case m.ReminderCard():
            text = reminder_text(card, slack_ping(card.ping))
            return message(text, [section(text)])
        case m.RecapCard():
            title, lines = recap_lines(card, esc)
            return message(title, [header(title), *sections("\n".join(lines)), context(_CHART_NOTE)])
        case m.SeasonCard():
            title, lines = season_lines(card, esc)
            return message(title, [header(title), *sections("\n".join(lines))])
    raise TypeError(f"no Slack rendering for {type(card).__name__}")  # pragma: no cover


_SUBTEAM = re.compile(r"^<!subteam\^[A-Z0-9]{2,20}(\|@?[\w.-]{1,80})?>$")
_CHART_NOTE = "📊 The week's chart is in the thread."


def slack_ping(ping: str) -> str:
    """A user group's mention as Slack writes it, exactly as configured; any other form (a Discord role, a
    bare @handle) is shown as escaped text and pings nobody."""
    if not ping:
        return ""
    return ping if _SUBTEAM.match(ping) else esc(ping)


def _text(card: m.TextReply) -> SlackMessage:
    title = card.title.strip()  # a whitespace-only header is rejected by Slack
    blocks: list[Block] = [header(title)] if title else []
    blocks += sections(esc(card.text)) or [section(esc(title) or APP_NAME)]
    blocks += actions(card.buttons)
    return message(card.text if not title else f"{title}: {card.text}", blocks)


def _options_line() -> str:
    return " · ".join(f":{PARTY_REACTION[o.party]}: {o.label}" for o in m.OPTIONS)


def _scenario(card: m.ScenarioCard) -> SlackMessage:
    closes = slack_date(card.closes_at)
    how = (
        f"React with {_options_line()}. Your first answer counts. Answers close at {closes}."
        if card.mode == "reactions"
        else f"Pick one below — only you see your answer until the reveal at {closes}."
    )
    blocks = [
        header(f"{APP_NAME} — {card.team_name}"),
        section(f"*{esc(card.service)}*\n{esc(card.prompt)}"),
        context(how),
        *actions(card.buttons),
        context(f"Scenario `{esc(card.scenario_id)}` · round {card.round_id}"),
    ]
    return message(f"{APP_NAME} {card.prompt}", blocks)


def _bar(count: int, total: int, width: int = 10) -> str:
    filled = round(width * count / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def _row(row: m.LeaderRow) -> str:
    accuracy = f"{row.accuracy:.0%}" if row.answered else "–"
    return f"{row.rank}. {esc(row.name)} — *{row.points}* pts ({row.correct}/{row.answered}, {accuracy})"


def _reveal(card: m.RevealCard) -> SlackMessage:
    right = m.option_for(card.answer)
    votes = [
        f"{m.option_for(party).emoji} {m.option_for(party).label} {_bar(n, card.total)} {n}"
        + (" ✅" if party is card.answer else "")
        for party, n in card.votes
    ]
    score = (
        f"{card.correct_count} of {card.total} got it right." if card.total else "Nobody answered this one."
    )
    blocks: list[Block] = [
        header(f"The answer: {right.label} {right.emoji}"),
        section(f"> {esc(clip(card.prompt, 600))}"),
        *sections(esc(card.explanation)),
        section("\n".join(votes) + f"\n{score}"),
    ]
    if card.references:
        blocks.append(
            context(*(link(url, f"AWS documentation {i + 1}") for i, url in enumerate(card.references)))
        )
    if card.level:
        blocks.append(context(f"Scenario `{esc(card.scenario_id)}` · {m.level_label(card.level)}"))
    if card.top:
        blocks.append(section("*This week*\n" + "\n".join(_row(r) for r in card.top)))
    if card.credit:
        blocks.append(context(f"💬 {esc(card.credit)}"))
    if card.achievements:
        blocks.append(context("🏅 " + " · ".join(esc(a) for a in card.achievements)))
    blocks += actions(card.buttons)
    blocks.append(context(f"Scenario `{esc(card.scenario_id)}` · round {card.round_id}"))
    return message(f"The answer: {right.label}. {card.explanation}", blocks)


#: A board's rows are one tuple, cached by the core until the next reveal (bot/core/boards.py), that everyone
#: asking for the board gets; their sections are built once per tuple. Keyed by the tuple's identity (hashing
#: its rows would cost as much as rendering them); each entry holds its tuple, so the id can't be reused.
_BOARD_SECTIONS: LRUCache[int, tuple[tuple[m.LeaderRow, ...], tuple[Block, ...]]] = LRUCache(256)


def _board_sections(rows: tuple[m.LeaderRow, ...]) -> tuple[Block, ...]:
    cached = _BOARD_SECTIONS.get(id(rows))
    if cached is not None:
        return cached[1]
    lines = [_row(r) for r in rows] or ["No points in this period yet — answer today's scenario!"]
    built = tuple(sections("\n".join(lines)))
    _BOARD_SECTIONS[id(rows)] = (rows, built)
    return built


def _leaderboard(card: m.LeaderboardCard) -> list[Block]:
    blocks = [header(card.title), *_board_sections(card.rows)]
    if card.me is not None and all(r.user_id != card.me.user_id for r in card.rows):
        blocks.append(context(f"You: {_row(card.me)}"))
    return blocks


def _team_ranking(card: m.TeamRankingCard) -> SlackMessage:
    lines = [
        f"{r.rank}. *{esc(r.team)}* — {r.points_per_member:.1f} pts/member · "
        f"{r.participation:.0%} participation ({r.active_members} active, {r.points} pts)"
        for r in card.rows
    ] or ["No team has scored this month yet."]
    return message(card.title, [header(card.title), *sections("\n".join(lines))])


def _stats(card: m.StatsCard) -> list[Block]:
    weakest = ", ".join(f"{esc(topic)} ({acc:.0%})" for topic, acc in card.weakest_topics) or "–"
    pairs = [
        ("Points", str(card.points)),
        ("Accuracy", f"{card.accuracy:.0%} ({card.correct}/{card.answered})"),
        ("Streak", f"{card.current_streak} now · best {card.best_streak}"),
        ("Practice", f"{card.practice_correct}/{card.practice_answered} right"),
        ("Weakest topics", weakest),
    ]
    blocks = [header(f"Stats — {card.name}"), fields(pairs)]
    if card.course:
        blocks.append(context(esc(card.course)))
    if card.achievements:
        blocks.append(context("🏅 " + " · ".join(esc(a) for a in card.achievements)))
    return blocks


def _lesson(card: m.LessonCard) -> SlackMessage:
    blocks: list[Block] = [
        header(f"Lesson {card.order}/{card.total}: {card.title}"),
        *sections(esc(card.body)),
        section(f"*Check:* {esc(card.question)}"),
        *actions(card.buttons),
    ]
    if card.references:
        blocks.append(context(*(link(url, "AWS documentation") for url in card.references)))
    return message(f"Lesson {card.order}/{card.total}: {card.title}", blocks)


def _practice(card: m.PracticeCard) -> SlackMessage:
    blocks: list[Block] = [
        header("Practice"),
        section(f"*{esc(card.service)}*\n{esc(card.prompt)}"),
    ]
    if card.note:
        blocks.append(context(esc(card.note)))
    blocks += actions(card.buttons)
    blocks.append(context(f"Scenario `{esc(card.scenario_id)}`"))
    return message(f"Practice: {card.prompt}", blocks)


def _lookup(card: m.LookupCard) -> SlackMessage:
    party = m.option_for(card.party)
    blocks = [
        header(f"{card.service}: {card.control}"),
        section(f"*{party.label}* {party.emoji} — {esc(card.reason)}"),
        context(link(card.reference, "AWS documentation")),
    ]
    extra = ([esc(card.note)] if card.note else []) + [f"See also {esc(s)}" for s in card.see_also]
    blocks += [context(" · ".join(extra))] if extra else []
    blocks += [context("Not what you meant?"), *actions(card.buttons)] if card.buttons else []
    return message(f"{card.service} {card.control}: {party.label}", blocks)


# App Home ---------------------------------------------------------------------------------------------
def home_blocks(card: m.HomeCard) -> list[Block]:
    blocks: list[Block] = [
        header(APP_NAME),
        section(
            "Your progress on the AWS Shared Responsibility Model. Daily challenges appear in your team "
            "channel; `/responsibility quiz` practises privately."
        ),
        divider(),
        *_stats(card.stats),
    ]
    if card.course:
        blocks.append(section(f"*Course*\n{esc(card.course)}"))
    for board in card.boards:
        blocks.append(divider())
        blocks += _leaderboard(board)
    return fit(blocks, MAX_HOME_BLOCKS)


def home_view(card: m.HomeCard) -> dict[str, Any]:
    return {"type": "home", "blocks": home_blocks(card)}


def all_texts(blocks: Iterable[Block]) -> list[str]:
    """Every text string in a list of blocks (for tests and for limit checks)."""
    out: list[str] = []
    for block in blocks:
        for key in ("text",):
            value = block.get(key)
            if isinstance(value, dict):
                out.append(str(value.get("text", "")))
        for item in block.get("fields", []) + block.get("elements", []):
            text = item.get("text")
            out.append(str(text.get("text", "")) if isinstance(text, dict) else str(text or ""))
    return out
