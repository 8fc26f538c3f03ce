"""Appointments and the planned messages (jobs) that belong to them."""

from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from touchpoint.domain.checklist import ChecklistState
from touchpoint.domain.courses import SessionPlan
from touchpoint.domain.errors import Conflict, InvalidInput
from touchpoint.domain.external_ids import parse_external_id
from touchpoint.domain.ids import ID_RULE, is_well_formed_id
from touchpoint.domain.json_input import json_object
from touchpoint.domain.timeutil import exists_in_zone

MAX_BOOKING_AHEAD = timedelta(days=5 * 366)
MAX_BOOKING_PAST = timedelta(days=366)
DEFAULT_DURATION_MINUTES = 60


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class JobKind(StrEnum):
    REMINDER = "reminder"
    FOLLOW_UP = "follow_up"
    CHECKLIST = "checklist"  # the pre-session checklist (domain/checklist.py)
    # Sends nothing: when the checklist's answer falls due, an unanswered one becomes `no_answer`.
    CHECKLIST_DEADLINE = "checklist_deadline"
    BASELINE = "baseline"  # a course's survey before its first session
    END_OF_COURSE = "end_of_course"  # a course's assessment after its last planned session
    # Sends nothing: when it falls due, a course with no session booked since raises `drop_out`.
    COURSE_CHECK = "course_check"


# The jobs whose SMS opens a survey, and those that send nothing (the sender only closes something).
SURVEY_KINDS = frozenset({JobKind.FOLLOW_UP, JobKind.BASELINE, JobKind.END_OF_COURSE})
SENDS_NOTHING = frozenset({JobKind.CHECKLIST_DEADLINE, JobKind.COURSE_CHECK})


class JobState(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    clinic_id: str
    patient_id: str
    starts_at: datetime
    duration_minutes: int
    status: AppointmentStatus
    created_at: datetime
    external_id: str | None = None  # the clinic's own id for it (its EHR's), unique in the clinic
    course_id: str | None = None  # the treatment course it is a session of (domain/courses.py)
    session: int | None = None  # its number in that course, from 1
    course_plan: SessionPlan | None = None  # what the course adds to its messages
    # The pre-session checklist, once sent: its state, and when its answer falls due.
    checklist: ChecklistState | None = None
    checklist_due_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        return self.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED)


@dataclass(frozen=True)
class Job:
    """One planned SMS."""

    job_id: str
    appointment_id: str
    clinic_id: str
    patient_id: str
    kind: JobKind
    rule: str
    due_at: datetime
    state: JobState
    reason: str | None = None
    twilio_sid: str | None = None
    error_code: str | None = None
    survey: str | None = None
    # While `queued` or `sending`: which claim holds the job, and until when (see delivery.py).
    lease_id: str | None = None
    lease_until: datetime | None = None
    claims: int = 0  # how many times a scheduler pass has claimed it
    resent: bool = False  # sent once more after reconciliation found Twilio never had it


@dataclass(frozen=True)
class NewAppointment:
    patient_id: str
    starts_at: datetime
    duration_minutes: int
    external_id: str | None = None
    course_id: str | None = None  # the course it must join (absent: the patient's active one, if any)


def parse_starts_at(value: object, clinic_zone: ZoneInfo, now: datetime) -> datetime:
    """An ISO 8601 date-time; without an offset it is the clinic's local time."""
    if not isinstance(value, str):
        raise InvalidInput(
            "starts_at must be an ISO 8601 date-time such as 2026-12-01T15:00:00-05:00", "starts_at"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"starts_at {value[:64]!r} is not an ISO 8601 date-time", "starts_at") from None
    if parsed.year in (MINYEAR, MAXYEAR):
        raise InvalidInput(f"starts_at {value[:64]!r} is out of range", "starts_at")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clinic_zone)
        if not exists_in_zone(parsed):
            raise InvalidInput(
                f"starts_at {value} does not exist in {clinic_zone.key}: the clocks skip it",
                "starts_at",
            )
    starts_at = parsed.astimezone(UTC).replace(microsecond=0)
    if starts_at > now + MAX_BOOKING_AHEAD:
        raise InvalidInput("starts_at is more than five years ahead", "starts_at")
    if starts_at < now - MAX_BOOKING_PAST:
        raise InvalidInput("starts_at is more than one year in the past", "starts_at")
    return starts_at


def parse_duration_minutes(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 24 * 60:
        raise InvalidInput("duration_minutes must be a whole number from 1 to 1440", "duration_minutes")
    return value


def parse_new_appointment(body: object, clinic_zone: ZoneInfo, now: datetime) -> NewAppointment:
    body = json_object(
        body, allowed={"patient_id", "starts_at", "duration_minutes", "external_id", "course_id"}
    )
    course_id = body.get("course_id")
    if course_id is not None and not (isinstance(course_id, str) and is_well_formed_id(course_id)):
        raise InvalidInput(f"course_id is not a course's id: {ID_RULE}", "course_id")
    patient_id = body.get("patient_id")
    if not isinstance(patient_id, str) or not patient_id:
        raise InvalidInput("patient_id is required", "patient_id")
    if not is_well_formed_id(patient_id):
        raise InvalidInput(f"patient_id is not a patient's id: {ID_RULE}", "patient_id")
    return NewAppointment(
        patient_id=patient_id,
        starts_at=parse_starts_at(body.get("starts_at"), clinic_zone, now),
        duration_minutes=parse_duration_minutes(body.get("duration_minutes", DEFAULT_DURATION_MINUTES)),
        external_id=parse_external_id(body.get("external_id")),
        course_id=course_id,
    )


@dataclass(frozen=True)
class AppointmentChange:
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    status: AppointmentStatus | None = None


_SETTABLE_STATUSES = (
    AppointmentStatus.CANCELLED,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.SCHEDULED,
)


def parse_appointment_change(body: object, clinic_zone: ZoneInfo, now: datetime) -> AppointmentChange:
    body = json_object(body, allowed={"starts_at", "duration_minutes", "status"})
    if not body:
        raise InvalidInput("body must hold starts_at, duration_minutes or status", "body")
    status = body.get("status")
    if "status" in body and status not in _SETTABLE_STATUSES:
        raise InvalidInput("status must be 'cancelled', 'completed' or 'scheduled'", "status")
    return AppointmentChange(
        starts_at=parse_starts_at(body["starts_at"], clinic_zone, now) if "starts_at" in body else None,
        duration_minutes=parse_duration_minutes(body["duration_minutes"])
        if "duration_minutes" in body
        else None,
        status=AppointmentStatus(status) if status is not None else None,
    )


def apply_change(appointment: Appointment, change: AppointmentChange) -> Appointment:
    if appointment.status is AppointmentStatus.CANCELLED:
        raise Conflict("the appointment is cancelled; book a new one instead", "status")
    status: AppointmentStatus = appointment.status
    if change.status is not None:
        status = change.status
    elif change.starts_at is not None and change.starts_at != appointment.starts_at:
        # A new time needs a new confirmation.
        status = AppointmentStatus.SCHEDULED
    moved = change.starts_at is not None and change.starts_at != appointment.starts_at
    return replace(
        appointment,
        starts_at=change.starts_at or appointment.starts_at,
        duration_minutes=change.duration_minutes or appointment.duration_minutes,
        status=status,
        # A new time needs its own checklist, asked again before it.
        checklist=None if moved else appointment.checklist,
        checklist_due_at=None if moved else appointment.checklist_due_at,
    )
