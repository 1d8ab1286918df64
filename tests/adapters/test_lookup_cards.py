"""A lookup card's alternatives render as buttons on Slack, Discord and the console, with its note and
see-also lines; a card without them renders as before."""

from __future__ import annotations

from bot.adapters.discord.render import render as discord_render
from bot.adapters.slack.blocks import render as slack_render
from bot.adapters.text_render import render_text
from bot.core.messages import Button, LookupCard
from content.schema import Party

REF = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Welcome.html"
CARD = LookupCard(
    "Amazon RDS",
    "Database engine patching",
    Party.AWS,
    "AWS applies minor versions in your maintenance window.",
    REF,
    note="A note.",
    see_also=("scenario `rds-os-patching`: A Linux kernel vulnerability is announced",),
    buttons=(
        Button("Major engine version upgrades (Amazon RDS)", "lookup", "rds:major-engine-version-upgrades"),
        Button("Automated backups (Amazon RDS)", "lookup", "rds:automated-backups"),
    ),
)


def test_slack_renders_alternatives_as_buttons() -> None:
    blocks = slack_render(CARD).blocks
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == [
        "rds:major-engine-version-upgrades",
        "rds:automated-backups",
    ]
    text = str(blocks)
    assert "Not what you meant?" in text and "rds-os-patching" in text and "A note." in text
    plain = slack_render(LookupCard("Amazon RDS", "X", Party.AWS, "A reason here.", REF)).blocks
    assert not [b for b in plain if b["type"] == "actions"] and "Not what you meant?" not in str(plain)


def test_discord_renders_alternatives_as_buttons() -> None:
    rendered = discord_render(CARD, guild_id=42)
    (row,) = rendered.rows
    assert [b.custom_id for b in row] == [
        "rb@42:lookup:rds:major-engine-version-upgrades",
        "rb@42:lookup:rds:automated-backups",
    ]
    fields = {f.name: f.value for f in rendered.embeds[0].fields}
    assert "rds-os-patching" in str(fields["See also"]) and "Not what you meant?" in fields


def test_console_lists_alternatives() -> None:
    text = render_text(CARD)
    assert "Not what you meant?" in text and "[1] Major engine version upgrades" in text and "A note." in text
