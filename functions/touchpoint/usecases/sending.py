"""Sending one queued job: check it may still go, render it, hand it to the SMS gateway."""

from dataclasses import dataclass
from datetime import datetime

from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.inbound import ConsentChange
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.planning import reason_not_to_send
from touchpoint.domain.ports import (
    UNSUBSCRIBED_RECIPIENT,
    JobRef,
    JobRepository,
    NotQueued,
    PatientRepository,
    SendContext,
    SmsGateway,
    SmsOutcomeUnknown,
    SmsRejected,
    SmsRetryLater,
)
from touchpoint.domain.texts import reminder_text
from touchpoint.usecases.ids import new_id


class RetryLater(Exception):
    """The job went back to `queued`: the queue should deliver it again later."""


@dataclass(frozen=True)
class Delivery:
    outcome: str  # sent | skipped | unknown | failed | ignored
    reason: str | None = None


class Sender:
    def __init__(self, jobs: JobRepository, patients: PatientRepository, sms: SmsGateway) -> None:
        self.jobs = jobs
        self.patients = patients
        self.sms = sms

    def deliver(self, ref: JobRef, now: datetime) -> Delivery:
        job = self.jobs.start_sending(ref, now)
        if isinstance(job, NotQueued):
            return self._not_queued(job, now)
        context = self.jobs.context(job)
        reason = reason_not_to_send(job, context.appointment, context.patient, context.clinic.settings, now)
        if reason:
            self.jobs.record_outcome(job, JobState.SKIPPED, reason=reason)
            return Delivery("skipped", reason)
        body = render(job, context)
        try:
            receipt = self.sms.send(
                to=context.patient.phone, sender=context.clinic.settings.sender, body=body
            )
        except SmsRetryLater:
            self.jobs.back_to_queue(job)
            raise RetryLater(job.job_id) from None
        except SmsOutcomeUnknown:
            self.jobs.record_outcome(
                job,
                JobState.UNKNOWN,
                reason="twilio_outcome_unknown",
                message=_message(job, body, "unknown", now),
            )
            return Delivery("unknown", "twilio_outcome_unknown")
        except SmsRejected as rejected:
            self.jobs.record_outcome(
                job,
                JobState.FAILED,
                reason=f"twilio_error_{rejected.code}",
                message=_message(job, body, "failed", now, error_code=rejected.code),
            )
            if rejected.code == UNSUBSCRIBED_RECIPIENT:
                self.patients.record_consent(
                    ConsentChange(job.patient_id, job.clinic_id, "opt_out", "twilio_21610", now)
                )
            return Delivery("failed", f"twilio_error_{rejected.code}")
        self.jobs.record_sent(job, _message(job, body, receipt.status, now, sid=receipt.sid))
        return Delivery("sent")

    def _not_queued(self, refused: NotQueued, now: datetime) -> Delivery:
        if refused.job is None:
            return Delivery("ignored", "job_not_found")
        if refused.job.state is JobState.SENDING:
            # An earlier attempt stopped between claiming and recording: Twilio may have the
            # message. Mark it for reconciliation instead of sending it a second time, and show
            # the clinic what the patient may have received.
            job = refused.job
            body = render(job, self.jobs.context(job))
            self.jobs.record_outcome(
                job,
                JobState.UNKNOWN,
                reason="interrupted_while_sending",
                message=_message(job, body, "unknown", now),
            )
            return Delivery("unknown", "interrupted_while_sending")
        return Delivery("ignored", f"already_{refused.job.state.value}")


def render(job: Job, context: SendContext) -> str:
    return reminder_text(
        context.patient.first_name,
        context.clinic.settings,
        context.appointment.starts_at,
        context.patient.timezone,
    )


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
