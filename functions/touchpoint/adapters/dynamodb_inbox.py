"""DynamoDB side of inbound SMS, status callbacks and the consent ledger (the alerts a message
raises are written here too; their keys are in dynamodb_alerts.py).

pk                     sk                      what
INBOUND#{message sid}  INBOUND                 a processed inbound MessageSid and its reply (TTL)
UNMATCHED#{clinic}     MSG#{at}#{message}      messages from numbers no patient of the clinic has
"""

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from touchpoint.adapters.dynamodb import (
    Table,
    appointment_from_item,
    clinic_from_item,
    consent_items,
    from_attributes,
    message_item,
    message_record,
    patient_from_item,
    patient_key,
    patient_update,
    sid_item,
    survey_from_item,
    survey_item,
    to_attributes,
)
from touchpoint.adapters.dynamodb_alerts import alert_items
from touchpoint.domain.appointment import Appointment, JobState
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.errors import Conflict
from touchpoint.domain.inbound import RECONCILE_WINDOW, STATUS_RANK, StatusCallback
from touchpoint.domain.patient import Patient
from touchpoint.domain.ports import DuplicateDelivery, InboundRecord, StatusApplied
from touchpoint.domain.surveys import OPEN, Survey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# Twilio redelivers within hours; a processed MessageSid is remembered for a month.
DEDUPLICATION_WINDOW = timedelta(days=30)


class DynamoInbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    def clinic_for_sender(self, sender: str) -> Clinic | None:
        owner = self.table.get(f"SENDER#{sender}", "SENDER")
        if owner is None:
            return None
        item = self.table.get(f"CLINIC#{owner['clinic_id']}", "PROFILE")
        return clinic_from_item(item) if item else None

    def patient_by_phone(self, clinic_id: str, phone: str) -> Patient | None:
        owner = self.table.get(f"CLINIC#{clinic_id}", f"PHONE#{phone}")
        if owner is None:
            return None
        item = self.table.get(*patient_key(clinic_id, owner["patient_id"]))
        return patient_from_item(item) if item else None

    def appointment(self, appointment_id: str) -> Appointment | None:
        item = self.table.get(f"APPT#{appointment_id}", "APPT")
        return appointment_from_item(item) if item else None

    def record(self, record: InboundRecord) -> None:
        items: list[TransactWriteItemTypeDef] = [
            self.table.put_new(
                {
                    "pk": f"INBOUND#{record.sms.message_sid}",
                    "sk": "INBOUND",
                    "type": "inbound",
                    "intent": record.intent,
                    "reply": record.reply.body if record.reply else None,
                    "expires_at": int((record.at + DEDUPLICATION_WINDOW).timestamp()),
                }
            )
        ]
        partition = None if record.patient else f"UNMATCHED#{record.clinic_id or 'unrouted'}"
        inbound = message_item(record.inbound, partition)
        if record.patient is None:
            # Kept so the clinic can call back a number it does not know yet.
            inbound |= {"from": record.sms.sender, "to": record.sms.to}
        items.append(self.table.put_new(inbound))
        if record.reply:
            items.append(self.table.put_new(message_item(record.reply, partition)))
        remove = []
        if record.clear_prompt:
            remove.append("awaiting_appointment_id")
        if record.survey and record.survey.status not in OPEN:
            remove.append("active_survey_id")
        if record.consent:
            items += consent_items(self.table, record.consent, remove)
        elif remove and record.patient:
            items.append(
                patient_update(self.table, record.patient.clinic_id, record.patient.patient_id, remove=remove)
            )
        if record.survey:
            # Two replies to one question cannot both be written: the survey must be as it was read.
            items.append(
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": to_attributes(survey_item(record.survey)),
                        "ConditionExpression": "answered = :before AND nudged = :nudged",
                        "ExpressionAttributeValues": to_attributes(
                            {":before": record.answered_before, ":nudged": record.survey.nudged}
                        ),
                    }
                }
            )
        if record.appointment:
            items.append(
                self.table.update(
                    {"pk": f"APPT#{record.appointment.appointment_id}", "sk": "APPT"},
                    "SET #status = :status",
                    # Not over a status the clinic set meanwhile (a cancel, say).
                    condition="#status = :seen",
                    names={"#status": "status"},
                    values={":status": record.appointment.status.value, ":seen": record.appointment_seen},
                )
            )
        items += [self.table.put_new(item) for alert in record.alerts for item in alert_items(alert)]
        try:
            self.table.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise DuplicateDelivery(record.sms.message_sid) from None
            if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                raise Conflict(
                    "the patient, appointment or survey changed while the reply was read"
                ) from None
            raise

    def survey(self, patient_id: str, survey_id: str) -> Survey | None:
        item = self.table.get(f"PATIENT#{patient_id}", f"SURVEY#{survey_id}")
        return survey_from_item(item) if item else None

    def reply_for(self, message_sid: str) -> str | None:
        item = self.table.get(f"INBOUND#{message_sid}", "INBOUND")
        return item.get("reply") if item else None


class DynamoStatuses:
    def __init__(self, table: Table) -> None:
        self.table = table

    def apply(self, callback: StatusCallback) -> StatusApplied | None:
        owner = self.table.get(f"SID#{callback.message_sid}", "SID")
        if owner is None:
            return None
        values: dict[str, Any] = {":status": callback.status, ":rank": callback.rank}
        update = "SET #status = :status, status_rank = :rank"
        if callback.error_code:
            update += ", error_code = :error"
            values[":error"] = callback.error_code
        try:
            response = self.table.client.update_item(
                TableName=self.table.name,
                Key=to_attributes({"pk": owner["message_pk"], "sk": owner["message_sk"]}),
                UpdateExpression=update,
                # A late callback never takes a message back to an earlier status.
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_attributes(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            return StatusApplied(message_record(from_attributes(old)), applied=False) if old else None
        return StatusApplied(message_record(from_attributes(response["Attributes"])), applied=True)

    def adopt(self, callback: StatusCallback) -> StatusApplied | None:
        if not (callback.to and callback.sender) or callback.rank < STATUS_RANK["sent"]:
            return None
        owner = self.table.get(f"SENDER#{callback.sender}", "SENDER")
        phone = owner and self.table.get(f"CLINIC#{owner['clinic_id']}", f"PHONE#{callback.to}")
        if not phone:
            return None
        since = callback.at - RECONCILE_WINDOW
        candidates = [
            item
            for item in self.table.query(
                KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
                ExpressionAttributeValues=to_attributes(
                    {
                        ":pk": f"PATIENT#{phone['patient_id']}",
                        ":from": f"MSG#{since:%Y-%m-%dT%H:%M:%S}",
                        ":to": f"MSG#{callback.at:%Y-%m-%dT%H:%M:%S}~",
                    }
                ),
            )
            if item["direction"] == "outbound" and item["status"] == "unknown" and "twilio_sid" not in item
        ]
        if len(candidates) != 1 or not candidates[0].get("job_id"):
            return None  # none, or more than one it could be: left for the clinic to judge
        item = candidates[0]
        message = replace(message_record(item), twilio_sid=callback.message_sid, status=callback.status)
        job_key = {"pk": f"APPT#{item['appointment_id']}", "sk": f"JOB#{item['job_id']}"}
        try:
            self.table.client.transact_write_items(
                TransactItems=[
                    self.table.update(
                        {"pk": item["pk"], "sk": item["sk"]},
                        "SET twilio_sid = :sid, #status = :status, status_rank = :rank",
                        condition="attribute_not_exists(twilio_sid)",
                        names={"#status": "status"},
                        values={
                            ":sid": callback.message_sid,
                            ":status": callback.status,
                            ":rank": callback.rank,
                        },
                    ),
                    self.table.put_new(sid_item(callback.message_sid, item)),
                    self.table.update(
                        job_key,
                        "SET #state = :sent, twilio_sid = :sid, reason = :reason",
                        condition="#state = :unknown",
                        names={"#state": "state"},
                        values={
                            ":sent": JobState.SENT.value,
                            ":unknown": JobState.UNKNOWN.value,
                            ":sid": callback.message_sid,
                            ":reason": "reconciled_from_status_callback",
                        },
                    ),
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return None  # adopted meanwhile by another callback for it
            raise
        return StatusApplied(message, applied=True)
