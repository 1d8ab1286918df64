"""Issue 12 item 1 on Slack: a new deployment (a fresh database, or a backup restored from before some
rounds) in a channel that holds an earlier deployment's posts never adopts an old post as today's."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import RoundState
from storage.sqlite import SqliteRepository
from tests.adapters.slack.conftest import CHANNEL, TEAM, build_world, close_world, populate, slack_settings
from tests.fakes.fake_slack import FakeSlack


async def test_a_fresh_database_posts_its_own_round_one(fake: FakeSlack, tmp_path: Path) -> None:
    ws = populate(fake)
    settings = slack_settings(fake, "socket", slack_bot_token=ws.token)
    old_repo = await SqliteRepository.open(str(tmp_path / "old.db"))
    old = await build_world(fake, old_repo, "socket", settings)
    try:
        await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
        (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "post-now")
        assert reply.text.startswith("📣 Posted today's scenario (round 1)")
    finally:
        await close_world(old)
        await old_repo.close()

    new_repo = await SqliteRepository.open(str(tmp_path / "new.db"))  # a new install: ids restart at 1
    new = await build_world(fake, new_repo, "socket", settings)
    try:
        await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
        (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "post-now")
        assert reply.text.startswith("📣 Posted today's scenario (round 1)")
        old_post, new_post = ws.posts(CHANNEL)  # a second, real post — the old one was not adopted
        rnd = await new.round_of(new_post)
        assert rnd.state is RoundState.POSTED and rnd.message_id == new_post.ts != old_post.ts
        assert await new_repo.installation_id() != await old_repo.installation_id()
    finally:
        await close_world(new)
        await new_repo.close()
