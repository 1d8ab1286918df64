"""What every query mixin works on: the one `$n` query API (storage.db.Database) and its engine name."""

from __future__ import annotations

from storage.db import Database


class SqlStore:
    """Base of the per-aggregate mixins that SqlRepository combines; it sets both attributes."""

    db: Database
    engine: str
