"""Sending one planned message: which job, what the sender needs to render it, how it ended, and
what the SMS gateway can answer."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from touchpoint.domain.appointment import Appointment, Job
from touchpoint.domain.caps import RecentSend
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.courses import Course
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # it may no longer go (opted out, cancelled, quiet hours until the session)
    HELD = "held"  # not now: back to pending until later
    UNKNOWN = "unknown"  # Twilio may have it: never sent again blindly
    FAILED = "failed"  # Twilio refused it
    IGNORED = "ignored"  # not queued any more (sent already, or gone)


# A job a pass claims is leased: it stays on the due index, at the lease's expiry, until it is
# final. A claim the sender has not taken by then is claimed again by a later pass (the queue
# message was lost, or the pass died before sending it); a send not recorded by the end of its
# lease was interrupted, and a pass settles it as `unknown` (never sent blindly again).
QUEUE_LEASE = timedelta(minutes=5)  # longer than the queue's visibility timeout (180 s)
SEND_LEASE = timedelta(minutes=2)  # longer than the sender's timeout (30 s); shorter than 180 s
MAX_CLAIMS = 5  # a job claimed this often and never taken fails, rather than circle for ever


@dataclass(frozen=True)
class JobRef:
    appointment_id: str
    job_id: str
    lease: str | None = None  # the claim a queue message carries; the sender takes only that one


@dataclass(frozen=True)
class Interrupted:
    """A job found `sending` past its lease: the sender died between taking it and recording
    what Twilio said."""

    job: Job


def lease_expired(job: Job, now: datetime) -> bool:
    """Whether a `queued` or `sending` job's lease is over (a job stored before leases has none)."""
    return job.lease_until is None or job.lease_until <= now


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
    # The patient's scheduled messages of the last 7 days, for the frequency caps.
    recent: tuple[RecentSend, ...] = ()
    # A course's jobs: the course (for its drop-out check), the patient's surveys (for a baseline).
    course: Course | None = None
    scores: tuple[Survey, ...] = ()


@dataclass(frozen=True)
class SmsReceipt:
    sid: str
    status: str


@dataclass(frozen=True)
class SentSms:
    """A message as the gateway's own records hold it (Twilio's Message resource)."""

    sid: str
    to: str
    body: str
    status: str  # Twilio's: queued, sending, sent, delivered, undelivered, failed, ...
    sent_at: datetime | None  # when the gateway sent it on (None while it has not)
    error_code: str | None = None
    unsubscribed: bool = False  # the error says the recipient opted out with the carrier


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
