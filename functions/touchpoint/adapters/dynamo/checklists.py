"""The pre-session checklist's writes, each a part of a larger transaction: the checklist sent
(the appointment's state, its deadline's job), answered by a reply, or closed as unanswered.

The state lives on the appointment item (`checklist`, `checklist_due_at`), so every view of an
appointment shows it; each write is conditional on the state read, never over a newer one.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.adapters.dynamo import appointments, keys
from touchpoint.adapters.dynamo.table import Item, Table
from touchpoint.domain.appointment import Appointment, Job
from touchpoint.domain.checklist import Checklist, ChecklistState
from touchpoint.domain.timeutil import format_duration, parse_duration, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_NAMES = {"#checklist": "checklist"}


def sent_items(table: Table, deadline: Job) -> list["TransactWriteItemTypeDef"]:
    """The checklist is out: `pending` until its deadline, whose job goes on the due index."""
    return [
        table.update(
            keys.appointment(deadline.appointment_id),
            "SET #checklist = :pending, checklist_due_at = :due",
            condition="attribute_exists(pk)",
            names=_NAMES,
            values={":pending": ChecklistState.PENDING.value, ":due": utc_iso(deadline.due_at)},
        ),
        table.put_new(appointments.job_to_item(deadline, shards=table.due_shards)),
    ]


def answer_item(table: Table, answered: Appointment, seen: str | None) -> "TransactWriteItemTypeDef":
    """A reply's answer, over the state it was read in only (a second reply, the deadline, or the
    appointment moved meanwhile: nothing is written, and the reply is read again)."""
    assert answered.checklist is not None
    return table.update(
        keys.appointment(answered.appointment_id),
        "SET #checklist = :state",
        condition="#checklist = :seen",
        names=_NAMES,
        values={":state": answered.checklist.value, ":seen": seen},
    )


def no_answer_item(table: Table, deadline: Job) -> "TransactWriteItemTypeDef":
    """Still `pending` at the deadline this job was planned for: `no_answer`."""
    return table.update(
        keys.appointment(deadline.appointment_id),
        "SET #checklist = :no_answer",
        condition="#checklist = :pending AND checklist_due_at = :due",
        names=_NAMES,
        values={
            ":no_answer": ChecklistState.NO_ANSWER.value,
            ":pending": ChecklistState.PENDING.value,
            ":due": utc_iso(deadline.due_at),
        },
    )


def settings_to_item(checklist: Checklist) -> Item:
    """The clinic's checklist setting, in the clinic item's `settings`."""
    return {
        "items": list(checklist.items),
        "before": format_duration(checklist.before),
        "answer_by": format_duration(checklist.answer_by),
        "alert_no_answer": checklist.alert_no_answer,
    }


def settings_from_item(stored: Mapping[str, Any] | None) -> Checklist | None:
    """As stored, not judged again by today's limits; a clinic stored before it has none."""
    if stored is None:
        return None
    return Checklist(
        items=tuple(stored["items"]),
        before=parse_duration(stored["before"], "before", maximum=timedelta.max),
        answer_by=parse_duration(stored["answer_by"], "answer_by", maximum=timedelta.max),
        alert_no_answer=bool(stored.get("alert_no_answer", False)),
    )
