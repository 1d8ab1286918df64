"""Storage: one Repository API, chosen by URL scheme (sqlite:///path or postgresql://…)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.core.ports import Repository

__all__ = ["SECRET_QUERY_KEYS", "Repository", "open_repository", "redact_url"]

#: Connection-string query parameters that carry a secret (libpq / asyncpg names).
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


def redact_url(url: str) -> str:
    """A database URL fit for a log line or an error: passwords replaced, in the user part and the query."""
    parts = urlsplit(url)
    query_keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if "@" not in parts.netloc and not query_keys & SECRET_QUERY_KEYS:
        return url  # nothing secret in it (and urlunsplit would turn sqlite:/// into sqlite:/)
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in creds else f"{user}@{host}"
    query = urlencode(
        [
            (k, "***" if k.lower() in SECRET_QUERY_KEYS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


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
