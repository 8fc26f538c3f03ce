"""When each message of an appointment goes out, and how a new plan replaces an old one (what is
checked again at send time: domain/send_checks.py)."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from touchpoint.domain.appointment import (
    Appointment,
    AppointmentStatus,
    Job,
    JobKind,
    JobState,
)
from touchpoint.domain.clinic import ClinicSettings, QuietHours, ReminderRule
from touchpoint.domain.courses import SessionPlan
from touchpoint.domain.timeutil import format_duration, local_wall_time

# A reminder moved out of quiet hours goes this long before they start, so that the
# scheduler's one-minute tick and the queue still deliver it before the window opens.
QUIET_HOURS_MARGIN = timedelta(minutes=10)

_REMINDABLE = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.RESCHEDULE_REQUESTED,
)
# Messages about a session still ahead: pointless once it has started.
BEFORE_SESSION = (JobKind.REMINDER, JobKind.CHECKLIST, JobKind.BASELINE)
# Planned from the session's end: re-planned while the appointment lasts and after it.
AFTER_SESSION = (JobKind.FOLLOW_UP, JobKind.END_OF_COURSE, JobKind.COURSE_CHECK)
# A baseline due before the session was booked goes this long after the booking instead.
BASELINE_AFTER_BOOKING = timedelta(minutes=10)


class SkipReason(StrEnum):
    """Why a message will not go (state `skipped`, or `cancelled` with the appointment)."""

    # Given by planning: re-planning may replace these.
    APPOINTMENT_COMPLETED = "appointment_completed"
    APPOINTMENT_STARTED = "appointment_started"
    AFTER_START = "after_start"  # a reminder due at or after the session's start
    OVERDUE = "overdue"  # due before it was planned
    DUPLICATE = "duplicate"  # a second reminder at the same instant
    # Decided at send time: history.
    OPTED_OUT = "opted_out"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    SURVEY_CLOSED = "survey_closed"  # a nudge whose survey closed meanwhile
    QUIET_HOURS = "quiet_hours"  # a reminder whose quiet hours last until the session
    ANSWER_BY_PASSED = "answer_by_passed"  # a checklist that would reach the patient after its answer_by
    CHECKLIST_OFF = "checklist_off"  # a checklist the clinic turned off meanwhile
    FREQUENCY_CAP = "frequency_cap"  # a reminder the caps would hold until the session
    RECENT_SCORE = "recent_score"  # a baseline the patient's recent score of its instrument stands in for


class HoldReason(StrEnum):
    """Why a message waits (back to `pending`, due later)."""

    QUIET_HOURS = "quiet_hours"
    WAITING_FOR_OPEN_SURVEY = "waiting_for_open_survey"
    FREQUENCY_CAP = "frequency_cap"


# The reasons planning gives; any other skip was decided at send time and is history.
PLANNING_REASONS = frozenset(
    {
        SkipReason.OVERDUE,
        SkipReason.AFTER_START,
        SkipReason.DUPLICATE,
        SkipReason.APPOINTMENT_COMPLETED,
        SkipReason.APPOINTMENT_STARTED,
    }
)


@dataclass(frozen=True)
class PlannedMessage:
    kind: JobKind
    rule: str
    due_at: datetime
    state: JobState
    reason: SkipReason | None = None
    survey: str | None = None


def plan_messages(
    appointment: Appointment, settings: ClinicSettings, patient_zone: ZoneInfo, now: datetime
) -> list[PlannedMessage]:
    """Every message the clinic's settings call for, oldest first: pending, or skipped with a reason.

    Reminders for an appointment still ahead; follow-ups after it ends, held or not yet marked
    held; nothing for a cancelled one.
    """
    if appointment.status is AppointmentStatus.CANCELLED:
        return []
    planned: list[PlannedMessage] = []
    # Two reminders at one instant would say the same twice; two surveys at one instant are two.
    taken: set[tuple[JobKind, str | None, datetime]] = set()

    def plan(kind: JobKind, rule: str, due_at: datetime, survey: str | None = None) -> None:
        reason = None
        if kind in BEFORE_SESSION and appointment.status is AppointmentStatus.COMPLETED:
            reason = SkipReason.APPOINTMENT_COMPLETED
        elif kind in BEFORE_SESSION and due_at >= appointment.starts_at:
            reason = SkipReason.AFTER_START
        elif due_at <= now:
            reason = SkipReason.OVERDUE
        elif (kind, survey, due_at) in taken:
            reason = SkipReason.DUPLICATE
        taken.add((kind, survey, due_at))
        state = JobState.SKIPPED if reason else JobState.PENDING
        planned.append(PlannedMessage(kind, rule, due_at, state, reason, survey))

    if appointment.status in (*_REMINDABLE, AppointmentStatus.COMPLETED):
        for rule in settings.reminders:
            due_at = reminder_due_at(rule, appointment.starts_at, patient_zone, settings.quiet_hours)
            plan(JobKind.REMINDER, rule_name(rule), due_at)
        if settings.checklist is not None:
            before = settings.checklist.before
            due_at = move_out_of_quiet_hours(
                appointment.starts_at - before, patient_zone, settings.quiet_hours, earlier=True
            )
            plan(JobKind.CHECKLIST, f"checklist:before:{format_duration(before)}", due_at)
        if appointment.course_plan and appointment.course_plan.baseline:
            plan(
                JobKind.BASELINE,
                f"course:baseline:{appointment.course_plan.baseline}",
                _baseline_due(appointment, appointment.course_plan, patient_zone, settings.quiet_hours),
                appointment.course_plan.baseline,
            )
    for follow_up in settings.follow_ups:
        due_at = move_out_of_quiet_hours(
            appointment.ends_at + follow_up.after, patient_zone, settings.quiet_hours, earlier=False
        )
        plan(
            JobKind.FOLLOW_UP,
            f"after:{format_duration(follow_up.after)}:{follow_up.survey}",
            due_at,
            follow_up.survey,
        )
    course = appointment.course_plan
    if course and course.end_of_course:
        due_at = move_out_of_quiet_hours(
            appointment.ends_at + course.end_of_course_after,
            patient_zone,
            settings.quiet_hours,
            earlier=False,
        )
        plan(JobKind.END_OF_COURSE, f"course:end:{course.end_of_course}", due_at, course.end_of_course)
    if course and course.drop_out_days:
        due_at = appointment.starts_at + timedelta(days=course.drop_out_days)
        plan(JobKind.COURSE_CHECK, f"course:drop_out:{course.drop_out_days}D", due_at)
    return sorted(planned, key=lambda message: message.due_at)


def _baseline_due(
    appointment: Appointment, course: SessionPlan, zone: ZoneInfo, quiet_hours: QuietHours | None
) -> datetime:
    """`baseline_before` the first session, out of quiet hours; for a session booked later than
    that, soon after the booking."""
    due_at = move_out_of_quiet_hours(
        appointment.starts_at - course.baseline_before, zone, quiet_hours, earlier=True
    )
    if due_at > appointment.created_at:
        return due_at
    return move_out_of_quiet_hours(
        appointment.created_at + BASELINE_AFTER_BOOKING, zone, quiet_hours, earlier=False
    )


def rule_name(rule: ReminderRule) -> str:
    if rule.before is not None:
        return f"before:{format_duration(rule.before)}"
    assert rule.at is not None
    return f"days_before:{rule.days_before}@{rule.at.strftime('%H:%M')}"


def reminder_due_at(
    rule: ReminderRule, starts_at: datetime, zone: ZoneInfo, quiet_hours: QuietHours | None
) -> datetime:
    if rule.before is not None:
        due_at = starts_at - rule.before
    else:
        assert rule.days_before is not None
        assert rule.at is not None
        day = starts_at.astimezone(zone).date() - timedelta(days=rule.days_before)
        due_at = local_wall_time(day, rule.at, zone)
    return move_out_of_quiet_hours(due_at, zone, quiet_hours, earlier=True)


def move_out_of_quiet_hours(
    due_at: datetime, zone: ZoneInfo, quiet_hours: QuietHours | None, *, earlier: bool
) -> datetime:
    """Reminders move to just before the quiet window, follow-ups to its end.

    For reminders the margin before the window counts as quiet too: one due at 20:55 would
    otherwise reach the sender after 21:00, be refused there and never go out.
    """
    if quiet_hours is None:
        return due_at
    probes = (due_at, due_at + QUIET_HOURS_MARGIN) if earlier else (due_at,)
    quiet = [local for local in (probe.astimezone(zone) for probe in probes) if quiet_hours.contains(local)]
    if not quiet:
        return due_at
    start, end = quiet_hours.window_around(quiet[0])
    if earlier:
        return min(due_at, local_wall_time(start.date(), start.time(), zone) - QUIET_HOURS_MARGIN)
    return local_wall_time(end.date(), end.time(), zone)


@dataclass(frozen=True)
class Replan:
    remove: list[Job]
    put: list[Job]


def replan(
    appointment: Appointment,
    jobs: list[Job],
    planned: list[PlannedMessage],
    new_job_id: Callable[[], str],
    now: datetime,
) -> Replan:
    """Replace every message not yet attempted with the new plan; keep what was attempted, and
    what is planned exactly as before (re-planning the same settings changes nothing).

    A cancelled appointment keeps its messages; those still pending become `cancelled`. Once
    an appointment has started its reminders are history (those still pending will never go)
    and only its follow-ups are re-planned. A survey's nudge belongs to the survey, not to the
    plan, and is left alone; so is a sent checklist's deadline.
    """
    if appointment.status is AppointmentStatus.CANCELLED:
        # A course's drop-out check stays: a session cancelled and not booked again is one.
        cancelled = [
            replace(job, state=JobState.CANCELLED, reason=SkipReason.APPOINTMENT_CANCELLED)
            for job in jobs
            if job.state is JobState.PENDING and job.kind is not JobKind.COURSE_CHECK
        ]
        return Replan(remove=[], put=cancelled)
    closed: list[Job] = []
    if appointment.starts_at <= now:
        reason = (
            SkipReason.APPOINTMENT_COMPLETED
            if appointment.status is AppointmentStatus.COMPLETED
            else SkipReason.APPOINTMENT_STARTED
        )
        closed = [
            replace(job, state=JobState.SKIPPED, reason=reason)
            for job in jobs
            if job.kind in BEFORE_SESSION and job.state is JobState.PENDING
        ]
        jobs = [job for job in jobs if job.kind in AFTER_SESSION]
        planned = [message for message in planned if message.kind in AFTER_SESSION]
    replaceable = [job for job in jobs if _replaceable(job)]
    held = [job for job in jobs if _held(job)]
    attempted = {(job.rule, job.due_at) for job in jobs if not _replaceable(job) and not _held(job)}
    pending = {(job.rule, job.due_at) for job in replaceable if job.state is JobState.PENDING}
    # A held message (quiet hours, another survey open) stays while the plan still wants its
    # rule by then; moved later or dropped from the settings, it goes.
    still_held = {
        job.rule for job in held if any(m.rule == job.rule and m.due_at <= job.due_at for m in planned)
    }

    def plan_of(rule: str, due_at: datetime, state: JobState, reason: str | None) -> tuple[object, ...]:
        # Due already but still pending is in flight, not overdue: the scheduler has it.
        if reason == SkipReason.OVERDUE and (rule, due_at) in pending:
            return (rule, due_at, JobState.PENDING, None)
        return (rule, due_at, state, reason)

    wanted = [m for m in planned if (m.rule, m.due_at) not in attempted and m.rule not in still_held]
    kept = {plan_of(m.rule, m.due_at, m.state, m.reason) for m in wanted} & {
        (job.rule, job.due_at, job.state, job.reason) for job in replaceable
    }
    return Replan(
        remove=[job for job in replaceable if (job.rule, job.due_at, job.state, job.reason) not in kept]
        + [job for job in held if job.rule not in still_held],
        put=closed
        + [
            to_job(message, appointment, new_job_id())
            for message in wanted
            if plan_of(message.rule, message.due_at, message.state, message.reason) not in kept
        ],
    )


def _held(job: Job) -> bool:
    return job.state is JobState.PENDING and job.reason is not None and not _after_sending(job)


def _replaceable(job: Job) -> bool:
    """Whether re-planning may replace the job: planned, never attempted, not held."""
    if _after_sending(job):
        return False
    if job.state is JobState.PENDING:
        return job.reason is None
    if job.state is JobState.SKIPPED:
        return job.reason in PLANNING_REASONS
    return job.state is JobState.CANCELLED


NUDGE_RULE = "nudge:"


def _after_sending(job: Job) -> bool:
    """A job a sent message planned (a survey's nudge, a checklist's deadline): not the plan's."""
    return is_nudge(job) or job.kind is JobKind.CHECKLIST_DEADLINE


def is_nudge(job: Job) -> bool:
    return job.rule.startswith(NUDGE_RULE)


def to_job(message: PlannedMessage, appointment: Appointment, job_id: str) -> Job:
    return Job(
        job_id=job_id,
        appointment_id=appointment.appointment_id,
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
        kind=message.kind,
        rule=message.rule,
        due_at=message.due_at,
        state=message.state,
        reason=message.reason,
        survey=message.survey,
    )
