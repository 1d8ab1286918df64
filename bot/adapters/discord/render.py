"""Cards → Discord messages: embeds plus button rows, always within Discord's limits.

Rendering is pure (no client, no loop): it returns a `Rendered` value; the adapter turns its button rows
into a discord.py View when sending. Slack-style `*bold*` in core text becomes Discord's `**bold**`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import discord

from bot.adapters.discord.translate import MAX_CUSTOM_ID, custom_id
from bot.adapters.engagement_text import recap_lines, reminder_text, season_lines
from bot.core import messages as m

# Discord limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
TOTAL = 6000
EMBEDS = 10
LABEL = 80
PER_ROW = 5
ROWS = 5

COLOUR = discord.Colour(0xFF9900)  # AWS orange
_ROLE = re.compile(r"^<@&(\d{5,20})>$")
_BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_STYLES = {"primary": discord.ButtonStyle.primary, "danger": discord.ButtonStyle.danger}


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    label: str
    custom_id: str
    style: discord.ButtonStyle = discord.ButtonStyle.secondary


@dataclass(frozen=True, slots=True)
class Rendered:
    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    rows: tuple[tuple[ButtonSpec, ...], ...] = ()
    file: tuple[str, bytes] | None = None  # (filename, bytes), sent as an attachment
    footer_key: str = field(default="", compare=False)
    ping_roles: tuple[int, ...] = ()  # the only mentions a message may ping: a configured reminder role


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def markdown(text: str) -> str:
    """Core text uses Slack's `*bold*`; Discord wants `**bold**`."""
    return _BOLD.sub(r"**\1**", text)


def _embed(
    title: str = "",
    description: str = "",
    fields: Sequence[tuple[str, str, bool]] = (),
    footer: str = "",
) -> discord.Embed:
    embed = discord.Embed(
        title=clip(title, TITLE) or None,
        description=clip(markdown(description), DESCRIPTION) or None,
        colour=COLOUR,
    )
    for name, value, inline in list(fields)[:FIELDS]:
        embed.add_field(
            name=clip(name, FIELD_NAME) or "\u200b",
            value=clip(markdown(value), FIELD_VALUE) or "—",
            inline=inline,
        )
    if footer:
        embed.set_footer(text=clip(footer, FOOTER))
    return embed


def _fit(embeds: Sequence[discord.Embed]) -> tuple[discord.Embed, ...]:
    """Keep the message under the 6000-character total by shortening the longest descriptions."""
    out = list(embeds)[:EMBEDS]
    while sum(len(e) for e in out) > TOTAL:
        longest = max(out, key=lambda e: len(e.description or ""))
        excess = sum(len(e) for e in out) - TOTAL
        text = longest.description or ""
        if not text:
            longest.remove_field(len(longest.fields) - 1)
            continue
        longest.description = clip(text, max(1, len(text) - excess - 1))
    return tuple(out)


def _rows(buttons: Sequence[m.Button], guild_id: int | None) -> tuple[tuple[ButtonSpec, ...], ...]:
    specs: list[ButtonSpec] = []
    for b in list(buttons)[: PER_ROW * ROWS]:
        cid = custom_id(b.action, b.value, guild_id)
        if len(cid) > MAX_CUSTOM_ID:
            cid = custom_id(b.action, b.value)  # drop the tenant before the data
        if len(cid) > MAX_CUSTOM_ID:
            continue  # cannot be represented; the grammar offers the same action as a command
        specs.append(
            ButtonSpec(clip(b.label, LABEL), cid, _STYLES.get(b.style, discord.ButtonStyle.secondary))
        )
    return tuple(tuple(specs[i : i + PER_ROW]) for i in range(0, len(specs), PER_ROW))


def _when(at: datetime) -> str:
    stamp = int(at.timestamp())
    return f"<t:{stamp}:t> (<t:{stamp}:R>)"


def _leader_line(row: m.LeaderRow) -> str:
    return (
        f"**{row.rank}.** {row.name} — {row.points} pts · {row.correct}/{row.answered} ({row.accuracy:.0%})"
    )


def _board_embed(card: m.LeaderboardCard) -> discord.Embed:
    lines = [_leader_line(r) for r in card.rows] or ["Nobody has scored yet — answer today's scenario!"]
    footer = f"You: #{card.me.rank} with {card.me.points} pts" if card.me else ""
    return _embed(card.title, "\n".join(lines), footer=footer)


def _stats_embed(card: m.StatsCard) -> discord.Embed:
    fields: list[tuple[str, str, bool]] = [
        ("Points", str(card.points), True),
        ("Accuracy", f"{card.accuracy:.0%} ({card.correct}/{card.answered})", True),
        ("Streak", f"{card.current_streak} (best {card.best_streak})", True),
    ]
    if card.weakest_topics:
        fields.append(("Weakest topics", "\n".join(f"{t}: {a:.0%}" for t, a in card.weakest_topics), False))
    if card.practice_answered:
        fields.append(("Practice", f"{card.practice_correct}/{card.practice_answered} right", True))
    if card.course:
        fields.append(("Course", card.course, False))
    if card.achievements:
        fields.append(("Achievements", " · ".join(card.achievements), False))
    return _embed(f"Stats — {card.name}", fields=fields)


def render(
    card: m.Card, guild_id: int | None = None, footer_key: str = "", chart: bytes | None = None
) -> Rendered:
    """`guild_id` is set for cards sent by DM, so their buttons carry the server; `footer_key` marks a
    channel post with its idempotency key, so a retry can find it in the channel's history; `chart` is a
    recap's chart (PNG), drawn beforehand out of process (chart_process.py) — without one the recap has none."""
    rendered = (
        _engagement(card, chart)
        if isinstance(card, m.ReminderCard | m.RecapCard | m.SeasonCard)
        else _render(card, guild_id)
    )
    if footer_key and rendered.embeds:
        first = rendered.embeds[0]
        text = first.footer.text or ""
        room = FOOTER - len(footer_key) - 3  # the key must survive clipping: recovery looks for it
        first.set_footer(text=f"{clip(text, room)} · {footer_key}" if text else footer_key)
    return Rendered(
        rendered.content, _fit(rendered.embeds), rendered.rows, rendered.file, footer_key, rendered.ping_roles
    )


def _reveal_embed(card: m.RevealCard) -> discord.Embed:
    right = m.option_for(card.answer)
    votes = " · ".join(f"{m.option_for(p).emoji} {m.option_for(p).label}: {n}" for p, n in card.votes)
    fields: list[tuple[str, str, bool]] = [
        ("Votes", votes, False),
        ("Right", f"{card.correct_count} of {card.total}", True),
    ]
    if card.top:
        fields.append(("This week", "\n".join(_leader_line(r) for r in card.top), False))
    fields += _reveal_extras(card)
    if card.references:
        fields.append(("Read more", "\n".join(card.references), False))
    footer = " · ".join(p for p in (f"scenario {card.scenario_id}", m.level_label(card.level)) if p)
    return _embed(f"Answer: {right.emoji} {right.label}", card.explanation, fields=fields, footer=footer)


def _render(card: m.Card, guild_id: int | None) -> Rendered:
    match card:
        case m.TextReply():
            rows = _rows(card.buttons, guild_id)
            text = markdown(card.text)
            if not card.title and len(text) <= CONTENT:
                return Rendered(content=text, rows=rows)
            return Rendered(embeds=(_embed(card.title, card.text),), rows=rows)
        case m.ScenarioCard():
            how = (
                "Press a button below — your answer stays private until the reveal."
                if card.mode == "buttons"
                else "React with "
                + " · ".join(f"{o.emoji} {o.label}" for o in m.OPTIONS)
                + ". Your first reaction counts."
            )
            embed = _embed(
                f"Who's responsible? — {card.service}",
                card.prompt,
                fields=[("How to answer", how, False), ("Reveal", _when(card.closes_at), True)],
                footer=f"{card.team_name} · scenario {card.scenario_id}",
            )
            return Rendered(embeds=(embed,), rows=_rows(card.buttons, guild_id))
        case m.RevealCard():
            return Rendered(embeds=(_reveal_embed(card),), rows=_rows(card.buttons, guild_id))
        case m.LeaderboardCard():
            return Rendered(embeds=(_board_embed(card),))
        case m.TeamRankingCard():
            lines = [
                f"**{r.rank}.** {r.team} — {r.points_per_member:.1f} pts/member · {r.points} pts · "
                f"{r.active_members} active · {r.participation:.0%} participation"
                for r in card.rows
            ] or ["No team has scored this month yet."]
            return Rendered(embeds=(_embed(card.title, "\n".join(lines)),))
        case m.StatsCard():
            return Rendered(embeds=(_stats_embed(card),))
        case m.LessonCard():
            fields = [("Check question", card.question, False)]
            if card.references:
                fields.append(("Read more", "\n".join(card.references), False))
            embed = _embed(f"Lesson {card.order}/{card.total}: {card.title}", card.body, fields=fields)
            return Rendered(embeds=(embed,), rows=_rows(card.buttons, guild_id))
        case m.PracticeCard():
            embed = _embed(f"Practice — {card.service}", card.prompt, footer=card.note or "")
            return Rendered(embeds=(embed,), rows=_rows(card.buttons, guild_id))
        case m.LookupCard():
            party = m.option_for(card.party)
            fields = [("Reference", card.reference, False)] if card.reference else []
            fields += [("See also", "\n".join(card.see_also), False)] if card.see_also else []
            fields += [("Not what you meant?", "Pick one below.", False)] if card.buttons else []
            body = f"**{party.emoji} {party.label}** — {card.reason}" + (
                f"\n{card.note}" if card.note else ""
            )
            embed = _embed(f"{card.service}: {card.control}", body, fields=fields)
            return Rendered(embeds=(embed,), rows=_rows(card.buttons, guild_id))
        case m.FileCard():
            text = markdown(f"**{card.title}**" + (f"\n{card.comment}" if card.comment else ""))
            return Rendered(content=clip(text, CONTENT), file=(card.filename, card.content.encode("utf-8")))
        case m.HomeCard():
            embeds = [_stats_embed(card.stats), *(_board_embed(b) for b in card.boards)]
            return Rendered(embeds=tuple(embeds[:EMBEDS]))
    return Rendered(content="")  # pragma: no cover - every card type is matched above


def _reveal_extras(card: m.RevealCard) -> list[tuple[str, str, bool]]:
    """What this round earned, and whose question it was."""
    extras = [("🏅 Achievements", "\n".join(card.achievements), False)] if card.achievements else []
    return extras + ([("💬 From the team", card.credit, False)] if card.credit else [])


def _engagement(card: m.ReminderCard | m.RecapCard | m.SeasonCard, chart: bytes | None) -> Rendered:
    """The reminder (pinging only a configured role), the recap with its chart attached, the season post."""
    match card:
        case m.ReminderCard():
            role = _ROLE.match(card.ping)
            ping = card.ping if role else ""
            return Rendered(  # an embed, so the footer key finds it again after a crash
                content=ping or None,
                embeds=(_embed(description=reminder_text(card)),),
                ping_roles=(int(role.group(1)),) if role else (),
            )
        case m.RecapCard():
            title, lines = recap_lines(card, str)
            embed = _embed(title, "\n".join(lines))
            if chart is None:
                return Rendered(embeds=(embed,))
            embed.set_image(url=f"attachment://{card.chart_name}")
            return Rendered(embeds=(embed,), file=(card.chart_name, chart))
    title, lines = season_lines(card, str)
    return Rendered(embeds=(_embed(title, "\n".join(lines)),))
