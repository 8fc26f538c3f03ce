"""What the use cases need from the outside world; the adapters implement these."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from touchpoint.domain.alerts import Alert, AlertFilter
from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobState
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.inbound import ConsentChange, InboundSms, StatusCallback
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


@dataclass(frozen=True)
class JobRef:
    appointment_id: str
    job_id: str


@dataclass(frozen=True)
class NotQueued:
    """The job was not `queued` when the sender came for it: `job` as stored (None if gone)."""

    job: Job | None


@dataclass(frozen=True)
class SendContext:
    clinic: Clinic
    patient: Patient
    appointment: Appointment
    # A nudge's survey; for a new follow-up, the survey the patient has open, if any.
    survey: Survey | None = None


class ClinicRepository(Protocol):
    def add(self, clinic: Clinic) -> None: ...
    def get(self, clinic_id: str) -> Clinic: ...
    def replace(self, old: Clinic, new: Clinic) -> None: ...


class PatientRepository(Protocol):
    def add(self, patient: Patient) -> None: ...
    def get(self, clinic_id: str, patient_id: str) -> Patient: ...
    def record_consent(self, change: ConsentChange) -> None:
        """Set the patient's opt-out flag and add the change to the consent ledger, together;
        Conflict if the patient is in that state already (one ledger line per change)."""
        ...


class AppointmentRepository(Protocol):
    def add(self, appointment: Appointment, jobs: list[Job]) -> None: ...
    def get(self, appointment_id: str) -> tuple[Appointment, list[Job]]: ...
    def save_plan(
        self, appointment: Appointment, *, seen: AppointmentStatus, remove: list[Job], put: list[Job]
    ) -> None:
        """Store the appointment (only if its status is still `seen`: a patient's reply may have
        changed it), delete `remove` (only if still in the state read) and put `put`."""
        ...

    def open_for_clinic(self, clinic_id: str, starting_after: datetime) -> list[Appointment]:
        """The clinic's appointments from `starting_after` on, but the cancelled ones."""
        ...


class JobRepository(Protocol):
    def due(self, now: datetime, lookback: timedelta) -> Iterable[JobRef]: ...
    def missed(self, now: datetime, lookback: timedelta) -> Iterable[JobRef]:
        """Jobs still pending that fell due just before the look-back window."""
        ...

    def claim_for_queue(self, ref: JobRef, now: datetime) -> bool: ...
    def skip_missed(self, ref: JobRef, now: datetime) -> bool: ...
    def release_to_pending(self, ref: JobRef) -> None: ...
    def start_sending(self, ref: JobRef, now: datetime) -> Job | NotQueued:
        """Move the job from `queued` to `sending` and return it."""
        ...

    def context(self, job: Job) -> SendContext: ...
    def record_sent(
        self,
        job: Job,
        message: MessageRecord,
        *,
        survey: Survey | None = None,
        nudge: Job | None = None,
        outcome: JobState = JobState.SENT,
    ) -> None:
        """The job `sent` (or `unknown`: Twilio may have it), its message logged; a follow-up's
        survey opened (or a nudged one marked), with the job of its one nudge."""
        ...

    def hold(self, job: Job, until: datetime, reason: str) -> None:
        """A `sending` job back to `pending`, due at `until`."""
        ...

    def record_outcome(
        self,
        job: Job,
        state: JobState,
        *,
        reason: str | None = None,
        message: MessageRecord | None = None,
    ) -> None:
        """Move a `sending` job to a final state (skipped, failed, unknown)."""
        ...

    def back_to_queue(self, job: Job) -> None: ...


class MessageLog(Protocol):
    def for_patient(self, patient_id: str) -> list[MessageRecord]: ...


class JobQueue(Protocol):
    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        """Queue the jobs for sending; returns those that could not be queued."""
        ...


@dataclass(frozen=True)
class SmsReceipt:
    sid: str
    status: str


class SmsRetryLater(Exception):
    """Twilio did not take the message and said so (429): safe to try again later."""


class SmsOutcomeUnknown(Exception):
    """Twilio may or may not have taken the message (timeout, 5xx): never resend blindly."""


class SmsRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


UNSUBSCRIBED_RECIPIENT = "21610"


class SmsGateway(Protocol):
    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt: ...


class DuplicateDelivery(Exception):
    """Twilio delivered this MessageSid before: it was processed then."""


@dataclass(frozen=True)
class InboundRecord:
    """Everything one inbound SMS changes, written at once (or not at all, if it is a duplicate)."""

    sms: InboundSms
    at: datetime
    clinic_id: str | None
    patient: Patient | None
    intent: str
    inbound: MessageRecord
    reply: MessageRecord | None
    consent: ConsentChange | None
    appointment: Appointment | None  # with its new status, when the reply changed it
    appointment_seen: str | None  # its status as read, which the change must still find
    clear_prompt: bool
    alerts: tuple[Alert, ...]
    survey: Survey | None = None  # with the answers the reply gave
    answered_before: int = 0  # the survey's answers as read, so that two replies cannot both write


class InboxStore(Protocol):
    def clinic_for_sender(self, sender: str) -> Clinic | None: ...
    def patient_by_phone(self, clinic_id: str, phone: str) -> Patient | None: ...
    def appointment(self, appointment_id: str) -> Appointment | None: ...
    def survey(self, patient_id: str, survey_id: str) -> Survey | None: ...
    def record(self, record: InboundRecord) -> None:
        """Store it all, once per MessageSid; raises DuplicateDelivery for a MessageSid seen before,
        Conflict when what the reply changes moved on after it was read."""
        ...

    def reply_for(self, message_sid: str) -> str | None:
        """The reply given the first time this MessageSid was processed."""
        ...


@dataclass(frozen=True)
class StatusApplied:
    message: MessageRecord
    applied: bool  # False: a later status was stored already, this one came late


class StatusStore(Protocol):
    def apply(self, callback: StatusCallback) -> StatusApplied | None:
        """Update the message's status unless a later one is stored; None for a SID not ours."""
        ...

    def adopt(self, callback: StatusCallback) -> StatusApplied | None:
        """A callback for a SID we never saw: if it is the one `unknown` message (a send that
        timed out) to that number lately, that message is sent after all: take its SID."""
        ...


class AlertLog(Protocol):
    def for_clinic(self, clinic_id: str, which: AlertFilter) -> list[Alert]:
        """The clinic's alerts that `which` lets through, newest first."""
        ...

    def get(self, clinic_id: str, alert_id: str) -> Alert:
        """NotFound unless the alert is one of this clinic's."""
        ...

    def record_acknowledgement(self, alert: Alert) -> None:
        """Store `alert` as acknowledged, only if the stored one is still open (Conflict if not);
        it leaves the escalation index."""
        ...


class AlertEscalations(Protocol):
    def due_for_escalation(self, now: datetime, limit: int) -> Iterable[Alert]:
        """Open crisis alerts whose next escalation is due by `now`, the longest waiting first."""
        ...

    def move_escalation(self, seen: Alert, new: Alert) -> bool:
        """Give the alert `new`'s escalation count, time and next due time, only if it is still
        open with `seen`'s; False when it is not (acknowledged, or another pass was first)."""
        ...


class AlertPublisher(Protocol):
    def publish(self, alert: Alert, clinic_name: str) -> None: ...


class EscalationPublisher(Protocol):
    def escalate(self, alert: Alert, clinic_name: str) -> None:
        """Tell the clinic's people again, louder: the crisis alert is still open."""
        ...


class SurveyLog(Protocol):
    def for_patient(self, patient_id: str) -> list[Survey]: ...
