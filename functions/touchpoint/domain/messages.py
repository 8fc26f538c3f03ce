"""What the clinic reads back: every SMS in and out of a patient's phone."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MessageRecord:
    message_id: str
    clinic_id: str
    patient_id: str
    direction: str  # "outbound" | "inbound"
    body: str
    status: str
    at: datetime
    twilio_sid: str | None = None
    job_id: str | None = None
    appointment_id: str | None = None
    error_code: str | None = None
