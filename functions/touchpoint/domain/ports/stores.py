"""Storage of the clinic's records: clinics, patients, appointments, the message log, surveys,
and the audit log."""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job
from touchpoint.domain.audit import AuditEntry, AuditQuery
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.consent import ConsentChange
from touchpoint.domain.courses import Course
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


class ClinicRepository(Protocol):
    def add(self, clinic: Clinic) -> None: ...
    def get(self, clinic_id: str) -> Clinic: ...
    def some(self, clinic_ids: Iterable[str]) -> list[Clinic]:
        """The clinics of `clinic_ids` that exist."""
        ...

    def replace(self, old: Clinic, new: Clinic) -> None: ...


class PatientRepository(Protocol):
    def add(self, patient: Patient) -> None: ...
    def get(self, clinic_id: str, patient_id: str) -> Patient: ...
    def update(self, old: Patient, new: Patient) -> None:
        """Store `new` over `old` (as read), moving its phone and external id with it; Conflict
        (with the other patient's id) if another patient of the clinic has either."""
        ...

    def record_consent(self, change: ConsentChange) -> None:
        """Set the patient's opt-out flag and add the change to the consent ledger, together;
        Conflict if the patient is in that state already (one ledger line per change)."""
        ...


class AppointmentRepository(Protocol):
    def add(
        self, appointment: Appointment, jobs: list[Job], course: tuple[Course, Course] | None = None
    ) -> None: ...
    def get(self, appointment_id: str) -> tuple[Appointment, list[Job]]: ...
    def save_plan(
        self,
        appointment: Appointment,
        *,
        seen: AppointmentStatus,
        remove: list[Job],
        put: list[Job],
        was: Appointment | None = None,
    ) -> None:
        """Store the appointment (only if its status is still `seen`: a patient's reply may have
        changed it), delete `remove` (only if still in the state read) and put `put`; given
        `was` (the appointment as read), move the patient's booking when its start or its
        cancellation changed (Conflict if the patient is booked at the new start already)."""
        ...

    def open_for_clinic(self, clinic_id: str, starting_after: datetime) -> list[Appointment]:
        """The clinic's appointments from `starting_after` on, but the cancelled ones."""
        ...


class MessageLog(Protocol):
    def for_patient(self, patient_id: str) -> list[MessageRecord]: ...


class SurveyLog(Protocol):
    def for_patient(self, patient_id: str) -> list[Survey]: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def entries(self, query: AuditQuery) -> tuple[list[AuditEntry], str | None]:
        """One page of the query's entries, oldest first, and the next page's cursor, if any."""
        ...
