"""Frequency caps: how many scheduled messages a patient gets a day and a week, and when the
next one may go.

The defaults keep within the FCC's healthcare exemption for automated texts (at most one a
day and three a week from a provider), counted over reminders only: the exemption is about
appointment reminders and confirmations, and a clinic that wants its check-ins counted too
says so with `kinds`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from touchpoint.domain.appointment import SENDS_NOTHING, JobKind
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.json_input import json_object
from touchpoint.domain.timeutil import local_wall_time

DEFAULT_PER_DAY = 1
DEFAULT_PER_WEEK = 3
DEFAULT_KINDS = frozenset({JobKind.REMINDER})
MAX_PER_DAY = 10
MAX_PER_WEEK = 7 * MAX_PER_DAY
# Rolling: the 7 x 24 hours before now, whatever the clocks did.
WEEK = timedelta(days=7)
# What the message log calls a check-in's nudge: it belongs to an open survey, so it is never
# counted nor held (a job of kind follow_up whose rule names its survey).
NUDGE = "nudge"

FIELD = "frequency_caps"


@dataclass(frozen=True)
class FrequencyCaps:
    """At most `per_day` messages of `kinds` on one calendar day of the clinic's zone, and
    `per_week` in any 7 days."""

    per_day: int = DEFAULT_PER_DAY
    per_week: int = DEFAULT_PER_WEEK
    kinds: frozenset[JobKind] = DEFAULT_KINDS


DEFAULT_FREQUENCY_CAPS = FrequencyCaps()


@dataclass(frozen=True)
class RecentSend:
    """A scheduled message the patient got (or may have: Twilio's outcome unknown), remembered
    for a week whatever the caps, so that a clinic changing its caps or kinds counts it too."""

    job_id: str  # the job that sent it (a job sends at most once)
    at: datetime
    kind: str  # that job's kind


def counted(recent: Iterable[RecentSend], caps: FrequencyCaps) -> list[datetime]:
    kinds = {kind.value for kind in caps.kinds}
    return [send.at for send in recent if send.kind in kinds]


def next_allowed(
    sent: Iterable[datetime], caps: FrequencyCaps, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """None if one more counted message may go at `now`; else the first instant it may.

    `sent`: when the counted messages of the last 7 days went. A day is a calendar day in
    `zone` (23 or 25 hours long across a daylight-saving change); a week is the last 7 x 24
    hours, rolling. Both limits hold at the later of the two instants: every message counted
    is in the past, so waiting longer only ever lowers both counts.
    """
    window = sorted(at for at in sent if now - WEEK < at <= now)
    today = now.astimezone(zone).date()
    waits = []
    if sum(1 for at in window if at.astimezone(zone).date() == today) >= caps.per_day:
        waits.append(local_wall_time(today + timedelta(days=1), time(0), zone))
    if len(window) >= caps.per_week:
        # When the oldest messages over the limit have left the window.
        waits.append(window[len(window) - caps.per_week] + WEEK)
    return max(waits, default=None)


def parse_frequency_caps(value: object) -> FrequencyCaps | None:
    """The `frequency_caps` setting as the admin API receives it: null for none; a field left
    out takes its default."""
    if value is None:
        return None
    data = json_object(value, FIELD, allowed={"per_day", "per_week", "kinds"})
    per_day = _count(data.get("per_day", DEFAULT_PER_DAY), "per_day", MAX_PER_DAY)
    per_week = _count(data.get("per_week", DEFAULT_PER_WEEK), "per_week", MAX_PER_WEEK)
    if per_week < per_day:
        raise InvalidInput(f"{FIELD}.per_week must be at least {FIELD}.per_day", f"{FIELD}.per_week")
    return FrequencyCaps(per_day, per_week, _kinds(data.get("kinds", sorted(DEFAULT_KINDS))))


def _count(value: object, name: str, maximum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise InvalidInput(
            f"{FIELD}.{name} must be a whole number from 1 to {maximum} (null caps for none)",
            f"{FIELD}.{name}",
        )
    return value


def _kinds(value: object) -> frozenset[JobKind]:
    known = sorted(kind.value for kind in JobKind if kind not in SENDS_NOTHING)
    field = f"{FIELD}.kinds"
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"{field} must be a non-empty list of {', '.join(known)}", field)
    if any(kind not in known for kind in value):
        raise InvalidInput(f"{field} may hold only {', '.join(known)}", field)
    if len(set(value)) != len(value):
        raise InvalidInput(f"{field} must not repeat a kind", field)
    return frozenset(JobKind(kind) for kind in value)
