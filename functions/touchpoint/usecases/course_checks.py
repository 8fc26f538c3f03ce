"""The sender's part of a course: whether a baseline survey may stand down for a recent score,
and the drop-out check, a job that sends nothing and raises `drop_out` when it finds no session
booked since its own (domain/checkpoints.py)."""

from datetime import datetime, timedelta

from touchpoint.domain.alerts import new_alert
from touchpoint.domain.appointment import Job
from touchpoint.domain.checkpoints import drop_out
from touchpoint.domain.delivery import SendContext
from touchpoint.domain.ids import new_id
from touchpoint.domain.ports.jobs import JobRepository
from touchpoint.domain.surveys import SurveyStatus

DROPPED_OUT = "drop_out"  # the check raised its alert
BOOKED = "course_check_passed"  # a next session was booked, or the course is paused or done


def recent_score(job: Job, context: SendContext, now: datetime) -> bool:
    """A baseline's instrument scored in the course's `baseline_reuse_days` before now."""
    plan = context.appointment.course_plan
    if plan is None or not plan.baseline_reuse_days:
        return False
    since = now - timedelta(days=plan.baseline_reuse_days)
    return any(
        survey.instrument_id == job.survey
        and survey.status is SurveyStatus.COMPLETED
        and survey.completed_at is not None
        and survey.completed_at >= since
        for survey in context.scores
    )


def check_drop_out(jobs: JobRepository, job: Job, now: datetime) -> str:
    """A drop-out check taken off the queue: the alert, or nothing, and the job closed. The reason."""
    try:
        context = jobs.context(job)
        found = drop_out(context.course, context.appointment) if context.course else None
        alert = None
        if found is not None:
            alert = new_alert(
                new_id("al"),
                job.clinic_id,
                found.kind,
                now,
                found.text,
                escalation_interval=context.clinic.settings.escalation_interval,
                patient_id=job.patient_id,
                first_name=context.patient.first_name,
                rule=found.rule,
            )
        reason = DROPPED_OUT if alert else BOOKED
        jobs.close_unsent(job, reason, alert=alert)
    except BaseException:
        jobs.back_to_queue(job, now)  # nothing was written: the queue brings it back
        raise
    return reason
