"""The messages a sample appointment would get under a clinic's settings, as the patient would
read them: what the console shows while the settings are edited. Nothing here is stored.

Planned by planning.plan_messages and worded by outgoing.planned_text, the sender's own code, so
a preview cannot drift from what is sent.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from touchpoint.domain.appointment import (
    DEFAULT_DURATION_MINUTES,
    Appointment,
    AppointmentStatus,
    JobKind,
    JobState,
    parse_duration_minutes,
    parse_starts_at,
)
from touchpoint.domain.clinic import ClinicSettings, parse_clinic_change, parse_language
from touchpoint.domain.gsm7 import segments
from touchpoint.domain.instruments import instrument_in
from touchpoint.domain.json_input import json_object
from touchpoint.domain.outgoing import planned_text
from touchpoint.domain.patient import parse_first_name
from touchpoint.domain.planning import plan_messages
from touchpoint.domain.timeutil import local_wall_time

SAMPLE_FIRST_NAME = "Alex"
SAMPLE_TIME = time(10)  # tomorrow at this clinic-local time, unless the request says when
_FIELDS = {"settings", "starts_at", "duration_minutes", "first_name", "language"}


@dataclass(frozen=True)
class PreviewRequest:
    settings: ClinicSettings
    starts_at: datetime
    duration_minutes: int
    first_name: str
    language: str = "en"  # the sample patient's: absent, the clinic's default_language


@dataclass(frozen=True)
class PreviewMessage:
    kind: JobKind
    instrument: str | None
    due_at: datetime
    due_at_local: datetime
    body: str
    segments: int
    encoding: str


@dataclass(frozen=True)
class SkippedMessage:
    """A rule of the settings that this appointment would not get a message for, and why."""

    kind: JobKind
    instrument: str | None
    due_at: datetime
    due_at_local: datetime
    reason: str


@dataclass(frozen=True)
class Preview:
    starts_at: datetime
    starts_at_local: datetime
    messages: tuple[PreviewMessage, ...]
    skipped: tuple[SkippedMessage, ...]


def parse_preview(body: object, current: ClinicSettings, now: datetime) -> PreviewRequest:
    """`settings` checked exactly as PATCH checks them (absent: the clinic's own); `starts_at` as a
    booking's (an instant, or clinic-local without an offset)."""
    data = json_object(body, allowed=_FIELDS)
    settings = parse_clinic_change(data["settings"], current) if "settings" in data else current
    zone = settings.timezone
    if "starts_at" in data:
        starts_at = parse_starts_at(data["starts_at"], zone, now)
    else:
        starts_at = local_wall_time(now.astimezone(zone).date() + timedelta(days=1), SAMPLE_TIME, zone)
    return PreviewRequest(
        settings,
        starts_at,
        parse_duration_minutes(data.get("duration_minutes", DEFAULT_DURATION_MINUTES)),
        parse_first_name(data.get("first_name", SAMPLE_FIRST_NAME)),
        parse_language(data["language"], "language") if "language" in data else settings.default_language,
    )


def preview(request: PreviewRequest, now: datetime) -> Preview:
    """A patient in the clinic's zone, booked `now` at `starts_at`: each message in send order."""
    settings, zone = request.settings, request.settings.timezone
    sample = Appointment(
        "ap_preview",
        "cl_preview",
        "pt_preview",
        request.starts_at,
        request.duration_minutes,
        AppointmentStatus.SCHEDULED,
        created_at=now,
    )
    sent, skipped = [], []
    for planned in plan_messages(sample, settings, zone, now):
        local = planned.due_at.astimezone(zone)
        if planned.state is not JobState.PENDING:
            skipped.append(
                SkippedMessage(planned.kind, planned.survey, planned.due_at, local, str(planned.reason))
            )
            continue
        instrument = instrument_in(planned.survey, request.language) if planned.survey else None
        text = planned_text(
            planned.kind,
            instrument,
            settings,
            request.first_name,
            sample.starts_at,
            zone,
            planned.due_at,
            request.language,
        )
        count, encoding = segments(text)
        sent.append(
            PreviewMessage(planned.kind, planned.survey, planned.due_at, local, text, count, encoding)
        )
    return Preview(sample.starts_at, sample.starts_at.astimezone(zone), tuple(sent), tuple(skipped))
