"""The audit log's entries: one item each, in the partition of the clinic they are about,
expiring (TTL) when their retention ends."""

from collections.abc import Mapping
from typing import Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.table import Item, Repository, from_attributes, to_attributes
from touchpoint.domain.access import Action
from touchpoint.domain.audit import AuditEntry, AuditQuery
from touchpoint.domain.errors import InvalidQuery
from touchpoint.domain.timeutil import parse_utc, utc_iso


def to_item(entry: AuditEntry) -> Item:
    return {
        **keys.audit(entry.clinic_id, entry.at, entry.request_id),
        "type": "audit",
        "at": utc_iso(entry.at),
        "actor": entry.actor,
        "subject": entry.subject,
        "role": entry.role,
        "action": entry.action.value,
        "clinic_id": entry.clinic_id,
        "route": entry.route,
        "status": entry.status,
        "request_id": entry.request_id,
        "patient_id": entry.patient_id,
        "expires_at": int(entry.expires_at.timestamp()),
    }


def from_item(item: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        at=parse_utc(item["at"]),
        actor=item["actor"],
        subject=item["subject"],
        role=item["role"],
        action=Action(item["action"]),
        clinic_id=item["clinic_id"],
        route=item["route"],
        status=int(item["status"]),
        request_id=item["request_id"],
        patient_id=item.get("patient_id"),
    )


class DynamoAudit(Repository):
    def record(self, entry: AuditEntry) -> None:
        item = {name: value for name, value in to_item(entry).items() if value is not None}
        self.table.client.put_item(TableName=self.table.name, Item=to_attributes(item))

    def entries(self, query: AuditQuery) -> tuple[list[AuditEntry], str | None]:
        """One page of a clinic's entries, oldest first, and the cursor of the next (the last
        entry's sort key) when there may be more."""
        since, until = keys.audit_bounds(query.since, query.until)
        partition = keys.audit_partition(query.clinic_id)
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :since AND :until",
            "ExpressionAttributeValues": to_attributes({":pk": partition, ":since": since, ":until": until}),
            "Limit": query.limit,
        }
        if query.cursor is not None:
            if not since <= query.cursor <= until:
                raise InvalidQuery("cursor is not one this API gave out for this query", "cursor")
            request["ExclusiveStartKey"] = to_attributes({"pk": partition, "sk": query.cursor})
        page = self.table.client.query(**request)
        entries = [from_item(from_attributes(item)) for item in page["Items"]]
        last = page.get("LastEvaluatedKey")
        return entries, (from_attributes(last)["sk"] if last else None)
