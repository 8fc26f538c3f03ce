"""reason_not_to_send and quiet_hours_hold: checked again at send time, since the world may have changed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, appointment, job, local, patient, settings
from touchpoint.domain.appointment import AppointmentStatus, JobKind, JobState
from touchpoint.domain.send_checks import Hold, quiet_hours_hold, reason_not_to_send

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


def hold(
    now: datetime, *, kind: JobKind = JobKind.REMINDER, zone: ZoneInfo = NEW_YORK, starts: datetime = STARTS
) -> Hold | None:
    return quiet_hours_hold(
        job(now, JobState.SENDING, kind=kind),
        appointment(starts),
        patient(zone=zone),
        settings(quiet_hours=QUIET),
        now,
    )


def test_inside_quiet_hours_in_the_patients_zone_a_message_waits_for_their_end() -> None:
    late_evening = local(NEW_YORK, 2026, 11, 30, 22, 0)
    end = local(NEW_YORK, 2026, 12, 1, 8, 0)

    assert reason(now=late_evening) is None  # not a reason to drop it: a reason to wait
    assert hold(late_evening) == Hold(end, "quiet_hours")
    assert hold(late_evening, kind=JobKind.FOLLOW_UP) == Hold(end, "quiet_hours")
    # 19:00 in Los Angeles is not quiet there.
    assert hold(late_evening, zone=ZoneInfo("America/Los_Angeles")) is None


def test_a_reminder_whose_quiet_hours_end_at_or_after_the_start_is_dropped() -> None:
    late_evening = local(NEW_YORK, 2026, 11, 30, 22, 0)
    early = local(NEW_YORK, 2026, 12, 1, 8, 0)

    assert hold(late_evening, starts=early) == Hold(None, "quiet_hours")
    # A follow-up has no start to miss: it waits.
    assert hold(late_evening, kind=JobKind.FOLLOW_UP, starts=early) == Hold(early, "quiet_hours")


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
