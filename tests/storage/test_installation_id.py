"""The installation id: one random id per database, the same for every process and restart on it, new for a
fresh database, and carried over by `respbot db copy` (a restored backup is the same deployment)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.ports import Repository
from storage import open_repository
from storage.copy import copy_database
from storage.repository import SqlRepository
from tests.conftest import PG_URL, fresh_pg_schema

HEX16 = re.compile(r"[0-9a-f]{16}")


def _pg_url(schema: str) -> str:
    return PG_URL + ("&" if "?" in PG_URL else "?") + f"search_path={schema}"


@pytest.fixture(params=["sqlite", "postgres"])
async def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """Two new, empty databases on one engine (PostgreSQL: a schema each, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/one.db", f"sqlite:///{tmp_path}/two.db"
        return
    async for first in fresh_pg_schema():
        async for second in fresh_pg_schema():
            yield _pg_url(first), _pg_url(second)


async def rows_of(repo: Repository) -> int:
    assert isinstance(repo, SqlRepository)
    return int(await repo.db.fetchval("SELECT COUNT(*) FROM installation_identity"))


async def test_one_id_per_database_across_instances_and_restarts(two_urls: tuple[str, str]) -> None:
    url = two_urls[0]
    first = await open_repository(url)
    try:
        assert await rows_of(first) == 0  # made on first use, not by the migration
        made = await first.installation_id()
        assert HEX16.fullmatch(made)
        assert await first.installation_id() == made
        second = await open_repository(url)  # another process on the same database
        try:
            assert await second.installation_id() == made
        finally:
            await second.close()
    finally:
        await first.close()
    again = await open_repository(url)  # a restart
    try:
        assert await again.installation_id() == made and await rows_of(again) == 1
    finally:
        await again.close()


async def test_instances_racing_on_a_new_database_agree_on_one_id(two_urls: tuple[str, str]) -> None:
    url = two_urls[0]
    repos = [await open_repository(url) for _ in range(4)]
    try:
        ids = await asyncio.gather(*(r.installation_id() for r in repos))
        assert len(set(ids)) == 1 and await rows_of(repos[0]) == 1
    finally:
        for r in repos:
            await r.close()


async def test_a_fresh_database_gets_its_own_id(two_urls: tuple[str, str]) -> None:
    ids = []
    for url in two_urls:
        repo = await open_repository(url)
        try:
            ids.append(await repo.installation_id())
        finally:
            await repo.close()
    assert ids[0] != ids[1]


async def test_db_copy_keeps_the_id(tmp_path: Path, two_urls: tuple[str, str]) -> None:
    """A copy is the same deployment moving (e.g. SQLite → PostgreSQL): its posts must stay recognisable."""
    source_url = f"sqlite:///{tmp_path}/source.db"
    source = await open_repository(source_url)
    try:
        made = await source.installation_id()
    finally:
        await source.close()
    target_url = two_urls[0]
    started = await open_repository(target_url)  # the bot started once on the new database, made its own id
    try:
        assert await started.installation_id() != made
    finally:
        await started.close()
    report = await copy_database(source_url, target_url)
    assert report.verified and {t.name: t.rows for t in report.tables}["installation_identity"] == 1
    target = await open_repository(target_url)
    try:
        assert await target.installation_id() == made
    finally:
        await target.close()
