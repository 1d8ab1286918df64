"""Storage: one Repository API, chosen by URL scheme (sqlite:///path or postgresql://…)."""

from __future__ import annotations

from storage.protocol import Repository

__all__ = ["Repository", "open_repository", "redact_url"]


def redact_url(url: str) -> str:
    """A database URL fit for a log line or an error: the password replaced."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"


async def open_repository(url: str, *, migrate: bool = True) -> Repository:
    """Open (and by default migrate) the repository a URL names."""
    if url.startswith("sqlite://"):
        from storage.sqlite import SqliteRepository

        path = url.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel/path → rel/path; ////abs → /abs
        return await SqliteRepository.open(path or ":memory:", migrate=migrate)
    if url.startswith(("postgresql://", "postgres://")):
        from storage.postgres import PostgresRepository

        return await PostgresRepository.open(url, migrate=migrate)
    raise ValueError(
        f"unsupported DATABASE_URL {redact_url(url)!r}: use sqlite:///path/to/file.db or postgresql://…"
    )
