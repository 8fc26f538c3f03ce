"""Inbound SMS and delivery status callbacks, as the domain sees them, and what one inbound SMS
changes, written at once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from touchpoint.domain.alerts import Alert
from touchpoint.domain.appointment import Appointment
from touchpoint.domain.consent import ConsentChange
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey

# A message whose send timed out is matched to a callback for a SID we never saw, if it went
# out this long before the callback at most.
RECONCILE_WINDOW = timedelta(hours=24)

# Twilio accepts at most 1,600 characters; anything longer is kept up to this bound.
MAX_BODY_CHARS = 1600

# Later statuses never give way to earlier ones arriving late; terminal ones share the top rank.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}


# A status from which no later callback moves a message: delivered, undelivered, failed, read.
FINAL_RANK = STATUS_RANK["delivered"]
# A message sent without a final status this long is asked about (Twilio's record fetched),
# once a day, for at most LAST_STATUS_CHECK after it was sent.
AWAIT_FINAL_STATUS = timedelta(hours=24)
LAST_STATUS_CHECK = timedelta(hours=72)


def is_final(status: str) -> bool:
    return STATUS_RANK.get(status, 0) >= FINAL_RANK


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    sender: str  # the patient's number, as Twilio gives it
    to: str
    messaging_service_sid: str | None
    body: str


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str
    status: str
    error_code: str | None
    at: datetime
    to: str | None = None  # the patient's number
    sender: str | None = None  # the clinic's number or Messaging Service SID
    # The carrier reports the patient unsubscribed (STOP with the carrier): opt them out here too.
    unsubscribed: bool = False

    @property
    def rank(self) -> int:
        return STATUS_RANK.get(self.status, 0)


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
    checklist: Appointment | None = None  # with its checklist's new state, when the reply answered it
    checklist_seen: str | None = None  # that checklist's state as read, which the change must still find


@dataclass(frozen=True)
class StatusApplied:
    message: MessageRecord
    applied: bool  # False: a later status was stored already, this one came late
