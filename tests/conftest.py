"""Shared fixtures: storage backends for the contract suite, a small content bundle, an engine harness."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

from bot.core.ports import Repository
from storage.sqlite import SqliteRepository

# Property tests: a few hundred examples in the default run, thousands with HYPOTHESIS_PROFILE=slow
# (`make test-slow`). No deadline: these machines are noisy and a deadline would make tests flaky.
settings.register_profile(
    "default", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "slow", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgres"]


async def fresh_pg_schema() -> AsyncIterator[str]:
    """A fresh, empty schema in the test database, dropped afterwards. Skips with a reason when PostgreSQL
    is not configured or reachable — or fails, when REQUIRE_POSTGRES=1 (CI) says it must be there."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    try:
        import asyncpg
    except ImportError:
        if REQUIRE_PG:
            raise
        pytest.skip("asyncpg is not installed (pip install -e '.[postgres]')")
    try:
        conn = await asyncpg.connect(PG_URL)
    except (OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {type(exc).__name__}")
        pytest.skip(f"PostgreSQL unreachable at TEST_DATABASE_URL: {type(exc).__name__}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    async for schema in fresh_pg_schema():
        yield schema


async def _postgres_repo() -> AsyncIterator[Repository]:
    from storage.postgres import PostgresRepository

    async for schema in fresh_pg_schema():
        repo = await PostgresRepository.open(PG_URL, schema=schema)
        try:
            yield repo
        finally:
            await repo.close()


@pytest.fixture(params=BACKENDS)
async def repo(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Repository]:
    """Every backend, for the storage contract and for core tests that must hold on both."""
    if request.param == "sqlite":
        r = await SqliteRepository.open(f"{tmp_path}/test.db")
        try:
            yield r
        finally:
            await r.close()
    else:
        async for pg in _postgres_repo():
            yield pg


@pytest.fixture
async def sqlite_repo(tmp_path: object) -> AsyncIterator[Repository]:
    r = await SqliteRepository.open(f"{tmp_path}/test.db")
    try:
        yield r
    finally:
        await r.close()
