"""What an import reads before it writes: the records a batch of rows names, in few requests."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from touchpoint.domain.appointment import Appointment
from touchpoint.domain.patient import Patient


@dataclass(frozen=True)
class Known:
    """The stored patients and appointments of a batch, by their external ids."""

    patients: dict[str, Patient]
    appointments: dict[str, Appointment]


class ImportLookup(Protocol):
    def known(
        self, clinic_id: str, patient_external_ids: Collection[str], appointment_external_ids: Collection[str]
    ) -> Known:
        """The clinic's patients and appointments that hold these external ids."""
        ...

    def booked(
        self, clinic_id: str, slots: Collection[tuple[str, datetime]]
    ) -> dict[tuple[str, datetime], str]:
        """Which of these (patient id, start) are booked already, and by which appointment."""
        ...
