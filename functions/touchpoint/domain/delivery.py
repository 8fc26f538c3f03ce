"""Sending one planned message: which job, what the sender needs to render it, how it ended, and
what the SMS gateway can answer."""

from dataclasses import dataclass
from enum import StrEnum

from touchpoint.domain.appointment import Appointment, Job
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # it may no longer go (opted out, cancelled, quiet hours until the session)
    HELD = "held"  # not now: back to pending until later
    UNKNOWN = "unknown"  # Twilio may have it: never sent again blindly
    FAILED = "failed"  # Twilio refused it
    IGNORED = "ignored"  # not queued any more (sent already, or gone)


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


@dataclass(frozen=True)
class SmsReceipt:
    sid: str
    status: str


class SmsRetryLater(Exception):
    """The gateway did not take the message and said so (throttled): safe to try again later."""


class SmsOutcomeUnknown(Exception):
    """The gateway may or may not have taken the message (timeout, 5xx): never resend blindly."""


class SmsRejected(Exception):
    """The gateway refused the message; `unsubscribed` when the recipient had opted out with the
    carrier (the patient is then opted out here too)."""

    def __init__(self, code: str, message: str, *, unsubscribed: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.unsubscribed = unsubscribed
