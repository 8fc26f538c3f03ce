"""Checked again at send time, since the world may have changed since a message was planned:
whether it may still go at all (reason_not_to_send), and whether it must wait (quiet hours, the
frequency caps)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobKind
from touchpoint.domain.caps import RecentSend, counted, next_allowed
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.patient import Patient
from touchpoint.domain.planning import (
    BEFORE_SESSION,
    HoldReason,
    SkipReason,
    is_nudge,
    move_out_of_quiet_hours,
)
from touchpoint.domain.timeutil import local_wall_time


def reason_not_to_send(
    job: Job, appointment: Appointment, patient: Patient, settings: ClinicSettings, now: datetime
) -> SkipReason | None:
    """Checked again at send time: the world may have changed since the job was planned."""
    if patient.opted_out:
        return SkipReason.OPTED_OUT
    if appointment.status is AppointmentStatus.CANCELLED:
        return SkipReason.APPOINTMENT_CANCELLED
    if appointment.status is AppointmentStatus.RESCHEDULE_REQUESTED:
        # The clinic is calling to agree a new time: no reminder of the old one, and no
        # check-in about a session that has not happened.
        return SkipReason.RESCHEDULE_REQUESTED
    if job.kind is JobKind.CHECKLIST:
        if settings.checklist is None:
            return SkipReason.CHECKLIST_OFF
        if now >= appointment.starts_at - settings.checklist.answer_by:
            return SkipReason.ANSWER_BY_PASSED
    if job.kind in BEFORE_SESSION:
        if appointment.status is AppointmentStatus.COMPLETED:
            return SkipReason.APPOINTMENT_COMPLETED
        if now >= appointment.starts_at:
            return SkipReason.APPOINTMENT_STARTED
    return None


@dataclass(frozen=True)
class Hold:
    """Not now: go back to pending until `until`; or, with `until` None, not at all."""

    until: datetime | None
    reason: SkipReason | HoldReason


def quiet_hours_hold(
    job: Job, appointment: Appointment, patient: Patient, settings: ClinicSettings, now: datetime
) -> Hold | None:
    """A message that reaches the sender inside quiet hours (a late tick, a retry after a 429)
    waits for their end; a reminder only if that is still before the appointment."""
    local = now.astimezone(patient.timezone)
    if settings.quiet_hours is None or not settings.quiet_hours.contains(local):
        return None
    _, end = settings.quiet_hours.window_around(local)
    until = local_wall_time(end.date(), end.time(), patient.timezone)
    if job.kind in BEFORE_SESSION and until >= appointment.starts_at:
        return Hold(None, SkipReason.QUIET_HOURS)
    return Hold(until, HoldReason.QUIET_HOURS)


def counts_toward_caps(job: Job, settings: ClinicSettings) -> bool:
    """Whether the clinic's frequency caps count (and so may hold) this job. A nudge belongs to
    the check-in it nudges and is never counted; replies never are jobs at all."""
    caps = settings.frequency_caps
    return caps is not None and job.kind in caps.kinds and not is_nudge(job)


def frequency_cap_hold(
    job: Job,
    appointment: Appointment,
    patient: Patient,
    settings: ClinicSettings,
    recent: Iterable[RecentSend],
    now: datetime,
) -> Hold | None:
    """A counted message over the caps (`recent`: the patient's scheduled messages of the last
    7 days) waits for the next allowed time, out of quiet hours; a reminder only if that is
    still before the session, else it is skipped."""
    caps = settings.frequency_caps
    if caps is None or not counts_toward_caps(job, settings):
        return None
    # A job sent once more (its first attempt unknown, then absent from Twilio) is one message.
    others = [send for send in recent if send.job_id != job.job_id]
    allowed = next_allowed(counted(others, caps), caps, settings.timezone, now)
    if allowed is None:
        return None
    until = move_out_of_quiet_hours(allowed, patient.timezone, settings.quiet_hours, earlier=False)
    if job.kind is JobKind.REMINDER and until >= appointment.starts_at:
        return Hold(None, SkipReason.FREQUENCY_CAP)
    return Hold(until, HoldReason.FREQUENCY_CAP)
