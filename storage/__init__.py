"""Storage: one Repository API, chosen by URL scheme (sqlite:///path or postgresql://…)."""

from __future__ import annotations

from bot.core.ports import Repository
from storage.opening import DatabaseOpenError, postgres_failure, sqlite_failure
from storage.urls import (
    SECRET_QUERY_KEYS,
    DatabaseUrlError,
    PostgresTarget,
    SqliteTarget,
    parse_database_url,
    redact_url,
    url_secrets,
)

__all__ = [
    "SECRET_QUERY_KEYS",
    "DatabaseOpenError",
    "DatabaseUrlError",
    "Repository",
    "open_repository",
    "parse_database_url",
    "redact_url",
    "url_secrets",
]


async def open_repository(url: str, *, migrate: bool = True) -> Repository:
    """Open (and by default migrate) the repository a URL names.

    Raises DatabaseUrlError for a URL that names no usable database, DatabaseOpenError (one printable line,
    naming the file or the redacted URL) when it cannot be opened or migrated, and DatabaseTooNewError as it
    is. Nothing is left open on any failure, so a command that fails here exits at once.
    """
    from storage.migrate import DatabaseTooNewError

    target = parse_database_url(url)
    if isinstance(target, SqliteTarget):
        from storage.sqlite import SqliteRepository

        try:
            return await SqliteRepository.open(target.path, migrate=migrate)
        except DatabaseTooNewError:
            raise
        except Exception as exc:
            raise sqlite_failure(target, exc) from exc
    assert isinstance(target, PostgresTarget)
    from storage.postgres import PostgresRepository

    try:
        return await PostgresRepository.open(target.url, migrate=migrate)
    except DatabaseTooNewError:
        raise
    except Exception as exc:
        raise postgres_failure(target, exc) from None
