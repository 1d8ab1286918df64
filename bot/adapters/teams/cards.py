"""Cards → Adaptive Cards (schema 1.4, the version Teams needs for Action.Execute). Pure: returns JSON-ready
dicts. Every button is an Action.Execute whose verb is the core's action, so a press arrives as an invoke
the bot answers privately, and buttons keep working after a restart (nothing is kept per message).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.adapters.engagement_text import recap_lines, reminder_text, season_lines
from bot.adapters.teams.translate import ANSWER_BUTTONS, ANSWER_VERB
from bot.core import messages as m

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
#: The element that carries a channel post's idempotency key, so the post can be found again.
KEY_ELEMENT = "rb-key"
TEXT = 4000  # per text block; a Teams message is capped near 28 KB in all
FILE_TEXT = 16_000
ACTIONS = 6
_BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_STYLES = {"primary": "positive", "danger": "destructive"}

Json = dict[str, Any]


def clip(text: str, limit: int = TEXT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def markdown(text: str) -> str:
    """Core text uses Slack's `*bold*`; Adaptive m.Card markdown wants `**bold**`."""
    return _BOLD.sub(r"**\1**", text)


def _text(text: str, **extra: Any) -> Json:
    return {"type": "TextBlock", "text": clip(markdown(text)), "wrap": True, **extra}


def _title(text: str) -> Json:
    return _text(text, weight="Bolder", size="Medium")


def _subtle(text: str, **extra: Any) -> Json:
    return _text(text, isSubtle=True, size="Small", **extra)


def _facts(pairs: Sequence[tuple[str, str]]) -> Json:
    return {"type": "FactSet", "facts": [{"title": clip(k, 200), "value": clip(v, 1000)} for k, v in pairs]}


def _action(title: str, verb: str, data: Json, style: str = "default") -> Json:
    action: Json = {"type": "Action.Execute", "title": clip(title, 60), "verb": verb, "data": data}
    if style in _STYLES:
        action["style"] = _STYLES[style]
    return action


def _buttons(buttons: Sequence[m.Button]) -> list[Json]:
    return [_action(b.label, b.action, {"v": b.value}, b.style) for b in list(buttons)[:ACTIONS]]


def card(body: Sequence[Json], actions: Sequence[Json] = (), key: str = "") -> Json:
    content: Json = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": list(body)}
    if key:
        content["body"].append(_subtle(key, id=KEY_ELEMENT))
    if actions:
        content["actions"] = list(actions)
    return content


def _when(at: datetime) -> str:
    """Teams shows `{{TIME(…)}}` in each reader's own time zone."""
    return "{{TIME(" + at.strftime("%Y-%m-%dT%H:%M:%SZ") + ")}}"


def scenario(c: m.ScenarioCard, key: str = "", answered: int = 0, closed: bool = False) -> Json:
    """The daily question with the three answer buttons (Teams has buttons only: its reactions can't carry
    three answers). `answered` is shown as a count, never as votes; a closed card has no buttons."""
    if closed:
        status = f"Closed · {answered} answered — the answer is in the replies."
    else:
        counted = f" · {answered} answered" if answered else ""
        status = f"Reveal at {_when(c.closes_at)}{counted}. Your answer stays private until then."
    body = [
        _title(f"Who's responsible? — {c.service}"),
        _text(c.prompt),
        _text(status, isSubtle=True, id="rb-status"),
        _subtle(f"{c.team_name} · scenario {c.scenario_id}"),
    ]
    actions = (
        []
        if closed
        else [_action(title, ANSWER_VERB, {"round": c.round_id, "choice": k}) for k, title in ANSWER_BUTTONS]
    )
    return card(body, actions, key)


def _leader(row: m.LeaderRow) -> str:
    return (
        f"**{row.rank}.** {row.name} — {row.points} pts · {row.correct}/{row.answered} ({row.accuracy:.0%})"
    )


def _board(c: m.LeaderboardCard) -> list[Json]:
    lines = [_leader(r) for r in c.rows] or ["Nobody has scored yet — answer today's scenario!"]
    body = [_title(c.title), _text("\n\n".join(lines))]
    if c.me:
        body.append(_subtle(f"You: #{c.me.rank} with {c.me.points} pts"))
    return body


def _stats(c: m.StatsCard) -> list[Json]:
    facts = [
        ("Points", str(c.points)),
        ("Accuracy", f"{c.accuracy:.0%} ({c.correct}/{c.answered})"),
        ("Streak", f"{c.current_streak} (best {c.best_streak})"),
    ]
    if c.weakest_topics:
        facts.append(("Weakest topics", ", ".join(f"{t}: {a:.0%}" for t, a in c.weakest_topics)))
    if c.practice_answered:
        facts.append(("Practice", f"{c.practice_correct}/{c.practice_answered} right"))
    if c.course:
        facts.append(("Course", c.course))
    if c.achievements:
        facts.append(("Achievements", " · ".join(c.achievements)))
    return [_title(f"Stats — {c.name}"), _facts(facts)]


def _links(references: Sequence[str]) -> Json:
    return _text("Read more: " + " · ".join(f"[{_short(u)}]({u})" for u in references))


def _short(url: str) -> str:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return clip(tail or url, 60)


def reveal(c: m.RevealCard, key: str = "") -> Json:
    right = m.option_for(c.answer)
    votes = " · ".join(f"{m.option_for(p).emoji} {m.option_for(p).label}: {n}" for p, n in c.votes)
    body = [
        _title(f"Answer: {right.emoji} {right.label}"),
        _text(c.explanation),
        _facts([("Votes", votes), ("Right", f"{c.correct_count} of {c.total}")]),
    ]
    if c.top:
        body.append(_text("**This week**\n\n" + "\n\n".join(_leader(r) for r in c.top)))
    if c.credit:
        body.append(_subtle(f"💬 {c.credit}"))
    if c.achievements:
        body.append(_text("🏅 " + " · ".join(c.achievements)))
    if c.references:
        body.append(_links(c.references))
    body.append(_subtle(" · ".join(p for p in (f"scenario {c.scenario_id}", m.level_label(c.level)) if p)))
    return card(body, _buttons(c.buttons), key)


def render(c: m.Card, key: str = "", chart: bytes | None = None) -> Json:
    """Any card as an Adaptive m.Card; `key` marks a channel post so it can be found again after a crash;
    `chart` is a recap's chart (PNG) drawn beforehand out of process — without one the recap has none."""
    match c:
        case m.ScenarioCard():
            return scenario(c, key)
        case m.RevealCard():
            return reveal(c, key)
        case m.TextReply():
            body = ([_title(c.title)] if c.title else []) + [_text(c.text)]
            return card(body, _buttons(c.buttons), key)
        case m.LeaderboardCard():
            return card(_board(c), key=key)
        case m.TeamRankingCard():
            lines = [
                f"**{r.rank}.** {r.team} — {r.points_per_member:.1f} pts/member · {r.points} pts · "
                f"{r.active_members} active · {r.participation:.0%} participation"
                for r in c.rows
            ] or ["No team has scored this month yet."]
            return card([_title(c.title), _text("\n\n".join(lines))], key=key)
        case m.StatsCard():
            return card(_stats(c), key=key)
        case m.LessonCard():
            body = [
                _title(f"Lesson {c.order}/{c.total}: {c.title}"),
                _text(c.body),
                _text(f"**{c.question}**"),
            ]
            if c.references:
                body.append(_links(c.references))
            return card(body, _buttons(c.buttons), key)
        case m.PracticeCard():
            body = [_title(f"Practice — {c.service}"), _text(c.prompt)]
            if c.note:
                body.append(_subtle(c.note))
            return card(body, _buttons(c.buttons), key)
        case m.LookupCard():
            party = m.option_for(c.party)
            body = [
                _title(f"{c.service}: {c.control}"),
                _text(f"**{party.emoji} {party.label}** — {c.reason}"),
            ]
            if c.reference:
                body.append(_links([c.reference]))
            return card(body, key=key)
        case m.FileCard():
            return file_card(c)
        case m.HomeCard():
            body = _stats(c.stats)
            for board in c.boards:
                body += _board(board)
            return card(body, key=key)
        case m.ReminderCard():
            return card([_text(reminder_text(c))], key=key)  # pings in Teams need entities: never sent
        case m.RecapCard():
            return recap_card(c, key, chart)
        case m.SeasonCard():
            title, lines = season_lines(c, str)
            return card([_title(title), _text("\n\n".join(lines))], key=key)
    return card([_text("—")])  # pragma: no cover - every card type is matched above


#: Recap charts in Teams are inline data: URIs; 72 dpi keeps the card well inside Teams' size limit.
CHART_DPI = 72


def recap_card(c: m.RecapCard, key: str, png: bytes | None = None) -> Json:
    """The recap with its chart inline: an Adaptive m.Card Image with a data: URI (Teams renders PNG ones)."""
    title, lines = recap_lines(c, str)
    body = [_title(title), _text("\n\n".join(lines))]
    if png is not None:
        chart = base64.b64encode(png).decode("ascii")
        body.append(
            {"type": "Image", "url": f"data:image/png;base64,{chart}", "altText": "Accuracy by topic"}
        )
    return card(body, key=key)


def file_card(c: m.FileCard) -> Json:
    """A bot cannot attach a file in Teams without the file-consent flow; the CSV goes inline, monospaced."""
    body = [_title(c.title)]
    if c.comment:
        body.append(_text(c.comment))
    content = c.content if len(c.content) <= FILE_TEXT else c.content[:FILE_TEXT] + "\n… (truncated)"
    body.append(
        {"type": "TextBlock", "text": content, "wrap": True, "fontType": "Monospace", "size": "Small"}
    )
    body.append(_subtle(c.filename))
    return card(body)


def summary(c: m.Card) -> str:
    """The plain text of a card: the notification preview and what an invoke response shows."""
    match c:
        case m.TextReply():
            return markdown(c.text)
        case m.ScenarioCard():
            return f"Who's responsible? — {c.service}"
        case m.RevealCard():
            return f"Answer: {m.option_for(c.answer).label}"
        case m.LeaderboardCard() | m.TeamRankingCard():
            return c.title
        case m.StatsCard():
            return f"Stats — {c.name}"
        case m.LessonCard():
            return f"Lesson {c.order}/{c.total}: {c.title}"
        case m.PracticeCard():
            return f"Practice — {c.service}"
        case m.LookupCard():
            return f"{c.service}: {c.control}"
        case m.FileCard():
            return c.title
        case m.HomeCard():
            return f"Stats — {c.stats.name}"
    return ""  # pragma: no cover


def find_key(content: object, key: str) -> bool:
    """Whether an Adaptive m.Card (as Graph returns it: a dict or its JSON text) is marked with `key`."""
    if isinstance(content, str):
        import json

        try:
            content = json.loads(content)
        except ValueError:
            return False
    if not isinstance(content, dict):
        return False
    body = content.get("body")
    for element in body if isinstance(body, list) else []:
        if isinstance(element, dict) and element.get("id") == KEY_ELEMENT and element.get("text") == key:
            return True
    return False
