"""The inbound side: what a reply is read against, and the one transaction that writes all it
does (the delivery remembered, the messages, consent, prompts, survey, appointment, alerts).

A processed MessageSid is remembered (with its reply) for a month, the table's TTL removing it
after: Twilio redelivers within hours, and a redelivery must get the same reply, written once.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from touchpoint.adapters.dynamo import (
    alerts,
    appointments,
    checklists,
    clinics,
    keys,
    messages,
    patients,
    surveys,
)
from touchpoint.adapters.dynamo.courses import DynamoCourses
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Item, Repository, failed_conditions
from touchpoint.domain.appointment import Appointment
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.courses import Course
from touchpoint.domain.errors import Conflict
from touchpoint.domain.inbound import DuplicateDelivery, InboundRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import OPEN, Survey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

DEDUPLICATION_WINDOW = timedelta(days=30)


def to_item(record: InboundRecord) -> Item:
    """The delivery, remembered: its first write in the transaction, so a redelivery fails there."""
    return {
        **keys.inbound(record.sms.message_sid),
        "type": "inbound",
        "intent": record.intent,
        "reply": record.reply.body if record.reply else None,
        "expires_at": int((record.at + DEDUPLICATION_WINDOW).timestamp()),
    }


class DynamoInbound(Repository):
    def clinic_for_sender(self, sender: str) -> Clinic | None:
        owner = self.table.get(keys.sender(sender))
        if owner is None:
            return None
        item = self.table.get(keys.clinic(owner["clinic_id"]))
        return clinics.from_item(item) if item else None

    def patient_by_phone(self, clinic_id: str, phone: str) -> Patient | None:
        owner = self.table.get(keys.phone(clinic_id, phone))
        if owner is None:
            return None
        item = self.table.get(keys.patient(clinic_id, owner["patient_id"]))
        return patients.from_item(item) if item else None

    def appointment(self, appointment_id: str) -> Appointment | None:
        item = self.table.get(keys.appointment(appointment_id))
        return appointments.from_item(item) if item else None

    def survey(self, patient_id: str, survey_id: str) -> Survey | None:
        item = self.table.get(keys.survey(patient_id, survey_id))
        return surveys.from_item(item) if item else None

    def course(self, patient_id: str, course_id: str) -> Course | None:
        return DynamoCourses(self.table).find(patient_id, course_id)

    def surveys(self, patient_id: str) -> list[Survey]:
        return DynamoSurveys(self.table).for_patient(patient_id)

    def reply_for(self, message_sid: str) -> str | None:
        item = self.table.get(keys.inbound(message_sid))
        return item.get("reply") if item else None

    def record(self, record: InboundRecord) -> None:
        items: list[TransactWriteItemTypeDef] = [self.table.put_new(to_item(record))]
        partition = None if record.patient else keys.unmatched_partition(record.clinic_id)
        inbound = messages.to_item(record.inbound, partition, shards=self.table.due_shards)
        if record.patient is None:
            # Kept so the clinic can call back a number it does not know yet.
            inbound |= {"from": record.sms.sender, "to": record.sms.to}
        items.append(self.table.put_new(inbound))
        if record.reply:
            items.append(
                self.table.put_new(messages.to_item(record.reply, partition, shards=self.table.due_shards))
            )
        remove = []
        if record.clear_prompt:
            remove.append("awaiting_appointment_id")
        if record.survey and record.survey.status not in OPEN:
            remove.append("active_survey_id")
        if record.checklist:
            remove.append("checklist_appointment_id")
        if record.consent:
            items += patients.consent_items(self.table, record.consent, remove)
        elif remove and record.patient:
            items.append(
                patients.patient_update(
                    self.table, record.patient.clinic_id, record.patient.patient_id, remove=remove
                )
            )
        if record.survey:
            # Two replies to one question cannot both be written: the survey must be as it was read.
            items.append(
                self.table.put(
                    surveys.to_item(record.survey),
                    "answered = :before AND nudged = :nudged",
                    values={":before": record.answered_before, ":nudged": record.survey.nudged},
                )
            )
        if record.appointment:
            items.append(
                self.table.update(
                    keys.appointment(record.appointment.appointment_id),
                    "SET #status = :status",
                    # Not over a status the clinic set meanwhile (a cancel, say).
                    condition="#status = :seen",
                    names={"#status": "status"},
                    values={":status": record.appointment.status.value, ":seen": record.appointment_seen},
                )
            )
        if record.checklist:
            items.append(checklists.answer_item(self.table, record.checklist, record.checklist_seen))
        items += [self.table.put_new(item) for alert in record.alerts for item in alerts.new_items(alert)]
        try:
            self.table.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            failed = failed_conditions(error)
            if 0 in failed:  # the delivery's own item: this MessageSid was processed before
                raise DuplicateDelivery(record.sms.message_sid) from None
            if failed:
                raise Conflict(
                    "the patient, appointment or survey changed while the reply was read"
                ) from None
            raise
