"""Issue 12, item 10: database URLs are checked before anything connects, and shown without credentials.

Redaction must hold for any password, including ones that break URL parsing (`/`, `#`, `?`, `@` unencoded).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.config import Settings
from bot.logging_setup import secret_values
from storage import DatabaseUrlError, open_repository, parse_database_url, redact_url
from storage.urls import PostgresTarget, SqliteTarget

PASSWORDS = st.text(
    alphabet=st.sampled_from("abcXYZ0123456789/#?@:%&=;!$*+,-._~ "), min_size=6, max_size=24
).filter(lambda p: not p.startswith(" ") and not p.endswith(" "))


@given(PASSWORDS)
def test_item10_no_password_survives_redaction_or_an_error(password: str) -> None:
    url = f"postgresql://bob:{password}@db.internal:5432/respbot"
    assume(password not in url.replace(password, "", 1))  # it must not also be part of the rest of the URL
    assert password not in redact_url(url)
    try:
        parse_database_url(url)
    except DatabaseUrlError as exc:
        assert password not in str(exc) and "bob:***@" in str(exc)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    assert password in secret_values(settings)  # and the log scrubber knows it, however malformed


def test_item10_query_passwords_are_redacted_too() -> None:
    url = "postgresql://db/respbot?user=bob&password=hunter2hunter2&sslmode=require"
    assert redact_url(url) == "postgresql://db/respbot?user=bob&password=***&sslmode=require"


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///", "sqlite:////", "sqlite:///data/", "sqlite:data.db"]
)
async def test_item10_sqlite_urls_that_name_no_file_are_refused(url: str) -> None:
    with pytest.raises(DatabaseUrlError, match="sqlite:///data/respbot.db"):
        await open_repository(url)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("sqlite:///data/respbot.db", SqliteTarget("data/respbot.db")),
        ("sqlite:////var/lib/respbot.db", SqliteTarget("/var/lib/respbot.db")),
        ("sqlite:///:memory:", SqliteTarget(":memory:")),  # only when asked for by name
        (
            "postgresql://bob:p%2Fss@db:5432/respbot",
            PostgresTarget("postgresql://bob:p%2Fss@db:5432/respbot"),
        ),
        (
            "postgresql:///respbot?host=/run/postgresql",
            PostgresTarget("postgresql:///respbot?host=/run/postgresql"),
        ),
    ],
)
def test_item10_well_formed_urls_are_accepted(url: str, target: object) -> None:
    assert parse_database_url(url) == target


def test_item11_a_nul_in_a_url_is_refused() -> None:
    with pytest.raises(DatabaseUrlError, match="NUL"):
        parse_database_url("sqlite:///data/x\x00.db")
