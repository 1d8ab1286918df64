"""Why a database did not open, in one line an operator can act on (the path or redacted URL, and a cause).

The drivers' own errors are terse ("unable to open database file") or name nothing; these say which file or
server, what is wrong with it and what to do. They never carry a credential.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage.urls import PostgresTarget, SqliteTarget, redact_url, url_secrets


class DatabaseOpenError(RuntimeError):
    """The database could not be opened or prepared; the message is safe to print and names it."""


def sqlite_failure(target: SqliteTarget, exc: BaseException) -> DatabaseOpenError:
    return DatabaseOpenError(f"cannot open the SQLite database {target.shown}: {_sqlite_reason(target, exc)}")


def _sqlite_reason(target: SqliteTarget, exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return "the file is not a SQLite database (check the path)"
    path = Path(target.path)
    folder = path.parent
    if isinstance(exc, OSError):
        return f"cannot create the folder {folder.absolute()}: {exc.strerror or exc}"
    if path.is_dir():
        return "that path is a folder; name a file in it"
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return (
            f"the folder {folder.absolute()} is read-only (SQLite writes the database and its -wal and -shm "
            "files there); use a path in a writable folder"
        )
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only; make it writable for the bot's user, or use another path"
    if "readonly" in text or "read-only" in text:
        return "the database or its folder is read-only; use a path the bot's user can write"
    return f"{type(exc).__name__}: {text}"


def postgres_failure(target: PostgresTarget, exc: BaseException) -> DatabaseOpenError:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    name = type(exc).__name__
    if name == "InvalidCatalogNameError":
        reason = f"{exc}; create it first (e.g. `createdb`), or fix the database name in the URL"
    elif name in ("InvalidAuthorizationSpecificationError", "InvalidPasswordError"):
        reason = f"{exc}; check the user name and password in the URL"
    elif isinstance(exc, TimeoutError):
        reason = "no answer from the server in time; check the host and port, and that it is running"
    elif isinstance(exc, OSError):
        reason = f"cannot reach the server: {exc.strerror or exc}"
    for secret in url_secrets(target.url):
        reason = reason.replace(secret, "***")
    return DatabaseOpenError(f"cannot open {redact_url(target.url)}: {reason}")
