"""Unknown sends: found on the due index's reconciler buckets, read with the message they
logged and what rendering it needed, and settled with one conditional transaction each."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from touchpoint.adapters.dynamo import keys, messages
from touchpoint.adapters.dynamo.appointments import job_from_item
from touchpoint.adapters.dynamo.due_index import due_items
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.table import Repository
from touchpoint.domain.appointment import JobState
from touchpoint.domain.delivery import JobRef, SentSms
from touchpoint.domain.errors import Conflict
from touchpoint.domain.reconciling import UnknownSend
from touchpoint.domain.timeutil import utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_NAMES = {"#state": "state", "#status": "status"}
NOT_SENT_STATUS = "not_sent"  # the logged message's status when Twilio never had it


class DynamoReconciliation(Repository):
    def unknown_due(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        """The unknown sends due for reconciliation, oldest hour first, every shard of each hour
        and the unsharded bucket of the sends recorded before the shards."""
        for item in due_items(self.table, keys.reconcile_bucket, now, lookback):
            yield keys.job_ref(item)

    def unknown_send(self, ref: JobRef) -> UnknownSend | None:
        item = self.table.get(keys.job(ref.appointment_id, ref.job_id))
        if item is None or item["state"] != JobState.UNKNOWN or "message_pk" not in item:
            return None  # settled meanwhile
        logged = self.table.get(keys.pointed_message(item))
        if logged is None:
            return None
        job = job_from_item(item)
        return UnknownSend(job, messages.from_item(logged), DynamoJobs(self.table).context(job))

    def adopt(self, send: UnknownSend, found: SentSms) -> bool:
        """The send was Twilio's `found`: the job `sent` with its SID, the message with its
        status; False when the SID is another message's, or the job was settled meanwhile."""
        message_key = self._message_key(send)
        items = [
            *messages.adoption(self.table, send.message, message_key, found.sid, found.status),
            self._settle(
                send,
                "SET #state = :sent, twilio_sid = :sid, reason = :reason",
                {
                    ":sent": JobState.SENT.value,
                    ":sid": found.sid,
                    ":reason": "reconciled_from_twilio",
                },
            ),
        ]
        return self._transact(items)

    def send_again(self, send: UnknownSend, now: datetime) -> bool:
        """Twilio never had it: the job back to `pending`, due now, marked sent once more."""
        due = keys.due(now, send.job.appointment_id, send.job.job_id, shards=self.table.due_shards)
        return self._transact(
            [
                self._not_sent_message(send),
                self._settle(
                    send,
                    "SET #state = :pending, due_at = :now, resent = :yes, due_bucket = :bucket, due_sk = :sk"
                    " REMOVE reason",
                    {
                        ":pending": JobState.PENDING.value,
                        ":now": utc_iso(now),
                        ":yes": True,
                        ":bucket": due["due_bucket"],
                        ":sk": due["due_sk"],
                    },
                    keep_due=True,
                ),
            ]
        )

    def give_up(self, send: UnknownSend, reason: str) -> bool:
        """Twilio never had it and sending it now is of no use: `failed`."""
        return self._transact(
            [
                self._not_sent_message(send),
                self._settle(
                    send,
                    "SET #state = :failed, reason = :reason",
                    {":failed": JobState.FAILED.value, ":reason": reason},
                ),
            ]
        )

    def look_again(self, send: UnknownSend, at: datetime) -> None:
        """Not in Twilio's list yet, and the list may still be incomplete: look again at `at`."""
        again = keys.reconcile(at, send.job.appointment_id, send.job.job_id, shards=self.table.due_shards)
        self.table.update_if(
            keys.job(send.job.appointment_id, send.job.job_id),
            "SET due_bucket = :bucket, due_sk = :sk",
            condition="#state = :unknown",
            names={"#state": "state"},
            values={
                ":bucket": again["due_bucket"],
                ":sk": again["due_sk"],
                ":unknown": JobState.UNKNOWN.value,
            },
        )

    def _message_key(self, send: UnknownSend) -> keys.Key:
        return keys.message(
            keys.patient_partition(send.message.patient_id), send.message.at, send.message.message_id
        )

    def _not_sent_message(self, send: UnknownSend) -> "TransactWriteItemTypeDef":
        return self.table.update(
            self._message_key(send),
            "SET #status = :status",
            condition="attribute_not_exists(twilio_sid)",
            names={"#status": "status"},
            values={":status": NOT_SENT_STATUS},
        )

    def _settle(
        self, send: UnknownSend, expression: str, values: dict[str, object], *, keep_due: bool = False
    ) -> "TransactWriteItemTypeDef":
        """The job's update, only while it is still `unknown`: off the reconciler's buckets."""
        removed = "message_pk, message_sk" + ("" if keep_due else ", due_bucket, due_sk")
        joiner = ", " if " REMOVE " in expression else " REMOVE "
        return self.table.update(
            keys.job(send.job.appointment_id, send.job.job_id),
            expression + joiner + removed,
            condition="#state = :unknown",
            names={"#state": "state"},
            values=values | {":unknown": JobState.UNKNOWN.value},
        )

    def _transact(self, items: list["TransactWriteItemTypeDef"]) -> bool:
        try:
            self.table.transact(items, conflict="settled meanwhile")
        except Conflict:
            return False
        return True
