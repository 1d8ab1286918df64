"""Local-time arithmetic for teams: post and close instants per local date, DST-safe.

Days are stepped as calendar dates in the team's zone, never as 24-hour jumps, so a DST change can neither
skip nor double a post. A post time that falls in a spring-forward gap is read with the offset from before the
gap (zoneinfo's fold=0), so 02:30 on Berlin's spring-forward day is posted at 03:30 CEST; one in a fall-back
overlap resolves to its first occurrence. A close time that a gap-moved post would overtake (02:30 post,
close "until 03:00" on that day) moves too, keeping at least MIN_WINDOW for answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import TeamSettings

#: The shortest answer window there is: `setup window` refuses less, and a post moved by a DST gap keeps it.
MIN_WINDOW = timedelta(minutes=15)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name like Europe/Berlin") from None


def local_instant(d: date, at: time, tz: str) -> datetime:
    """The UTC instant of a local wall-clock time on a local date."""
    local = datetime.combine(d, at, tzinfo=zone(tz))
    # Round-trip through UTC normalises a time inside a DST gap to a real instant.
    return local.astimezone(UTC)


def local_date(now: datetime, tz: str) -> date:
    return now.astimezone(zone(tz)).date()


def post_at(settings: TeamSettings, d: date) -> datetime:
    return local_instant(d, settings.post_time, settings.timezone)


def close_at(settings: TeamSettings, d: date) -> datetime:
    posted = post_at(settings, d)
    if settings.close_time is not None:
        return max(local_instant(d, settings.close_time, settings.timezone), posted + MIN_WINDOW)
    return posted + timedelta(minutes=settings.window_minutes or 240)


def next_post_date(settings: TeamSettings, after: date) -> date:
    """The first posting day strictly after a local date."""
    d = after + timedelta(days=1)
    for _ in range(7):
        if d.weekday() in settings.days:
            return d
        d += timedelta(days=1)
    raise ValueError("a team needs at least one posting day")


def next_post(settings: TeamSettings, now: datetime) -> tuple[date, datetime]:
    """The next (local date, post instant) whose post time is still ahead of `now`."""
    today = local_date(now, settings.timezone)
    d = today if today.weekday() in settings.days else next_post_date(settings, today)
    while post_at(settings, d) <= now:
        d = next_post_date(settings, d)
    return d, post_at(settings, d)


def following_post(settings: TeamSettings, d: date) -> tuple[date, datetime]:
    nd = next_post_date(settings, d)
    return nd, post_at(settings, nd)
