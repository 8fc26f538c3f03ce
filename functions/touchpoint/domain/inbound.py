"""Inbound SMS, Twilio status callbacks and consent changes, as the domain sees them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    sender: str  # the patient's number, as Twilio gives it
    to: str
    messaging_service_sid: str | None
    body: str


@dataclass(frozen=True)
class ConsentChange:
    """One line of the consent ledger: who opted out or back in, when, and how."""

    patient_id: str
    clinic_id: str
    action: str  # opt_out | opt_in
    source: str  # keyword | twilio_21610 | admin
    at: datetime
    message_sid: str | None = None


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str
    status: str
    error_code: str | None
    at: datetime
    to: str | None = None  # the patient's number
    sender: str | None = None  # the clinic's number or Messaging Service SID

    @property
    def rank(self) -> int:
        return STATUS_RANK.get(self.status, 0)
