"""The viewer's time zone: `?tz=Area/City`, else the `respbot_tz` cookie, else UTC.

The cookie is set by a one-line inline script from the browser's own zone (Intl API) or, without
JavaScript, by the zone form at the foot of every page. Dates are then shown in that zone, named on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TZ_COOKIE = "respbot_tz"
UTC_ZONE = ZoneInfo("UTC")


def parse_zone(name: str | None) -> ZoneInfo | None:
    """A known IANA zone, or None for anything else (never raises on user input)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def viewer_zone(query: Mapping[str, str], cookies: Mapping[str, str]) -> ZoneInfo:
    cookie = unquote(cookies.get(TZ_COOKIE, ""))  # stored percent-encoded ("Europe%2FBerlin")
    return parse_zone(query.get("tz")) or parse_zone(cookie) or UTC_ZONE


def local(when: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if when is None else when.astimezone(zone).strftime(fmt)
