"""The message log: every SMS in and out of a patient's phone, oldest first, and the items that
say which message a Twilio SID belongs to (for its status callbacks)."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.fields import copied, read
from touchpoint.adapters.dynamo.table import Item, Repository, Table, to_attributes
from touchpoint.domain.inbound import AWAIT_FINAL_STATUS, STATUS_RANK, is_final
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.timeutil import parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_COPIED = ("message_id", "clinic_id", "patient_id", "direction", "body", "status")
_OPTIONAL = ("twilio_sid", "job_id", "appointment_id", "error_code")


def to_item(message: MessageRecord, partition: str | None = None, *, shards: int) -> Item:
    """A message in its patient's log (or in `partition`, for numbers no patient has)."""
    pk = partition or keys.patient_partition(message.patient_id)
    item = {
        **keys.message(pk, message.at, message.message_id),
        "type": "message",
        **copied(message, _COPIED + _OPTIONAL),
        # A status callback arriving late never takes the message back to an earlier status.
        "status_rank": STATUS_RANK.get(message.status, 0),
        "at": utc_iso(message.at),
        # On the by_clinic index too: the clinic's messages, every patient's, by time.
        **(
            keys.clinic_message(message.clinic_id, message.at, message.message_id)
            if message.clinic_id
            else {}
        ),
    }
    if message.direction == "outbound" and message.twilio_sid and not is_final(message.status):
        # Asked about a day later if no final status has come by then.
        item |= keys.status_check(message.at + AWAIT_FINAL_STATUS, message.message_id, shards=shards)
    return item


def from_item(item: Mapping[str, Any]) -> MessageRecord:
    return MessageRecord(**read(item, _COPIED, optional=_OPTIONAL), at=parse_utc(item["at"]))


def sid_item(sid: str, message: Mapping[str, Any]) -> Item:
    """Which message (an item, or its key) a Twilio SID belongs to."""
    return {**keys.sid(sid), "type": "sid", **keys.message_pointer(message)}


def adoption(
    table: Table, message: MessageRecord, message_key: Mapping[str, str], sid: str, status: str
) -> list["TransactWriteItemTypeDef"]:
    """A logged message (that Twilio gave no SID) takes Twilio's `sid` and `status`, and the SID
    becomes its: only if it has none yet, and the SID is no other message's. Adopted without a
    final status, it is asked about like any message sent (`to_item`)."""
    values = {":sid": sid, ":status": status, ":rank": STATUS_RANK.get(status, 0)}
    if is_final(status):
        on_index = " REMOVE due_bucket, due_sk"
    else:
        check = keys.status_check(
            message.at + AWAIT_FINAL_STATUS, message.message_id, shards=table.due_shards
        )
        on_index = ", due_bucket = :bucket, due_sk = :sk"
        values |= {":bucket": check["due_bucket"], ":sk": check["due_sk"]}
    return [
        table.update(
            message_key,
            "SET twilio_sid = :sid, #status = :status, status_rank = :rank" + on_index,
            condition="attribute_not_exists(twilio_sid)",
            names={"#status": "status"},
            values=values,
        ),
        table.put_new(sid_item(sid, message_key)),
    ]


class DynamoMessageLog(Repository):
    def for_patient(self, patient_id: str) -> list[MessageRecord]:
        return [
            from_item(item)
            for item in self.table.query(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                ExpressionAttributeValues=to_attributes(
                    {":pk": keys.patient_partition(patient_id), ":msg": keys.MESSAGE_PREFIX}
                ),
            )
        ]
