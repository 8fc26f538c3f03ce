"""The reads of an import, batched: external ids to ids, then the records, 100 keys a request
(BatchGetItem), instead of a GetItem per row."""

from collections.abc import Collection, Iterable
from datetime import datetime

from touchpoint.adapters.dynamo import appointments, keys, patients
from touchpoint.adapters.dynamo.table import Item, Repository
from touchpoint.domain.ports.importing import Known


class DynamoImportLookup(Repository):
    def known(
        self, clinic_id: str, patient_external_ids: Collection[str], appointment_external_ids: Collection[str]
    ) -> Known:
        pointers = self._get_all(
            [keys.patient_external_id(clinic_id, ext) for ext in patient_external_ids]
            + [keys.appointment_external_id(clinic_id, ext) for ext in appointment_external_ids]
        )
        patient_ids = {p["patient_id"] for p in pointers if p.get("type") == "patient_external_id"}
        appointment_ids = {
            p["appointment_id"] for p in pointers if p.get("type") == "appointment_external_id"
        }
        records = self._get_all(
            [keys.patient(clinic_id, patient_id) for patient_id in sorted(patient_ids)]
            + [keys.appointment(appointment_id) for appointment_id in sorted(appointment_ids)]
        )
        found_patients = [patients.from_item(item) for item in records if item.get("type") == "patient"]
        found_appointments = [
            appointments.from_item(item)
            for item in records
            if item.get("type") == "appointment" and item.get("clinic_id") == clinic_id
        ]
        return Known(
            {patient.external_id: patient for patient in found_patients if patient.external_id},
            {
                appointment.external_id: appointment
                for appointment in found_appointments
                if appointment.external_id
            },
        )

    def booked(
        self, clinic_id: str, slots: Collection[tuple[str, datetime]]
    ) -> dict[tuple[str, datetime], str]:
        wanted = {keys.booking(clinic_id, patient_id, at)["sk"]: (patient_id, at) for patient_id, at in slots}
        found = self._get_all([keys.booking(clinic_id, patient_id, at) for patient_id, at in slots])
        return {wanted[item["sk"]]: item["appointment_id"] for item in found if item["sk"] in wanted}

    def _get_all(self, wanted: Iterable[keys.Key]) -> list[Item]:
        return self.table.get_many(wanted)
