"""Small builders of domain objects for the unit tests: valid defaults, override what matters."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.clinic import Clinic, ClinicSettings, parse_clinic_settings
from touchpoint.domain.patient import Patient

NEW_YORK = ZoneInfo("America/New_York")
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def clinic_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Calm Waters",
        "timezone": "America/New_York",
        "sender": "+15005550006",
        "phone": "+12125550100",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "reminders": [{"before": "P1D"}, {"before": "PT2H"}, {"days_before": 2, "at": "18:00"}],
        "follow_ups": [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P7D", "survey": "gad7"}],
        "discreet": True,
    }
    body.update(overrides)
    return body


def settings(**overrides: Any) -> ClinicSettings:
    return parse_clinic_settings(clinic_body(**overrides))


def clinic(clinic_id: str = "cl_1", **overrides: Any) -> Clinic:
    return Clinic(clinic_id, settings(**overrides), created_at=CREATED, updated_at=CREATED)


def patient(
    *,
    zone: ZoneInfo = NEW_YORK,
    opted_out: bool = False,
    patient_id: str = "pt_1",
    clinic_id: str = "cl_1",
    phone: str = "+15551230001",
    language: str | None = None,
) -> Patient:
    return Patient(
        patient_id, clinic_id, "Ana", phone, zone, opted_out, created_at=CREATED, language=language
    )


def appointment(
    starts_at: datetime,
    *,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    appointment_id: str = "ap_1",
    clinic_id: str = "cl_1",
    patient_id: str = "pt_1",
    duration_minutes: int = 60,
) -> Appointment:
    return Appointment(
        appointment_id,
        clinic_id,
        patient_id,
        starts_at.astimezone(UTC),
        duration_minutes,
        status,
        created_at=CREATED,
    )


def job(
    due_at: datetime,
    state: JobState = JobState.PENDING,
    *,
    rule: str = "before:P1D",
    job_id: str = "jb_1",
    kind: JobKind = JobKind.REMINDER,
    appointment_id: str = "ap_1",
) -> Job:
    return Job(job_id, appointment_id, "cl_1", "pt_1", kind, rule, due_at.astimezone(UTC), state)


def wall(*parts: int) -> datetime:
    """A naive wall-clock time from (year, month, day[, hour[, minute[, second]]])."""
    year, month, day, hour, minute, second = (*parts, 0, 0, 0)[:6]
    return datetime(year, month, day, hour, minute, second)


def utc(*parts: int) -> datetime:
    return wall(*parts).replace(tzinfo=UTC)


def local(zone: str | ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    """The wall-clock time `parts` in `zone` (fold=0: the first of a repeated hour)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return wall(*parts).replace(tzinfo=tz, fold=fold)
