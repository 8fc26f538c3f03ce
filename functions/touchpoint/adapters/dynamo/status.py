"""Twilio's status callbacks: a message's status moves forward only, found by its SID; a message
whose send timed out (no SID known) is adopted by the one callback that can be its own."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from touchpoint.adapters.dynamo import keys, messages
from touchpoint.adapters.dynamo.due_index import due_items
from touchpoint.adapters.dynamo.table import Repository, conditional_check_failed, to_attributes
from touchpoint.domain.appointment import JobState
from touchpoint.domain.inbound import RECONCILE_WINDOW, STATUS_RANK, StatusApplied, StatusCallback, is_final
from touchpoint.domain.messages import MessageRecord


class DynamoStatuses(Repository):
    def apply(self, callback: StatusCallback) -> StatusApplied | None:
        owner = self.table.get(keys.sid(callback.message_sid))
        if owner is None:
            return None
        values: dict[str, Any] = {":status": callback.status, ":rank": callback.rank}
        update = "SET #status = :status, status_rank = :rank"
        if callback.error_code:
            update += ", error_code = :error"
            values[":error"] = callback.error_code
        if is_final(callback.status):
            update += " REMOVE due_bucket, due_sk"  # no more to ask Twilio about it
        written, old = self.table.update_returning(
            keys.pointed_message(owner),
            update,
            # A late callback never takes a message back to an earlier status.
            condition="attribute_exists(pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)",
            names={"#status": "status"},
            values=values,
        )
        if written is None:
            return StatusApplied(messages.from_item(old), applied=False) if old else None
        return StatusApplied(messages.from_item(written), applied=True)

    def adopt(self, callback: StatusCallback) -> StatusApplied | None:
        if not (callback.to and callback.sender) or callback.rank < STATUS_RANK["sent"]:
            return None
        owner = self.table.get(keys.sender(callback.sender))
        phone = owner and self.table.get(keys.phone(owner["clinic_id"], callback.to))
        if not phone:
            return None
        since, until = keys.messages_between(callback.at - RECONCILE_WINDOW, callback.at)
        candidates = [
            item
            for item in self.table.query(
                KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
                ExpressionAttributeValues=to_attributes(
                    {":pk": keys.patient_partition(phone["patient_id"]), ":from": since, ":to": until}
                ),
            )
            if item["direction"] == "outbound" and item["status"] == "unknown" and "twilio_sid" not in item
        ]
        if len(candidates) != 1 or not candidates[0].get("job_id"):
            return None  # none, or more than one it could be: left for the clinic to judge
        item = candidates[0]
        logged = messages.from_item(item)
        message = replace(logged, twilio_sid=callback.message_sid, status=callback.status)
        try:
            self.table.client.transact_write_items(
                TransactItems=[
                    *messages.adoption(
                        self.table, logged, keys.key_of(item), callback.message_sid, callback.status
                    ),
                    self.table.update(
                        keys.job(item["appointment_id"], item["job_id"]),
                        "SET #state = :sent, twilio_sid = :sid, reason = :reason"
                        " REMOVE due_bucket, due_sk, message_pk, message_sk",
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
            if conditional_check_failed(error):
                return None  # adopted meanwhile by another callback for it
            raise
        return StatusApplied(message, applied=True)

    # ---- messages sent without a final status: asked about once a day ----

    def awaiting_final_status(self, now: datetime, lookback: timedelta) -> Iterator[MessageRecord]:
        """Messages sent without a final status, due to be asked about by `now`."""
        for found in due_items(self.table, keys.status_check_bucket, now, lookback):
            item = self.table.get(keys.key_of(found))
            if item is not None:
                yield messages.from_item(item)

    def check_again(self, message: MessageRecord, at: datetime) -> None:
        again = keys.status_check(at, message.message_id, shards=self.table.due_shards)
        self.table.update_if(
            _message_key(message),
            "SET due_bucket = :bucket, due_sk = :sk",
            condition="attribute_exists(due_bucket)",
            values={":bucket": again["due_bucket"], ":sk": again["due_sk"]},
        )

    def stop_checking(self, message: MessageRecord) -> None:
        self.table.update_if(
            _message_key(message), "REMOVE due_bucket, due_sk", condition="attribute_exists(pk)"
        )


def _message_key(message: MessageRecord) -> keys.Key:
    return keys.message(keys.patient_partition(message.patient_id), message.at, message.message_id)
