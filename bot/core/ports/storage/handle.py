"""The database itself: which engine, is it up, which deployment it belongs to, closing it."""

from __future__ import annotations

from typing import Protocol


class StorageHandle(Protocol):
    engine: str

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database does not answer (for /healthz)."""
        ...

    async def installation_id(self) -> str:
        """This database's random id (16 hex digits), made once on first use and never changed.

        The same for every process and restart on one database, and for a backup restored or copied with
        `respbot db copy` (the same deployment moving); a fresh database gets a new one. Part of the key
        that tells this deployment's posts from another's (with the round id, local date and scenario).
        """
        ...
