"""What the clinic reads back: every SMS in and out of a patient's phone."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from touchpoint.domain.timeutil import utc_iso


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

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "direction": self.direction,
            "body": self.body,
            "status": self.status,
            "at": utc_iso(self.at),
        }
        optional = {
            "twilio_sid": self.twilio_sid,
            "job_id": self.job_id,
            "appointment_id": self.appointment_id,
            "error_code": self.error_code,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data
