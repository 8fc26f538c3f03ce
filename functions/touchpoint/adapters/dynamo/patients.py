"""Patients, the phone each one holds in a clinic (unique), and the consent ledger."""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.fields import copied, read
from touchpoint.adapters.dynamo.table import Item, Repository, Table
from touchpoint.domain.consent import ConsentAction, ConsentChange
from touchpoint.domain.errors import NotFound
from touchpoint.domain.ids import new_id
from touchpoint.domain.patient import Patient
from touchpoint.domain.timeutil import parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


_COPIED = ("patient_id", "clinic_id", "first_name", "phone")
# What a reply is about: set and cleared as messages go out and replies come in.
_PROMPT = ("awaiting_appointment_id", "active_survey_id")


def to_item(patient: Patient) -> Item:
    return {
        **keys.patient(patient.clinic_id, patient.patient_id),
        "type": "patient",
        **copied(patient, _COPIED + _PROMPT),
        "timezone": patient.timezone.key,
        "opted_out": patient.opted_out,
        "created_at": utc_iso(patient.created_at),
        "awaiting_since": utc_iso(patient.awaiting_since) if patient.awaiting_since else None,
    }


def from_item(item: Mapping[str, Any]) -> Patient:
    return Patient(
        **read(item, _COPIED, optional=_PROMPT),
        timezone=ZoneInfo(item["timezone"]),
        opted_out=bool(item.get("opted_out", False)),
        created_at=parse_utc(item["created_at"]),
        awaiting_since=parse_utc(item["awaiting_since"]) if item.get("awaiting_since") else None,
    )


def phone_item(patient: Patient) -> Item:
    return {**keys.phone(patient.clinic_id, patient.phone), "type": "phone", "patient_id": patient.patient_id}


def consent_item(change: ConsentChange) -> Item:
    return {
        **keys.consent(change.patient_id, change.at, new_id("cs")),
        "type": "consent",
        "clinic_id": change.clinic_id,
        "patient_id": change.patient_id,
        "action": change.action.value,
        "source": change.source.value,
        "at": utc_iso(change.at),
        "message_sid": change.message_sid,
    }


class DynamoPatients(Repository):
    def add(self, patient: Patient) -> None:
        self.table.transact(
            [self.table.put_new(to_item(patient)), self.table.put_new(phone_item(patient))],
            conflict="phone already belongs to a patient of this clinic",
        )

    def get(self, clinic_id: str, patient_id: str) -> Patient:
        item = self.table.get(keys.patient(clinic_id, patient_id))
        if item is None:
            raise NotFound(f"no patient {patient_id!r} in this clinic", "patient_id")
        return from_item(item)

    def record_consent(self, change: ConsentChange) -> None:
        self.table.transact(consent_items(self.table, change), conflict=f"no patient {change.patient_id!r}")


def patient_update(
    table: Table,
    clinic_id: str,
    patient_id: str,
    *,
    opted_out: bool | None = None,
    remove: Iterable[str] = (),
) -> "TransactWriteItemTypeDef":
    """One update of the patient item (a transaction may touch an item once): the opt-out flag,
    and prompts that no longer apply."""
    condition, expression, values = "attribute_exists(pk)", "", {}
    if opted_out is not None:
        # Only a change counts: two STOPs at once write one ledger line and confirm once.
        expression = "SET opted_out = :opted_out"
        condition += " AND " + (
            "(attribute_not_exists(opted_out) OR opted_out = :no)" if opted_out else "opted_out = :yes"
        )
        values = {":opted_out": opted_out} | ({":no": False} if opted_out else {":yes": True})
    if removed := sorted(set(remove)):
        expression += " REMOVE " + ", ".join(removed)
    return table.update(
        keys.patient(clinic_id, patient_id), expression.strip(), condition=condition, values=values
    )


def prompt_update(
    table: Table, clinic_id: str, patient_id: str, prompt: Mapping[str, str]
) -> "TransactWriteItemTypeDef":
    """What a reply from the patient means from now on (the appointment or survey it answers)."""
    return table.update(
        keys.patient(clinic_id, patient_id),
        "SET " + ", ".join(f"{name} = :{name}" for name in prompt),
        condition="attribute_exists(pk)",
        values={f":{name}": value for name, value in prompt.items()},
    )


def consent_items(
    table: Table, change: ConsentChange, remove: Iterable[str] = ()
) -> list["TransactWriteItemTypeDef"]:
    """The patient's opt-out flag and the ledger line, written together."""
    opting_out = change.action is ConsentAction.OPT_OUT
    removed = {*remove, "awaiting_appointment_id"} if opting_out else set(remove)
    return [
        patient_update(table, change.clinic_id, change.patient_id, opted_out=opting_out, remove=removed),
        table.put_new(consent_item(change)),
    ]
