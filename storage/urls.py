"""Database URLs: which engine and where, checked before anything connects; and how to show one safely.

Redaction works on the raw text, not on a parsed URL: a password with an unencoded `/`, `#`, `?` or `@` makes
`urlsplit` put part of the password in the host, the path or the query, and an error message built from those
parts would print it. Everything between `scheme://` and the last `@` is treated as credentials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

#: Connection-string query parameters that carry a secret (libpq / asyncpg names).
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})

_SECRET_QUERY = re.compile(r"(?i)([?&;](?:" + "|".join(SECRET_QUERY_KEYS) + r")=)[^&#;]*")
_SQLITE_HELP = (
    "write a file path after sqlite:/// — sqlite:///data/respbot.db (relative to the working directory) or "
    "sqlite:////var/lib/respbot/respbot.db (absolute, four slashes)"
)
_ENCODE_HELP = (
    "percent-encode special characters in the user name and password (/ as %2F, # as %23, ? as %3F, "
    "@ as %40, : as %3A)"
)


class DatabaseUrlError(ValueError):
    """DATABASE_URL (or --db/--url/--from/--to) is not usable; the message never holds a credential."""


@dataclass(frozen=True, slots=True)
class SqliteTarget:
    path: str  # a file path, or ":memory:" only when asked for by name

    @property
    def shown(self) -> str:
        """The path as an operator recognises it: absolute, so a relative one is not a riddle."""
        return self.path if self.path == ":memory:" else str(Path(self.path).absolute())


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    url: str


DatabaseTarget = SqliteTarget | PostgresTarget


def _credentials_span(url: str) -> tuple[int, int] | None:
    """Where the `user:password` part is: from after `scheme://` to the last `@` (None: no credentials)."""
    start = url.find("://")
    start = 0 if start < 0 else start + 3
    end = url.rfind("@")
    return (start, end) if end >= start else None


def redact_url(url: str) -> str:
    """A database URL fit for a log line or an error: the password replaced by `***` wherever it is,
    however malformed the URL (in the user part, and `password=` in the query)."""
    span = _credentials_span(url)
    if span is not None:
        start, end = span
        user = url[start:end].split(":", 1)[0]
        masked = f"{user}:***" if ":" in url[start:end] else user
        url = url[:start] + masked + url[end:]
    return _SECRET_QUERY.sub(r"\1***", url)


def url_secrets(url: str) -> list[str]:
    """The secret values inside a URL (the password and secret query values) for the log scrubber — found
    the same way redact_url finds them, so a malformed URL cannot hide one."""
    found: list[str] = []
    span = _credentials_span(url)
    if span is not None:
        creds = url[span[0] : span[1]]
        if ":" in creds:
            found.append(creds.split(":", 1)[1])
    for match in _SECRET_QUERY.finditer(url):
        value = url[match.end(1) : match.end()]
        found.append(value)
    return [v for v in found if v]


def parse_database_url(url: str) -> DatabaseTarget:
    """Which database a URL names. Raises DatabaseUrlError, saying how to write it, for anything else."""
    if "\x00" in url:
        raise DatabaseUrlError("the database URL contains a NUL character")
    if url.startswith("sqlite:"):
        return _sqlite(url)
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres(url)
    raise DatabaseUrlError(
        f"unsupported DATABASE_URL {redact_url(url)!r}: use sqlite:///path/to/file.db or "
        "postgresql://user:password@host:5432/database"
    )


def _sqlite(url: str) -> SqliteTarget:
    if not url.startswith("sqlite://"):
        raise DatabaseUrlError(f"{redact_url(url)!r} is not a SQLite URL: {_SQLITE_HELP}")
    path = url.removeprefix("sqlite://")
    path = path[1:] if path.startswith("/") else path  # sqlite:///rel/path → rel/path; ////abs → /abs
    if not path.strip() or path.strip("/") == "":
        # An empty path means an in-memory database: every answer would vanish at exit, silently.
        raise DatabaseUrlError(f"{url!r} names no file (it would keep nothing): {_SQLITE_HELP}")
    if path.endswith("/"):
        raise DatabaseUrlError(f"{url!r} names a folder, not a file: {_SQLITE_HELP}")
    return SqliteTarget(path)


def _postgres(url: str) -> PostgresTarget:
    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        problem = True
    else:
        # An '@' after the host part means the password held a '/', '?' or '#' that cut the URL short.
        problem = "@" not in parts.netloc and "@" in url[url.find("://") + 3 :]
    if problem:
        raise DatabaseUrlError(f"{redact_url(url)!r} is not a valid PostgreSQL URL: {_ENCODE_HELP}")
    return PostgresTarget(url)
