"""Alerts: the clinic's list, acknowledgement, and the escalation index.

An alert lives in its clinic's partition; a pointer item says which clinic an alert id belongs
to. Only an open crisis alert carries the escalation index's keys (the next escalation's
time), so a scheduler pass reads the alerts that are due and nothing else. Acknowledging
removes them.
"""

from collections.abc import Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.fields import copied, read
from touchpoint.adapters.dynamo.table import Item, Repository, to_attributes
from touchpoint.domain.alerts import Alert, AlertKind, AlertState
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.timeutil import parse_utc

_STATE = {"#state": "state"}
_COPIED = ("alert_id", "clinic_id", "text")
_OPTIONAL = ("patient_id", "first_name", "rule", "phone", "acknowledged_by", "note")
_INSTANTS = ("acknowledged_at", "escalated_at", "next_escalation_at")


def _instant(at: datetime | None) -> str | None:
    # Stored as in the keys, to the microsecond: the key is rebuilt from the `at` read back.
    return keys.instant(at) if at else None


def _utc(text: str | None) -> datetime | None:
    return parse_utc(text) if text else None


def _key(alert: Alert) -> keys.Key:
    return keys.alert(alert.clinic_id, alert.at, alert.alert_id)


def _escalation_sk(alert: Alert) -> str | None:
    due = alert.next_escalation_at
    return keys.escalation_sk(due, alert.alert_id) if due else None


def to_item(alert: Alert) -> Item:
    item: Item = {
        **_key(alert),
        "type": "alert",
        **copied(alert, _COPIED + _OPTIONAL),
        **copied(alert, ("at", *_INSTANTS), _instant),
        "kind": alert.kind.value,
        "state": alert.state.value,
        "escalations": alert.escalations,
    }
    if alert.next_escalation_at:
        item |= keys.escalation(alert.next_escalation_at, alert.alert_id)
    return item


def from_item(item: Mapping[str, Any]) -> Alert:
    return Alert(
        **read(item, _COPIED, optional=_OPTIONAL),
        **read(item, (), optional=_INSTANTS, convert=_utc),
        at=parse_utc(item["at"]),
        kind=AlertKind(item["kind"]),
        # Alerts stored before the lifecycle existed were never closed.
        state=AlertState(item.get("state", AlertState.OPEN)),
        escalations=int(item.get("escalations", 0)),
    )


def pointer_item(alert: Alert) -> Item:
    """Which clinic an alert id belongs to, and the alert's sort key there."""
    return {
        **keys.alert_pointer(alert.alert_id),
        "type": "alert_id",
        "clinic_id": alert.clinic_id,
        "alert_sk": _key(alert)["sk"],
    }


def new_items(alert: Alert) -> list[Item]:
    """The alert and its pointer: written once, together, when it is raised."""
    return [to_item(alert), pointer_item(alert)]


class DynamoAlerts(Repository):
    def get(self, clinic_id: str, alert_id: str) -> Alert:
        pointer = self.table.get(keys.alert_pointer(alert_id))
        item = (
            self.table.get(keys.alert_in_clinic(clinic_id, pointer["alert_sk"]))
            if pointer and pointer["clinic_id"] == clinic_id
            else None
        )
        if item is None:
            raise NotFound(f"no alert {alert_id!r} in this clinic", "alert_id")
        return from_item(item)

    def record_acknowledgement(self, alert: Alert) -> None:
        written, old = self.table.update_returning(
            _key(alert),
            "SET #state = :acknowledged, acknowledged_by = :by, acknowledged_at = :at, note = :note"
            " REMOVE escalation_pk, escalation_sk, next_escalation_at",
            condition="#state = :open",
            names=_STATE,
            values={
                ":acknowledged": AlertState.ACKNOWLEDGED.value,
                ":open": AlertState.OPEN.value,
                ":by": alert.acknowledged_by,
                ":at": _instant(alert.acknowledged_at),
                ":note": alert.note,
            },
        )
        if written is None and old is None:
            raise NotFound(f"no alert {alert.alert_id!r} in this clinic", "alert_id")
        if written is None:
            raise Conflict(f"alert {alert.alert_id!r} was acknowledged already", "alert_id")

    def due_for_escalation(self, now: datetime, limit: int) -> Iterator[Alert]:
        items = self.table.query(
            IndexName=keys.ESCALATION_INDEX,
            KeyConditionExpression="escalation_pk = :pk AND escalation_sk <= :upper",
            ExpressionAttributeValues=to_attributes(
                {":pk": keys.ESCALATION_PARTITION, ":upper": keys.escalation_until(now)}
            ),
        )
        return (from_item(item) for item in islice(items, limit))

    def move_escalation(self, seen: Alert, new: Alert) -> bool:
        if seen.next_escalation_at is None:
            return False  # not waiting for an escalation: nothing to move
        due = new.next_escalation_at
        fields = {
            "escalations": new.escalations,
            "escalated_at": _instant(new.escalated_at),
            "next_escalation_at": _instant(due),
            # Off the escalation index once no escalation waits.
            **(keys.escalation(due, new.alert_id) if due else {"escalation_pk": None, "escalation_sk": None}),
        }
        present = {name: value for name, value in fields.items() if value is not None}
        removed = sorted(set(fields) - set(present))
        update = "SET " + ", ".join(f"{name} = :{name}" for name in present)
        if removed:
            update += " REMOVE " + ", ".join(removed)
        return self.table.update_if(
            _key(seen),
            update,
            # Still open, and as this pass read it: a second pass, or an acknowledgement, wins.
            condition="#state = :open AND escalations = :seen AND escalation_sk = :seen_sk",
            names=_STATE,
            values={f":{name}": value for name, value in present.items()}
            | {":open": AlertState.OPEN.value, ":seen": seen.escalations, ":seen_sk": _escalation_sk(seen)},
        )
