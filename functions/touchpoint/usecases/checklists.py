"""The sender's part of the pre-session checklist: the SMS with the job of its deadline, and the
deadline itself, which sends nothing and closes a checklist still unanswered as `no_answer`."""

from dataclasses import replace
from datetime import datetime

from touchpoint.domain.alerts import AlertKind, new_alert
from touchpoint.domain.appointment import AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.checklist import ChecklistState
from touchpoint.domain.checklist_text import no_answer_alert
from touchpoint.domain.delivery import SendContext
from touchpoint.domain.errors import Conflict
from touchpoint.domain.ids import new_id
from touchpoint.domain.outgoing import planned_text
from touchpoint.domain.ports.jobs import JobRepository

DEADLINE_RULE = "checklist_deadline:"
NO_ANSWER = "no_answer"  # the deadline found the checklist unanswered, and closed it
NOT_PENDING = "checklist_not_pending"  # answered in time, or asked again for a new time


def checklist_outgoing(job: Job, context: SendContext, now: datetime) -> tuple[str, Job]:
    """The checklist's text ("tomorrow" seen from `now`), and the job of its deadline: `answer_by`
    before the start, on the due index like any job, so the scheduler finds it without a Scan."""
    patient, settings, appointment = context.patient, context.clinic.settings, context.appointment
    assert settings.checklist is not None, "reason_not_to_send skips a checklist the clinic turned off"
    body = planned_text(
        job.kind,
        None,
        settings,
        patient.first_name,
        appointment.starts_at,
        patient.timezone,
        now,
        patient.language_in(settings),
    )
    deadline = replace(
        job,
        job_id=new_id("jb"),
        kind=JobKind.CHECKLIST_DEADLINE,
        rule=DEADLINE_RULE + job.job_id,
        due_at=appointment.starts_at - settings.checklist.answer_by,
        state=JobState.PENDING,
        reason=None,
        twilio_sid=None,
        error_code=None,
        lease_id=None,
        lease_until=None,
        claims=0,
    )
    return body, deadline


def close_checklist(jobs: JobRepository, job: Job, now: datetime) -> str:
    """A deadline taken off the queue: `no_answer` (with an alert, if the clinic asks for one)
    when its checklist is still pending for it; else nothing but the job closed. The reason."""
    try:
        context = jobs.context(job)
        appointment, settings = context.appointment, context.clinic.settings
        unanswered = (
            appointment.checklist is ChecklistState.PENDING
            and appointment.checklist_due_at == job.due_at
            and appointment.status is not AppointmentStatus.CANCELLED
        )
        alert = None
        if unanswered and settings.checklist is not None and settings.checklist.alert_no_answer:
            alert = new_alert(
                new_id("al"),
                job.clinic_id,
                AlertKind.CHECKLIST,
                now,
                no_answer_alert(job.due_at, context.patient.timezone),
                escalation_interval=settings.escalation_interval,
                patient_id=job.patient_id,
                first_name=context.patient.first_name,
            )
        reason = NO_ANSWER if unanswered else NOT_PENDING
        try:
            jobs.close_unsent(job, reason, alert=alert, no_answer=unanswered)
        except Conflict:
            if not unanswered:
                raise
            # Answered between the read and the write: the answer stands.
            reason = NOT_PENDING
            jobs.close_unsent(job, reason, alert=None)
    except BaseException:
        jobs.back_to_queue(job, now)  # nothing was written: the queue brings it back
        raise
    return reason
