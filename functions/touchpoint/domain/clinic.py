"""A clinic's settings: who it is, when it texts and how."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.domain.caps import DEFAULT_FREQUENCY_CAPS, FrequencyCaps, parse_frequency_caps
from touchpoint.domain.checklist import Checklist, parse_checklist
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.instruments import instruments
from touchpoint.domain.json_input import json_object
from touchpoint.domain.phones import to_e164, to_sender
from touchpoint.domain.timeutil import (
    parse_clock,
    parse_duration,
    parse_zone,
)

MAX_REMINDER_LEAD = timedelta(days=30)
MAX_FOLLOW_UP_DELAY = timedelta(days=90)
MAX_RULES = 10
DEFAULT_SURVEY_EXPIRY_HOURS = 24
MAX_SURVEY_EXPIRY_HOURS = 7 * 24
DEFAULT_ESCALATION_MINUTES = 15
MAX_ESCALATION_MINUTES = 24 * 60

DEFAULT_QUIET_HOURS = {"start": "21:00", "end": "08:00"}
DEFAULT_REMINDERS: list[dict[str, Any]] = [{"before": "P1D"}]


@dataclass(frozen=True)
class QuietHours:
    """A daily window, in the patient's local time, in which nothing is sent. May span midnight."""

    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        now = local.time().replace(second=0, microsecond=0, tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def window_around(self, local: datetime) -> tuple[datetime, datetime]:
        """The quiet window (start, end) holding `local`, as naive local wall-clock times."""
        wall = local.replace(tzinfo=None, fold=0)
        day = wall.date()
        start_day = day if self.start < self.end or wall.time() >= self.start else day - timedelta(days=1)
        start = datetime.combine(start_day, self.start)
        end_day = start_day if self.start < self.end else start_day + timedelta(days=1)
        return start, datetime.combine(end_day, self.end)


@dataclass(frozen=True)
class ReminderRule:
    """Either `before` (elapsed time before the start) or `days_before` + `at` (local wall clock)."""

    before: timedelta | None = None
    days_before: int | None = None
    at: time | None = None


@dataclass(frozen=True)
class FollowUpRule:
    after: timedelta
    survey: str


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    timezone: ZoneInfo
    sender: str
    phone: str
    quiet_hours: QuietHours | None
    reminders: tuple[ReminderRule, ...]
    follow_ups: tuple[FollowUpRule, ...] = ()
    discreet: bool = True
    survey_expiry: timedelta = timedelta(hours=DEFAULT_SURVEY_EXPIRY_HOURS)
    # An open crisis alert is escalated after this long, and again each time it passes.
    escalation_interval: timedelta = timedelta(minutes=DEFAULT_ESCALATION_MINUTES)
    # None: no caps (domain/caps.py).
    frequency_caps: FrequencyCaps | None = DEFAULT_FREQUENCY_CAPS
    # None: no pre-session checklist (domain/checklist.py), the default.
    checklist: Checklist | None = None
    # The language of a patient who has none of their own ("en" | "es").
    default_language: str = "en"


@dataclass(frozen=True)
class Clinic:
    clinic_id: str
    settings: ClinicSettings
    created_at: datetime
    updated_at: datetime = field(compare=False)


_CLINIC_FIELDS = {
    "name",
    "timezone",
    "sender",
    "phone",
    "quiet_hours",
    "reminders",
    "follow_ups",
    "discreet",
    "survey_expiry_hours",
    "escalation_minutes",
    "frequency_caps",
    "checklist",
    "default_language",
}


def parse_clinic_settings(body: object) -> ClinicSettings:
    """Validate a clinic's settings as the admin API receives them (a decoded JSON object).

    Stored settings are not read back through here (the storage adapter maps its own shape), so
    that reading a clinic (to answer a crisis, say) never depends on the instrument files.
    """
    data = json_object(body, allowed=_CLINIC_FIELDS | {"clinic_id", "created_at", "updated_at"})
    return ClinicSettings(
        **{
            attribute: parse(data.get(name, _DEFAULTS.get(name)))
            for name, (attribute, parse) in _SETTINGS.items()
        }
    )


def parse_clinic_change(body: object, current: ClinicSettings) -> ClinicSettings:
    """The settings with only the fields `body` names replaced, each checked as a PUT checks it."""
    data = json_object(body, allowed=_CLINIC_FIELDS)
    if not data:
        raise InvalidInput(f"body must name at least one of {', '.join(sorted(_CLINIC_FIELDS))}", "body")
    changed = {_SETTINGS[name][0]: _SETTINGS[name][1](value) for name, value in data.items()}
    return replace(current, **changed)


# What the planned messages depend on (planning.plan_messages): a change of anything else
# (the name, the sender, the survey expiry...) leaves every plan as it is.
PLANNING_SETTINGS = ("reminders", "follow_ups", "quiet_hours", "checklist")


def changes_plans(old: ClinicSettings, new: ClinicSettings) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in PLANNING_SETTINGS)


_DEFAULTS: dict[str, Any] = {
    "quiet_hours": DEFAULT_QUIET_HOURS,
    "reminders": DEFAULT_REMINDERS,
    "follow_ups": [],
    "discreet": True,
    "survey_expiry_hours": DEFAULT_SURVEY_EXPIRY_HOURS,
    "escalation_minutes": DEFAULT_ESCALATION_MINUTES,
    "frequency_caps": {},  # the default caps; null for none
    "checklist": None,
    "default_language": "en",
}


def _rules(parse: Callable[[object, str], Any], name: str) -> Callable[[object], tuple[Any, ...]]:
    return lambda value: tuple(
        parse(rule, f"{name}[{index}]") for index, rule in enumerate(_list(value, name))
    )


# Each field of the API: the ClinicSettings attribute it sets, and how its value is checked.
_SETTINGS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "name": ("name", lambda value: _text(value, "name", maximum=100)),
    "timezone": ("timezone", lambda value: parse_zone(value, "timezone")),
    "sender": ("sender", lambda value: to_sender(value, "sender")),
    "phone": ("phone", lambda value: to_e164(value, "phone")),
    "quiet_hours": ("quiet_hours", lambda value: _quiet_hours(value)),
    "reminders": ("reminders", _rules(lambda rule, field: _reminder(rule, field), "reminders")),
    "follow_ups": ("follow_ups", _rules(lambda rule, field: _follow_up(rule, field), "follow_ups")),
    "discreet": ("discreet", lambda value: _bool(value, "discreet")),
    "survey_expiry_hours": (
        "survey_expiry",
        lambda value: timedelta(hours=_whole(value, "survey_expiry_hours", "hours", MAX_SURVEY_EXPIRY_HOURS)),
    ),
    "escalation_minutes": (
        "escalation_interval",
        lambda value: timedelta(
            minutes=_whole(value, "escalation_minutes", "minutes", MAX_ESCALATION_MINUTES)
        ),
    ),
    "frequency_caps": ("frequency_caps", parse_frequency_caps),
    "checklist": ("checklist", parse_checklist),
    "default_language": ("default_language", lambda value: parse_language(value, "default_language")),
}


LANGUAGES = ("en", "es")  # the languages Touchpoint texts in


def parse_language(value: object, field: str) -> str:
    if value not in LANGUAGES:
        raise InvalidInput(f"{field} must be one of {', '.join(LANGUAGES)}", field)
    return str(value)


def _text(value: object, field: str, *, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is required and must be a non-empty string", field)
    if len(value) > maximum:
        raise InvalidInput(f"{field} must be at most {maximum} characters", field)
    return value.strip()


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", field)
    return value


def _whole(value: object, field: str, unit: str, maximum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise InvalidInput(f"{field} must be a whole number of {unit} from 1 to {maximum}", field)
    return value


def _list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"{field} must be a list", field)
    if len(value) > MAX_RULES:
        raise InvalidInput(f"{field} may hold at most {MAX_RULES} entries", field)
    return value


def _quiet_hours(value: object) -> QuietHours | None:
    if value is None:
        return None
    data = json_object(value, "quiet_hours", allowed={"start", "end"})
    start = parse_clock(data.get("start"), "quiet_hours.start")
    end = parse_clock(data.get("end"), "quiet_hours.end")
    if start == end:
        raise InvalidInput(
            "quiet_hours.start and quiet_hours.end must differ (use null for none)", "quiet_hours"
        )
    return QuietHours(start, end)


def _reminder(value: object, field: str) -> ReminderRule:
    data = json_object(value, field)
    if "before" in data:
        if set(data) != {"before"}:
            raise InvalidInput(f"{field} takes either 'before' or 'days_before' with 'at'", field)
        return ReminderRule(
            before=parse_duration(data["before"], f"{field}.before", maximum=MAX_REMINDER_LEAD)
        )
    if set(data) != {"days_before", "at"}:
        raise InvalidInput(f"{field} takes either 'before' or 'days_before' with 'at'", field)
    days = data["days_before"]
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_REMINDER_LEAD.days:
        raise InvalidInput(
            f"{field}.days_before must be a whole number from 0 to {MAX_REMINDER_LEAD.days}",
            f"{field}.days_before",
        )
    return ReminderRule(days_before=days, at=parse_clock(data["at"], f"{field}.at"))


def _follow_up(value: object, field: str) -> FollowUpRule:
    data = json_object(value, field)
    if set(data) != {"after", "survey"}:
        raise InvalidInput(f"{field} takes 'after' and 'survey'", field)
    survey = data["survey"]
    known = sorted(instruments())
    if survey not in known:
        raise InvalidInput(f"{field}.survey must be one of {', '.join(known)}", f"{field}.survey")
    return FollowUpRule(
        after=parse_duration(data["after"], f"{field}.after", maximum=MAX_FOLLOW_UP_DELAY),
        survey=survey,
    )
