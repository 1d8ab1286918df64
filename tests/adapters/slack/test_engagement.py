"""Reminder, weekly recap (with its chart uploaded into the thread) and season post through the real Slack
adapter and FakeSlack."""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta

import pytest

from bot.adapters.chart_process import CHARTS
from bot.adapters.slack.translate import METADATA_EVENT_TYPE, PARTY_REACTION
from tests.adapters.slack.conftest import CHANNEL, MONDAY, PEOPLE, TEAM, SlackWorld

THURSDAY = MONDAY.replace(day=3, month=12)
FRIDAY = THURSDAY + timedelta(days=1)


async def test_reminder_with_a_group_ping_then_the_recap_with_its_chart(socket_world: SlackWorld) -> None:
    world, fake = socket_world, socket_world.fake
    ws = world.ws()
    world.clock.set(THURSDAY)
    (reply,) = await fake.command(
        TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h ping <!subteam^S0OPS|@ops>"
    )
    assert reply.text.startswith("✅"), reply.body
    await world.tick_at(THURSDAY.replace(hour=9, minute=30))
    (thursday,) = world.posts()
    for uid in PEOPLE:
        await fake.react(TEAM, uid, CHANNEL, thursday.ts, PARTY_REACTION[world.engine.content.scenarios[
            (await world.round_of(thursday)).scenario_id].answer])  # fmt: skip
    await fake.wait_until(lambda: len(ws.ephemerals) == 5)
    await world.tick_at(THURSDAY.replace(hour=12, minute=31))
    assert len(ws.replies(CHANNEL, thursday.ts)) == 0  # everyone answered: no reminder
    await world.tick_at(THURSDAY.replace(hour=13, minute=31))

    await world.tick_at(FRIDAY.replace(hour=9, minute=30))
    friday = world.posts()[-1]
    await fake.react(TEAM, "UANN", CHANNEL, friday.ts, "cloud")
    await fake.wait_until(lambda: len(ws.ephemerals) == 6)
    await world.tick_at(FRIDAY.replace(hour=12, minute=31))
    await world.tick_at(FRIDAY.replace(hour=12, minute=45))
    (reminder,) = ws.replies(CHANNEL, friday.ts)
    assert "1 of 5 regulars have answered" in reminder.text
    assert reminder.text.startswith("<!subteam^S0OPS|@ops>")
    assert reminder.metadata is not None and reminder.metadata["event_type"] == METADATA_EVENT_TYPE

    await world.tick_at(FRIDAY.replace(hour=13, minute=31))  # reveal, then the week's recap
    recap = world.posts()[-1]
    assert recap.text.startswith("📅 Week 49 recap") and recap.ts != friday.ts
    (upload,) = fake.uploads.values()
    assert upload.channel == CHANNEL and upload.thread_ts == recap.ts
    assert upload.content.startswith(b"\x89PNG") and upload.filename == "recap-2026-W49.png"
    await world.tick_at(FRIDAY.replace(hour=15))
    assert len(world.posts()) == 3 and len(fake.uploads) == 1  # one recap, one chart
    # A restarted process (nothing remembered) posting the same recap again: found, and its chart too.
    world.adapter.poster._keyed.clear()
    team = await world.repo.get_team(world.channel())
    assert team is not None
    card = await world.engine.recaps.recap(team, "w:2026-W49")
    key = f"recap-{await world.repo.installation_id()}-{team.id}-w:2026-W49"
    again = await world.adapter.post_card(world.channel(), card, key)
    assert again.message_id == recap.ts and len(world.posts()) == 3 and len(fake.uploads) == 1


async def test_season_champions_on_the_first_working_day_of_december(socket_world: SlackWorld) -> None:
    world, fake = socket_world, socket_world.fake
    (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h recap off")
    assert reply.text.startswith("✅"), reply.body
    await world.tick_at(MONDAY.replace(hour=9, minute=30))  # Mon 30 Nov
    (november,) = world.posts()
    await fake.react(TEAM, "UANN", CHANNEL, november.ts, "cloud")
    await fake.wait_until(lambda: len(world.ws().ephemerals) == 1)
    await world.tick_at(MONDAY.replace(hour=13, minute=31))
    december = MONDAY.replace(day=1, month=12)
    await world.tick_at(december.replace(hour=9, minute=30))
    await world.tick_at(december.replace(hour=13, minute=31))  # the first reveal of December
    season = world.posts()[-1]
    assert season.text.startswith("🏆 November 2026 season champions — #cloud-team")
    assert season.metadata is not None and "season-" in str(season.metadata)
    await world.tick_at(december.replace(hour=15))
    assert len(world.posts()) == 3  # November's round, December's round, one season post


async def test_a_recap_whose_chart_cannot_be_drawn_goes_out_without_it(
    socket_world: SlackWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world, fake = socket_world, socket_world.fake
    (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h")
    assert reply.text.startswith("✅"), reply.body
    team = await world.repo.get_team(world.channel())
    assert team is not None
    card = await world.engine.recaps.recap(team, "w:2026-W49")

    async def died(*_: object) -> bytes:
        raise BrokenProcessPool("the chart process was killed")

    monkeypatch.setattr(CHARTS, "png", died)
    posted = await world.adapter.post_card(world.channel(), card, "recap-chartless")
    assert [p.ts for p in world.posts()] == [posted.message_id] and fake.uploads == {}
    assert "could not draw the recap chart" in caplog.text
