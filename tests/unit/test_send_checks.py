"""reason_not_to_send: checked again at send time, since the world may have changed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, appointment, job, local, patient, settings
from touchpoint.domain.appointment import AppointmentStatus, JobKind, JobState
from touchpoint.domain.planning import reason_not_to_send

STARTS = local(NEW_YORK, 2026, 12, 1, 15, 0)
NOON_BEFORE = local(NEW_YORK, 2026, 11, 30, 12, 0)
QUIET = {"start": "21:00", "end": "08:00"}


def reason(
    *,
    now: datetime = NOON_BEFORE,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    opted_out: bool = False,
    kind: JobKind = JobKind.REMINDER,
    zone: ZoneInfo = NEW_YORK,
) -> str | None:
    return reason_not_to_send(
        job(now, JobState.SENDING, kind=kind),
        appointment(STARTS, status=status),
        patient(zone=zone, opted_out=opted_out),
        settings(quiet_hours=QUIET),
        now,
    )


def test_an_opted_out_patient_gets_nothing_whatever_else_holds() -> None:
    assert reason(opted_out=True) == "opted_out"
    assert reason(opted_out=True, status=AppointmentStatus.CANCELLED) == "opted_out"
    assert reason(opted_out=True, kind=JobKind.FOLLOW_UP) == "opted_out"


@pytest.mark.parametrize("kind", [JobKind.REMINDER, JobKind.FOLLOW_UP])
def test_nothing_goes_out_for_a_cancelled_appointment(kind: JobKind) -> None:
    assert reason(status=AppointmentStatus.CANCELLED, kind=kind) == "appointment_cancelled"


def test_no_reminder_for_a_completed_appointment() -> None:
    assert reason(status=AppointmentStatus.COMPLETED) == "appointment_completed"


def test_a_follow_up_of_a_completed_appointment_may_go() -> None:
    assert (
        reason(status=AppointmentStatus.COMPLETED, kind=JobKind.FOLLOW_UP, now=STARTS + timedelta(hours=4))
        is None
    )


@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=1), timedelta(hours=3)])
def test_no_reminder_once_the_appointment_has_started(after: timedelta) -> None:
    assert reason(now=STARTS + after) == "appointment_started"


def test_inside_quiet_hours_in_the_patients_zone_nothing_is_sent() -> None:
    late_evening = local(NEW_YORK, 2026, 11, 30, 22, 0)

    assert reason(now=late_evening) == "quiet_hours"
    assert reason(now=late_evening, kind=JobKind.FOLLOW_UP) == "quiet_hours"
    # 19:00 in Los Angeles is not quiet there.
    assert reason(now=late_evening, zone=ZoneInfo("America/Los_Angeles")) is None


def test_no_reminder_goes_while_the_clinic_is_arranging_a_new_time() -> None:
    assert reason(status=AppointmentStatus.RESCHEDULE_REQUESTED) == "reschedule_requested"
    assert (
        reason(status=AppointmentStatus.RESCHEDULE_REQUESTED, kind=JobKind.FOLLOW_UP)
        == "reschedule_requested"
    )


@pytest.mark.parametrize("status", [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED])
def test_otherwise_the_message_may_go(status: AppointmentStatus) -> None:
    assert reason(status=status) is None
    assert reason(status=status, now=STARTS - timedelta(minutes=1)) is None
