"""The inbound path's storage: what an incoming SMS reads and writes, and status callbacks."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from touchpoint.domain.appointment import Appointment
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.courses import Course
from touchpoint.domain.inbound import InboundRecord, StatusApplied, StatusCallback
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


class InboundStore(Protocol):
    def clinic_for_sender(self, sender: str) -> Clinic | None: ...
    def patient_by_phone(self, clinic_id: str, phone: str) -> Patient | None: ...
    def appointment(self, appointment_id: str) -> Appointment | None: ...
    def survey(self, patient_id: str, survey_id: str) -> Survey | None: ...
    def course(self, patient_id: str, course_id: str) -> Course | None: ...
    def surveys(self, patient_id: str) -> list[Survey]:
        """The patient's surveys, for a course's checkpoints when one of its surveys completes."""
        ...

    def record(self, record: InboundRecord) -> None:
        """Store it all, once per MessageSid; raises DuplicateDelivery for a MessageSid seen before,
        Conflict when what the reply changes moved on after it was read."""
        ...

    def reply_for(self, message_sid: str) -> str | None:
        """The reply given the first time this MessageSid was processed."""
        ...


class StatusStore(Protocol):
    def apply(self, callback: StatusCallback) -> StatusApplied | None:
        """Update the message's status unless a later one is stored; None for a SID not ours."""
        ...

    def adopt(self, callback: StatusCallback) -> StatusApplied | None:
        """A callback for a SID we never saw: if it is the one `unknown` message (a send that
        timed out) to that number lately, that message is sent after all: take its SID."""
        ...


class StatusChecks(Protocol):
    """Messages sent without a final status, asked about once a day."""

    def awaiting_final_status(self, now: datetime, lookback: timedelta) -> Iterable[MessageRecord]: ...
    def check_again(self, message: MessageRecord, at: datetime) -> None: ...
    def stop_checking(self, message: MessageRecord) -> None: ...
