"""Sending one queued job: check it may still go, render it, hand it to the SMS gateway."""

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from touchpoint.domain.appointment import SENDS_NOTHING, SURVEY_KINDS, Job, JobKind, JobState
from touchpoint.domain.caps import WEEK, RecentSend
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.delivery import (
    SEND_LEASE,
    DeliveryOutcome,
    JobRef,
    NotQueued,
    SendContext,
    SmsOutcomeUnknown,
    SmsRejected,
    SmsRetryLater,
    lease_expired,
)
from touchpoint.domain.errors import Conflict
from touchpoint.domain.ids import new_id
from touchpoint.domain.instruments import instrument_in
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.outgoing import COURSE_SURVEYS, planned_text
from touchpoint.domain.planning import NUDGE_RULE, HoldReason, SkipReason, is_nudge, move_out_of_quiet_hours
from touchpoint.domain.ports.jobs import JobRepository
from touchpoint.domain.ports.sms import SmsGateway
from touchpoint.domain.ports.stores import PatientRepository
from touchpoint.domain.send_checks import Hold, frequency_cap_hold, quiet_hours_hold, reason_not_to_send
from touchpoint.domain.surveys import OPEN, Survey, nudge_due, nudge_text, open_survey
from touchpoint.usecases.checklists import checklist_outgoing, close_checklist
from touchpoint.usecases.course_checks import check_drop_out, recent_score

INTERRUPTED = "interrupted_while_sending"
LEASED = (JobState.QUEUED, JobState.SENDING)

# How often a follow-up looks again whether the patient has finished the survey they have open.
SURVEY_WAIT = timedelta(minutes=30)


class RetryLater(Exception):
    """The job went back to `queued`: the queue should deliver it again later."""


@dataclass(frozen=True)
class Delivery:
    outcome: DeliveryOutcome
    reason: str | None = None


@dataclass(frozen=True)
class Outgoing:
    body: str
    survey: Survey | None = None  # opened by this SMS, or nudged by it
    nudge: Job | None = None  # the one nudge of the survey it opens
    deadline: Job | None = None  # a checklist's: when its answer falls due


class Sender:
    def __init__(self, jobs: JobRepository, patients: PatientRepository, sms: SmsGateway) -> None:
        self.jobs = jobs
        self.patients = patients
        self.sms = sms

    def deliver(self, ref: JobRef, now: datetime) -> Delivery:
        job = self.jobs.start_sending(ref, now)
        if isinstance(job, NotQueued):
            return self._not_queued(job, ref, now)
        if job.kind in SENDS_NOTHING:
            return Delivery(DeliveryOutcome.SKIPPED, close_without_sending(self.jobs, job, now))
        try:
            prepared = self._prepare(job, now)
            if isinstance(prepared, Hold):
                if prepared.until is None:
                    self.jobs.record_outcome(job, JobState.SKIPPED, reason=prepared.reason)
                    return Delivery(DeliveryOutcome.SKIPPED, prepared.reason)
                self.jobs.hold(job, prepared.until, prepared.reason)
                return Delivery(DeliveryOutcome.HELD, prepared.reason)
        except BaseException:
            # Nothing went to Twilio and nothing was written: back to the queue, to try again.
            self.jobs.back_to_queue(job, now)
            raise
        context, outgoing = prepared
        body = outgoing.body
        counted, forget = _remembered(job, context, now)
        try:
            receipt = self.sms.send(
                to=context.patient.phone, sender=context.clinic.settings.sender, body=body
            )
        except SmsRetryLater:
            self.jobs.back_to_queue(job, now)
            raise RetryLater(job.job_id) from None
        except SmsOutcomeUnknown:
            # As if sent, but `unknown`: a survey opens all the same, so that the patient's
            # answers are understood if the SMS did arrive.
            self.jobs.record_sent(
                job,
                _message(job, body, "unknown", now),
                survey=outgoing.survey,
                nudge=outgoing.nudge,
                deadline=outgoing.deadline,
                outcome=JobState.UNKNOWN,
                counted=counted,
                forget=forget,
            )
            return Delivery(DeliveryOutcome.UNKNOWN, "twilio_outcome_unknown")
        except SmsRejected as rejected:
            self.jobs.record_outcome(
                job,
                JobState.FAILED,
                reason=f"twilio_error_{rejected.code}",
                message=_message(job, body, "failed", now, error_code=rejected.code),
            )
            if rejected.unsubscribed:
                with suppress(Conflict):  # opted out already
                    self.patients.record_consent(
                        ConsentChange(
                            job.patient_id,
                            job.clinic_id,
                            ConsentAction.OPT_OUT,
                            ConsentSource.CARRIER_OPT_OUT,
                            now,
                        )
                    )
            return Delivery(DeliveryOutcome.FAILED, f"twilio_error_{rejected.code}")
        self.jobs.record_sent(
            job,
            _message(job, body, receipt.status, now, sid=receipt.sid),
            survey=outgoing.survey,
            nudge=outgoing.nudge,
            deadline=outgoing.deadline,
            counted=counted,
            forget=forget,
        )
        return Delivery(DeliveryOutcome.SENT)

    def _prepare(self, job: Job, now: datetime) -> tuple[SendContext, Outgoing] | Hold:
        context = self.jobs.context(job)
        appointment, patient, settings = context.appointment, context.patient, context.clinic.settings
        reason = reason_not_to_send(job, appointment, patient, settings, now)
        if reason:
            return Hold(None, reason)
        hold = quiet_hours_hold(job, appointment, patient, settings, now)
        if hold:
            return hold
        if job.kind is JobKind.BASELINE and recent_score(job, context, now):
            return Hold(None, SkipReason.RECENT_SCORE)
        open_survey = context.survey if job.kind in SURVEY_KINDS and not is_nudge(job) else None
        if open_survey is not None and open_survey.status_at(now) in OPEN:
            return Hold(min(open_survey.expires_at, now + SURVEY_WAIT), HoldReason.WAITING_FOR_OPEN_SURVEY)
        hold = frequency_cap_hold(job, appointment, patient, settings, context.recent, now)
        if hold:
            return hold
        outgoing = render(job, context, now)
        return (context, outgoing) if outgoing else Hold(None, SkipReason.SURVEY_CLOSED)

    def _not_queued(self, refused: NotQueued, ref: JobRef, now: datetime) -> Delivery:
        job = refused.job
        if job is None:
            return Delivery(DeliveryOutcome.IGNORED, "job_not_found")
        if ref.lease is not None and job.lease_id != ref.lease and job.state in LEASED:
            # A claim a later pass replaced (this message was late): the newer one carries it.
            return Delivery(DeliveryOutcome.IGNORED, "claim_replaced")
        if job.state is JobState.SENDING:
            if not lease_expired(job, now):
                # Another delivery of this message is sending it now; if it dies, the lease ends
                # and the next pass settles the job.
                return Delivery(DeliveryOutcome.IGNORED, "sending_elsewhere")
            settle_interrupted(self.jobs, job, now)
            return Delivery(DeliveryOutcome.UNKNOWN, INTERRUPTED)
        return Delivery(DeliveryOutcome.IGNORED, f"already_{job.state.value}")


def _remembered(job: Job, context: SendContext, now: datetime) -> tuple[RecentSend | None, tuple[str, ...]]:
    """What the frequency caps remember of a send: every scheduled message but a nudge (whatever
    the caps, so that changed caps count it too), and those past the week forgotten. `now` is the
    message's own time: the caps count from when it was logged."""
    if is_nudge(job):
        return None, ()
    forget = tuple(send.job_id for send in context.recent if send.at <= now - WEEK)
    return RecentSend(job.job_id, now, job.kind.value), forget


def close_without_sending(jobs: JobRepository, job: Job, now: datetime) -> str:
    """A job that sends nothing, done: a checklist's deadline closes an unanswered checklist, a
    course's check raises `drop_out` if no session was booked since. The reason."""
    if job.kind is JobKind.CHECKLIST_DEADLINE:
        return close_checklist(jobs, job, now)
    return check_drop_out(jobs, job, now)


def settle_interrupted(jobs: JobRepository, job: Job, now: datetime) -> bool:
    """A send that stopped between taking the job and recording Twilio's answer: Twilio may
    have the message. `unknown`, for reconciliation, instead of a second send, with what the
    patient may have received logged for the clinic. False if someone settled it first."""
    if job.kind in SENDS_NOTHING:  # done now instead
        try:
            close_without_sending(jobs, job, now)
        except Conflict:
            return False
        return True
    outgoing = render(job, jobs.context(job), now)
    # Logged when the send began (its lease's start): where Twilio's records would have it.
    began = job.lease_until - SEND_LEASE if job.lease_until else now
    try:
        jobs.record_outcome(
            job,
            JobState.UNKNOWN,
            reason=INTERRUPTED,
            message=_message(job, outgoing.body if outgoing else "", "unknown", min(began, now)),
        )
    except Conflict:
        return False
    return True


def render(job: Job, context: SendContext, now: datetime) -> Outgoing | None:
    """The SMS a job sends; None for a nudge whose survey has closed meanwhile."""
    patient, settings = context.patient, context.clinic.settings
    language = patient.language_in(settings)
    if job.kind is JobKind.REMINDER:
        starts_at = context.appointment.starts_at
        return Outgoing(
            planned_text(
                job.kind, None, settings, patient.first_name, starts_at, patient.timezone, language=language
            )
        )
    if job.kind is JobKind.CHECKLIST:
        body, deadline = checklist_outgoing(job, context, now)
        return Outgoing(body, deadline=deadline)
    if job.kind in SENDS_NOTHING:
        return None
    if is_nudge(job):
        survey = context.survey
        superseded = patient.active_survey_id != survey.survey_id if survey else True
        if survey is None or superseded or survey.status_at(now) not in OPEN or survey.nudged:
            return None  # done, expired, nudged already, or a newer check-in took its place
        instrument = instrument_in(survey.instrument_id, language)
        reminding = nudge_text(survey, instrument, patient.first_name, language)
        return Outgoing(reminding, replace(survey, nudged=True))
    assert job.survey is not None
    instrument = instrument_in(job.survey, language)
    appointment = context.appointment
    invitation = None
    if job.kind in COURSE_SURVEYS:
        invitation = planned_text(
            job.kind,
            instrument,
            settings,
            patient.first_name,
            appointment.starts_at,
            patient.timezone,
            language=language,
        )
    survey, body = open_survey(
        new_id("sv"),
        instrument,
        settings,
        patient.first_name,
        clinic_id=job.clinic_id,
        patient_id=job.patient_id,
        appointment_id=job.appointment_id,
        session_at=appointment.starts_at,
        now=now,
        course=(appointment.course_id, appointment.session or 0) if appointment.course_id else None,
        invitation=invitation,
        language=language,
    )
    nudge_at = move_out_of_quiet_hours(
        nudge_due(survey), patient.timezone, settings.quiet_hours, earlier=False
    )
    nudge = None
    if nudge_at < survey.expires_at:
        nudge = replace(
            job,
            job_id=new_id("jb"),
            rule=NUDGE_RULE + survey.survey_id,
            due_at=nudge_at,
            state=JobState.PENDING,
            reason=None,
            twilio_sid=None,
            error_code=None,
        )
    return Outgoing(body, survey, nudge)


def _message(
    job: Job,
    body: str,
    status: str,
    now: datetime,
    *,
    sid: str | None = None,
    error_code: str | None = None,
) -> MessageRecord:
    return MessageRecord(
        message_id=new_id("msg"),
        clinic_id=job.clinic_id,
        patient_id=job.patient_id,
        direction="outbound",
        body=body,
        status=status,
        at=now,
        twilio_sid=sid,
        job_id=job.job_id,
        appointment_id=job.appointment_id,
        error_code=error_code,
    )
