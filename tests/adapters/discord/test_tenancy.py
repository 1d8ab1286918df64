"""Two servers on one bot never see each other's data."""

from __future__ import annotations

from bot.core.ports import Repository
from tests.adapters.discord.conftest import MONDAY, start_bot
from tests.adapters.discord.helpers import EMOJI, bot_posts, channel_of, command, round_of, text_of
from tests.fakes.fake_discord import FakeDiscord


async def test_two_guilds_never_see_each_others_data(fake: FakeDiscord, db: Repository) -> None:
    acme = fake.add_guild("Acme", channels=("aws-study",))
    globex = fake.add_guild("Globex", channels=("aws-study",))
    acme_admin, globex_admin = (
        fake.add_member(acme, "alice", admin=True),
        fake.add_member(globex, "gina", admin=True),
    )
    ann, bob = fake.add_member(acme, "ann"), fake.add_member(acme, "bob")
    zed = fake.add_member(globex, "zed")
    bot = await start_bot(fake, db)
    try:
        await command(bot, acme, acme_admin, "setup", time="09:30", tz="UTC")
        await command(bot, globex, globex_admin, "setup", time="09:30", tz="UTC")
        assert set(fake.command_syncs) == {acme.id, globex.id}
        bot.clock.set(MONDAY.replace(hour=9, minute=30))
        await bot.engine.tick()
        (acme_post,) = bot_posts(bot, channel_of(acme))
        (globex_post,) = bot_posts(bot, channel_of(globex))
        acme_round = await round_of(bot, acme, channel_of(acme), acme_post)
        globex_round = await round_of(bot, globex, channel_of(globex), globex_post)
        acme_answer = bot.engine.content.scenarios[acme_round.scenario_id].answer
        globex_answer = bot.engine.content.scenarios[globex_round.scenario_id].answer
        await fake.react(channel_of(acme), int(acme_post["id"]), ann.id, EMOJI[acme_answer])
        await fake.react(channel_of(acme), int(acme_post["id"]), bob.id, EMOJI[acme_answer])
        await fake.react(channel_of(globex), int(globex_post["id"]), zed.id, EMOJI[globex_answer])
        await fake.wait_until(lambda: all(fake.dms_to(p) for p in (ann, bob, zed)))
        bot.clock.set(MONDAY.replace(hour=13, minute=30))
        await bot.engine.tick()

        (acme_board,) = await command(bot, acme, ann, "leaderboard", period="all")
        (globex_board,) = await command(bot, globex, zed, "leaderboard", period="all")
        assert (
            "Ann" in text_of(acme_board) and "Bob" in text_of(acme_board) and "Zed" not in text_of(acme_board)
        )
        assert "Zed" in text_of(globex_board) and "Ann" not in text_of(globex_board)

        (acme_csv,) = (await command(bot, acme, acme_admin, "export", period="all"))[0]["attachments"]
        (globex_csv,) = (await command(bot, globex, globex_admin, "export", period="all"))[0]["attachments"]
        assert str(ann.id) in acme_csv["_bytes"] and str(zed.id) not in acme_csv["_bytes"]
        assert str(zed.id) in globex_csv["_bytes"] and str(ann.id) not in globex_csv["_bytes"]

        (stats,) = await command(bot, globex, zed, "stats", person=ann)  # a person from the other server
        assert "no activity for that person" in text_of(stats)
    finally:
        await bot.adapter.stop()
