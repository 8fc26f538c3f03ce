"""Lists a page at a time (contract section 9): `?limit=` (50 by default, at most 500) and
`?cursor=`, the opaque mark of where the previous page stopped; every list answers
`{"items": [...], "next_cursor": "..." | null}`."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from touchpoint.domain.errors import InvalidQuery
from touchpoint.domain.timeutil import local_wall_time

DEFAULT_LIMIT, MAX_LIMIT = 50, 500
MAX_CURSOR_CHARS = 1024
_CURSOR = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass(frozen=True)
class PageQuery:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None = None


def parse_cursor(cursor: str | None) -> str | None:
    if cursor is not None and (len(cursor) > MAX_CURSOR_CHARS or not _CURSOR.fullmatch(cursor)):
        raise InvalidQuery("cursor is not one this API gave out", "cursor")
    return cursor


def parse_page(limit: str | None, cursor: str | None) -> PageQuery:
    if limit is None:
        size = DEFAULT_LIMIT
    elif limit.isascii() and limit.isdigit() and len(limit) <= 3 and 1 <= int(limit) <= MAX_LIMIT:
        size = int(limit)
    else:
        raise InvalidQuery(f"limit must be a whole number from 1 to {MAX_LIMIT}", "limit")
    return PageQuery(size, parse_cursor(cursor))


def parse_bound(raw: str | None, name: str, zone: ZoneInfo, *, end: bool) -> datetime | None:
    """`?from=`/`?to=`: an instant with its offset, or a date meaning that day in `zone` (`from`
    at its start, `to` through its end)."""
    if raw is None:
        return None
    problem = InvalidQuery(f"{name} must be a date (2026-12-01) or an instant with its offset", name)
    if len(raw) > 40:
        raise problem
    try:
        if _DATE.fullmatch(raw):
            day = date.fromisoformat(raw)
            start = local_wall_time(day, time(0), zone)
            return (
                local_wall_time(day + timedelta(days=1), time(0), zone) - timedelta(microseconds=1)
                if end
                else start
            )
        instant = datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise problem from None
    if instant.tzinfo is None:
        raise problem
    return instant


def parse_range(
    since: str | None, until: str | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    start, stop = parse_bound(since, "from", zone, end=False), parse_bound(until, "to", zone, end=True)
    if start is not None and stop is not None and stop < start:
        raise InvalidQuery("to is before from", "to")
    return start, stop
