"""UTC instants, ISO 8601 durations and wall-clock times in IANA zones."""

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from touchpoint.domain.errors import InvalidInput

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
MAX_DURATION_DIGITS = 6
_CLOCK = re.compile(r"^(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)$")


def parse_duration(text: object, field: str, *, maximum: timedelta) -> timedelta:
    """A positive ISO 8601 duration of elapsed time (weeks, days, hours, minutes, seconds).

    Years and months are refused: their length depends on the calendar.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"{field} must be an ISO 8601 duration such as 'P1D'", field)
    match = _DURATION.match(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise InvalidInput(
            f"{field} must be an ISO 8601 duration such as 'P1D' or 'PT2H', not {text[:32]!r}", field
        )
    digits = {name: value for name, value in match.groupdict().items() if value}
    # Counted before int(), which refuses more than 4,300 digits: no part of a duration Touchpoint
    # takes needs more than six.
    if any(len(value) > MAX_DURATION_DIGITS for value in digits.values()):
        raise InvalidInput(f"{field} must be at most {format_duration(maximum)}", field)
    parts = {name: int(value) for name, value in digits.items()}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise InvalidInput(f"{field} must be longer than zero", field)
    if duration > maximum:
        raise InvalidInput(f"{field} must be at most {format_duration(maximum)}", field)
    return duration


def format_duration(duration: timedelta) -> str:
    days = duration.days
    hours, rest = divmod(duration.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(
        f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value
    )
    return "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "") if duration else "PT0S"


def parse_clock(text: object, field: str) -> time:
    if not isinstance(text, str) or (match := _CLOCK.match(text)) is None:
        raise InvalidInput(f"{field} must be a 24-hour time 'HH:MM', not {repr(text)[:40]}", field)
    return time(int(match["hour"]), int(match["minute"]))


@cache
def _iana_zones() -> frozenset[str]:
    # "localtime" names the host's zone, not an IANA one: a clinic's zone must not depend on the host.
    return frozenset(available_timezones() - {"localtime"})


def parse_zone(name: object, field: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise InvalidInput(f"{field} must be an IANA time zone name such as 'America/New_York'", field)
    if name not in _iana_zones():
        raise InvalidInput(f"{field} {name[:64]!r} is not a known IANA time zone", field)
    return ZoneInfo(name)


def utc_iso(instant: datetime) -> str:
    """The one text form of an instant in storage and the API: sortable, UTC, whole seconds.

    The year always has four digits (strftime's %Y does not pad on every platform), so the
    texts sort in time order.
    """
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def local_wall_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a wall clock in `zone` shows `at` on `day`.

    In a spring-forward gap the clock skips the time: the instant is taken with the offset
    before the change, which a clock in the zone shows one hour later. In a fall-back
    overlap the first occurrence is taken.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def exists_in_zone(local: datetime) -> bool:
    """False for a wall-clock time skipped by a spring-forward change."""
    zone = local.tzinfo
    round_trip = local.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)
