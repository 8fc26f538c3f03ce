"""DynamoDB side of alerts: the clinic's list, acknowledgement, and the escalation index.

pk                 sk                   what
CLINIC#{clinic}    ALERT#{at}#{alert}   an alert (GSI escalation, while an open crisis alert waits:
                                        escalation_pk / escalation_sk)
ALERT#{alert}      ALERT                which clinic an alert id belongs to, and the alert's sk

The escalation index is sparse: only open crisis alerts carry its keys, one partition
(`ESCALATION`) sorted by the next escalation's time, so a scheduler pass reads the alerts that
are due and nothing else. Acknowledging removes the keys.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from touchpoint.adapters.dynamodb import Item, Table, to_attributes
from touchpoint.domain.alerts import Alert, AlertFilter, AlertState
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.timeutil import parse_utc

ESCALATION_INDEX = "escalation"
ESCALATION_PARTITION = "ESCALATION"


def _instant(at: datetime) -> str:
    """To the microsecond: the alerts one message raises share `at`, a key must still find each."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def _optional_instant(at: datetime | None) -> str | None:
    return _instant(at) if at else None


def alert_key(alert: Alert) -> dict[str, str]:
    return {"pk": f"CLINIC#{alert.clinic_id}", "sk": f"ALERT#{_instant(alert.at)}#{alert.alert_id}"}


def _escalation_sk(alert: Alert) -> str | None:
    due = alert.next_escalation_at
    return f"{_instant(due)}#{alert.alert_id}" if due else None


def alert_items(alert: Alert) -> list[Item]:
    """The alert, and the pointer from its id: written once, together, when it is raised."""
    key = alert_key(alert)
    item: Item = {
        **key,
        "type": "alert",
        "alert_id": alert.alert_id,
        "clinic_id": alert.clinic_id,
        "patient_id": alert.patient_id,
        "first_name": alert.first_name,
        "kind": alert.kind,
        "rule": alert.rule,
        "at": _instant(alert.at),
        "text": alert.text,
        "phone": alert.phone,
        "state": alert.state.value,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": _optional_instant(alert.acknowledged_at),
        "note": alert.note,
        "escalations": alert.escalations,
        "escalated_at": _optional_instant(alert.escalated_at),
        "next_escalation_at": _optional_instant(alert.next_escalation_at),
    }
    if alert.next_escalation_at:
        item |= {"escalation_pk": ESCALATION_PARTITION, "escalation_sk": _escalation_sk(alert)}
    pointer = {
        "pk": f"ALERT#{alert.alert_id}",
        "sk": "ALERT",
        "type": "alert_id",
        "clinic_id": alert.clinic_id,
        "alert_sk": key["sk"],
    }
    return [item, pointer]


def _optional_utc(text: str | None) -> datetime | None:
    return parse_utc(text) if text else None


def alert_from_item(item: Item) -> Alert:
    return Alert(
        item["alert_id"],
        item["clinic_id"],
        item.get("patient_id"),
        item["kind"],
        parse_utc(item["at"]),
        item["text"],
        phone=item.get("phone"),
        first_name=item.get("first_name"),
        rule=item.get("rule"),
        # Alerts stored before the lifecycle existed were never closed.
        state=AlertState(item.get("state", AlertState.OPEN)),
        acknowledged_by=item.get("acknowledged_by"),
        acknowledged_at=_optional_utc(item.get("acknowledged_at")),
        note=item.get("note"),
        escalations=int(item.get("escalations", 0)),
        escalated_at=_optional_utc(item.get("escalated_at")),
        next_escalation_at=_optional_utc(item.get("next_escalation_at")),
    )


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoAlerts:
    def __init__(self, table: Table) -> None:
        self.table = table

    def for_clinic(self, clinic_id: str, which: AlertFilter) -> list[Alert]:
        conditions, values = [], {":pk": f"CLINIC#{clinic_id}", ":alert": "ALERT#"}
        if which.kind is not None:
            conditions.append("kind = :kind")
            values[":kind"] = which.kind
        if which.state is not None:
            legacy = "attribute_not_exists(#state) OR " if which.state is AlertState.OPEN else ""
            conditions.append(f"({legacy}#state = :state)")
            values[":state"] = which.state.value
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :alert)",
            "ExpressionAttributeValues": to_attributes(values),
            "ScanIndexForward": False,
        }
        if conditions:
            query["FilterExpression"] = " AND ".join(conditions)
        if which.state is not None:
            query["ExpressionAttributeNames"] = {"#state": "state"}
        return [alert_from_item(item) for item in self.table.query(**query)]

    def get(self, clinic_id: str, alert_id: str) -> Alert:
        pointer = self.table.get(f"ALERT#{alert_id}", "ALERT")
        item = (
            self.table.get(f"CLINIC#{clinic_id}", pointer["alert_sk"])
            if pointer and pointer["clinic_id"] == clinic_id
            else None
        )
        if item is None:
            raise NotFound(f"no alert {alert_id!r} in this clinic", "alert_id")
        return alert_from_item(item)

    def record_acknowledgement(self, alert: Alert) -> None:
        values = {
            ":acknowledged": AlertState.ACKNOWLEDGED.value,
            ":open": AlertState.OPEN.value,
            ":by": alert.acknowledged_by,
            ":at": _optional_instant(alert.acknowledged_at),
            ":note": alert.note,
        }
        try:
            self.table.client.update_item(
                TableName=self.table.name,
                Key=to_attributes(alert_key(alert)),
                UpdateExpression=(
                    "SET #state = :acknowledged, acknowledged_by = :by, acknowledged_at = :at, note = :note"
                    " REMOVE escalation_pk, escalation_sk, next_escalation_at"
                ),
                ConditionExpression="#state = :open",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attributes(values),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise
            if "Item" not in error.response:
                raise NotFound(f"no alert {alert.alert_id!r} in this clinic", "alert_id") from None
            raise Conflict(f"alert {alert.alert_id!r} was acknowledged already", "alert_id") from None

    def due_for_escalation(self, now: datetime, limit: int) -> Iterator[Alert]:
        items = self.table.query(
            IndexName=ESCALATION_INDEX,
            KeyConditionExpression="escalation_pk = :pk AND escalation_sk <= :upper",
            ExpressionAttributeValues=to_attributes(
                {":pk": ESCALATION_PARTITION, ":upper": f"{_instant(now)}#~"}
            ),
        )
        return (alert_from_item(item) for item in islice(items, limit))

    def move_escalation(self, seen: Alert, new: Alert) -> bool:
        if seen.next_escalation_at is None:
            return False  # not waiting for an escalation: nothing to move
        fields = {
            "escalations": new.escalations,
            "escalated_at": _optional_instant(new.escalated_at),
            "next_escalation_at": _optional_instant(new.next_escalation_at),
            "escalation_pk": ESCALATION_PARTITION if new.next_escalation_at else None,
            "escalation_sk": _escalation_sk(new),
        }
        present = {name: value for name, value in fields.items() if value is not None}
        removed = sorted(set(fields) - set(present))
        update = "SET " + ", ".join(f"{name} = :{name}" for name in present)
        if removed:
            update += " REMOVE " + ", ".join(removed)
        try:
            self.table.client.update_item(
                TableName=self.table.name,
                Key=to_attributes(alert_key(seen)),
                UpdateExpression=update,
                # Still open, and as this pass read it: a second pass, or an acknowledgement, wins.
                ConditionExpression="#state = :open AND escalations = :seen AND escalation_sk = :seen_sk",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attributes(
                    {f":{name}": value for name, value in present.items()}
                    | {
                        ":open": AlertState.OPEN.value,
                        ":seen": seen.escalations,
                        ":seen_sk": _escalation_sk(seen),
                    }
                ),
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True
