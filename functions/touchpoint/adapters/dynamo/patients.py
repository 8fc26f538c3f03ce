"""Patients, the phone each one holds in a clinic (unique), and the consent ledger."""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.fields import copied, read
from touchpoint.adapters.dynamo.table import Item, Repository, Table
from touchpoint.domain.consent import ConsentAction, ConsentChange
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.ids import new_id
from touchpoint.domain.patient import Patient
from touchpoint.domain.timeutil import parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


_COPIED = ("patient_id", "clinic_id", "first_name", "phone")
# What a reply is about: set and cleared as messages go out and replies come in.
_PROMPT = ("awaiting_appointment_id", "active_survey_id", "checklist_appointment_id")
_OPTIONAL = ("external_id", "language")


def to_item(patient: Patient) -> Item:
    return {
        **keys.patient(patient.clinic_id, patient.patient_id),
        "type": "patient",
        **copied(patient, _COPIED + _PROMPT + _OPTIONAL),
        "timezone": patient.timezone.key,
        "opted_out": patient.opted_out,
        "created_at": utc_iso(patient.created_at),
        "awaiting_since": utc_iso(patient.awaiting_since) if patient.awaiting_since else None,
        "checklist_since": utc_iso(patient.checklist_since) if patient.checklist_since else None,
    }


def from_item(item: Mapping[str, Any]) -> Patient:
    return Patient(
        **read(item, _COPIED, optional=_PROMPT + _OPTIONAL),
        timezone=ZoneInfo(item["timezone"]),
        opted_out=bool(item.get("opted_out", False)),
        created_at=parse_utc(item["created_at"]),
        awaiting_since=parse_utc(item["awaiting_since"]) if item.get("awaiting_since") else None,
        checklist_since=parse_utc(item["checklist_since"]) if item.get("checklist_since") else None,
    )


def phone_item(patient: Patient) -> Item:
    return {**keys.phone(patient.clinic_id, patient.phone), "type": "phone", "patient_id": patient.patient_id}


def external_id_item(patient: Patient, external_id: str) -> Item:
    return {
        **keys.patient_external_id(patient.clinic_id, external_id),
        "type": "patient_external_id",
        "patient_id": patient.patient_id,
    }


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
        """The patient with its phone's item and its external id's (each unique in the clinic),
        together; Conflict naming the patient who has either already."""
        items = [self.table.put_new(to_item(patient)), self.table.put_new(phone_item(patient))]
        if patient.external_id:
            items.append(self.table.put_new(external_id_item(patient, patient.external_id)))
        self._write(items, patient)

    def update(self, old: Patient, new: Patient) -> None:
        """The patient's own fields changed, and its phone's and external id's items moved in the
        same transaction; Conflict naming the patient who has the new phone or external id."""
        changed = {name: getattr(new, name) for name in ("first_name", "phone", "language", "external_id")}
        changed["timezone"] = new.timezone.key
        kept = {name: value for name, value in changed.items() if value is not None}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in kept)
        if cleared := sorted(set(changed) - set(kept)):
            expression += " REMOVE " + ", ".join(f"#{name}" for name in cleared)
        items = [
            self.table.update(
                keys.patient(old.clinic_id, old.patient_id),
                expression,
                # The phone and external id read are still the patient's: their items move with them.
                condition="attribute_exists(pk) AND #phone = :old_phone AND "
                + (
                    "#external_id = :old_external_id"
                    if old.external_id
                    else "attribute_not_exists(#external_id)"
                ),
                names={f"#{name}": name for name in changed},
                values={f":{name}": value for name, value in kept.items()}
                | {":old_phone": old.phone}
                | ({":old_external_id": old.external_id} if old.external_id else {}),
            )
        ]
        if new.phone != old.phone:
            items += [
                self._release(keys.phone(old.clinic_id, old.phone), old),
                self.table.put_new(phone_item(new)),
            ]
        if new.external_id != old.external_id:
            if old.external_id:
                items.append(self._release(keys.patient_external_id(old.clinic_id, old.external_id), old))
            if new.external_id:
                items.append(self.table.put_new(external_id_item(new, new.external_id)))
        self._write(items, new)

    def _release(self, key: keys.Key, patient: Patient) -> "TransactWriteItemTypeDef":
        return self.table.delete(key, "patient_id = :me", values={":me": patient.patient_id})

    def _write(self, items: list["TransactWriteItemTypeDef"], patient: Patient) -> None:
        try:
            self.table.transact(items, conflict="the patient changed meanwhile; try again")
        except Conflict as conflict:
            raise self._clash(patient) or conflict from None

    def _clash(self, patient: Patient) -> Conflict | None:
        """Who holds the phone or external id `patient` was to have (another patient), if anyone."""
        owner = self.table.get(keys.phone(patient.clinic_id, patient.phone))
        if owner and owner["patient_id"] != patient.patient_id:
            return Conflict(
                f"phone already belongs to patient {owner['patient_id']} of this clinic",
                "phone",
                existing_id=owner["patient_id"],
            )
        if patient.external_id:
            owner = self.table.get(keys.patient_external_id(patient.clinic_id, patient.external_id))
            if owner and owner["patient_id"] != patient.patient_id:
                return Conflict(
                    f"external_id already belongs to patient {owner['patient_id']} of this clinic",
                    "external_id",
                    existing_id=owner["patient_id"],
                )
        return None

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
