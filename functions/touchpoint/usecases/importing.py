"""Importing a clinic's patients and appointments from its EHR, idempotently by external ids.

Rows go in batches: one batched read finds what a batch's external ids name, a second which
patient slots are booked already; then each row is checked in full (patient and appointment)
before anything of it is written, and written through the Admin use case, so that a changed
appointment is re-planned as a PATCH would re-plan it. A row that fails is reported and skipped.

A large file is imported in steps: a run starts at `from_row`, takes at most `max_rows` rows and
stops between batches once `go_on` says the time is up; its report names the row to start the
next step from. Rows before it are done, whatever happens after (each row is whole or absent).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from touchpoint.domain.appointment import (
    Appointment,
    AppointmentStatus,
    apply_change,
    parse_appointment_change,
    parse_duration_minutes,
    parse_new_appointment,
    parse_starts_at,
)
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.errors import DomainError, InvalidInput
from touchpoint.domain.importing import ImportRow, Parsed, RowError
from touchpoint.domain.patient import Patient, parse_new_patient, parse_patient_change
from touchpoint.domain.ports.importing import ImportLookup, Known
from touchpoint.usecases.admin import Admin

BATCH_ROWS = 100
_PLACEHOLDER_PATIENT = "pt_import"  # stands for a patient the row itself creates, while checking


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    batches: int = 0
    next_from_row: int | None = None  # None: the file is done
    done: int = 0  # the file's rows before next_from_row (all of them once it is done)
    of: int = 0  # the file's rows

    @property
    def complete(self) -> bool:
        return self.next_from_row is None


@dataclass(frozen=True)
class _Plan:
    """What one row would write: each part None when it changes nothing."""

    patient_body: dict[str, Any] | None
    patient: Patient | None  # as stored; None: the row creates it
    appointment_body: dict[str, Any] | None
    appointment: Appointment | None  # as stored; None: the row creates it (if a body)
    slot: tuple[str, datetime] | None  # the booking it takes: an existing patient at a new start

    @property
    def creates(self) -> bool:
        return (self.patient is None and self.patient_body is not None) or (
            self.appointment is None and self.appointment_body is not None
        )

    @property
    def changes(self) -> bool:
        return self.patient_body is not None or self.appointment_body is not None


class Importer:
    def __init__(self, admin: Admin, lookup: ImportLookup, batch_rows: int = BATCH_ROWS) -> None:
        self.admin = admin
        self.lookup = lookup
        self.batch_rows = batch_rows

    def run(
        self,
        clinic_id: str,
        parsed: Parsed,
        now: datetime,
        *,
        dry_run: bool = False,
        from_row: int = 0,
        max_rows: int | None = None,
        go_on: Callable[[], bool] = lambda: True,
    ) -> ImportReport:
        clinic = self.admin.get_clinic(clinic_id)
        rows = [row for row in parsed.rows if row.row >= from_row]
        taken = len(rows) if max_rows is None else min(max_rows, len(rows))
        report = ImportReport(of=len(parsed.rows) + len(parsed.errors))
        start = 0
        while start < taken:
            size = min(self.batch_rows, taken - start)
            self._batch(clinic, rows[start : start + size], now, dry_run, report)
            report.batches += 1
            start += size
            if start < taken and not go_on():
                break
        report.next_from_row = until = rows[start].row if start < len(rows) else None
        read = [e for e in parsed.errors if e.row >= from_row and (until is None or e.row < until)]
        report.errors = sorted(report.errors + read, key=lambda error: error.row)
        report.rows = start + len(read)
        numbers = [row.row for row in parsed.rows] + [error.row for error in parsed.errors]
        later = [] if until is None else [number for number in numbers if number >= until]
        report.done = report.of - len(later)
        return report

    def _batch(
        self, clinic: Clinic, rows: list[ImportRow], now: datetime, dry_run: bool, report: ImportReport
    ) -> None:
        known = self.lookup.known(
            clinic.clinic_id,
            {row.patient_external_id for row in rows},
            {row.appointment_external_id for row in rows if row.appointment_external_id},
        )
        slots = set()
        for row in rows:
            try:
                if (slot := _plan(row, clinic, known, now).slot) is not None:
                    slots.add(slot)
            except DomainError:
                pass  # reported below, when the row is planned again
        booked = self.lookup.booked(clinic.clinic_id, slots) if slots else {}
        for row in rows:
            try:
                # Planned again: an earlier row of the batch may have created its patient.
                plan = _plan(row, clinic, known, now)
                if plan.slot is not None and plan.slot in booked:
                    raise InvalidInput(
                        f"the patient has appointment {booked[plan.slot]} at this starts_at already",
                        "starts_at",
                    )
                if not dry_run:
                    self._write(clinic, row, plan, known, now)
                elif plan.patient is None and plan.patient_body is not None:
                    known.patients[row.patient_external_id] = _would_be(plan.patient_body, clinic, now)
            except DomainError as problem:
                report.errors.append(RowError(row.row, problem.field or "row", problem.message))
                continue
            if plan.slot is not None:
                booked[plan.slot] = row.appointment_external_id or ""
            if plan.creates:
                report.created += 1
            elif plan.changes:
                report.updated += 1
            else:
                report.unchanged += 1

    def _write(self, clinic: Clinic, row: ImportRow, plan: _Plan, known: Known, now: datetime) -> None:
        clinic_id = clinic.clinic_id
        patient = plan.patient
        if plan.patient_body is not None:
            if patient is None:
                patient = self.admin.add_patient(clinic, plan.patient_body, now)
            else:
                patient = self.admin.change_patient(clinic_id, patient.patient_id, plan.patient_body, now)
            known.patients[row.patient_external_id] = patient
        if plan.appointment_body is None or patient is None or row.appointment_external_id is None:
            return
        try:
            if plan.appointment is None:
                body = plan.appointment_body | {"patient_id": patient.patient_id}
                new = parse_new_appointment(body, clinic.settings.timezone, now)
                booked = self.admin.book(clinic, patient, new, now)
            else:
                booked = self.admin.update_appointment(
                    clinic_id, plan.appointment.appointment_id, plan.appointment_body, now
                )
        except DomainError as problem:
            if plan.patient_body is not None:
                problem.message += " (the row's patient was saved; importing the row again finishes it)"
            raise
        known.appointments[row.appointment_external_id] = booked.appointment


def _plan(row: ImportRow, clinic: Clinic, known: Known, now: datetime) -> _Plan:
    """What the row changes, every field of it checked; DomainError if any is refused."""
    patient = known.patients.get(row.patient_external_id)
    patient_body: dict[str, Any] | None = None
    if patient is None:
        if not row.patient:
            raise InvalidInput(
                "no patient has this external id in the clinic or the file: give first_name and phone",
                "patient_external_id",
            )
        patient_body = row.patient | {"external_id": row.patient_external_id}
        parse_new_patient(patient_body, clinic)
    elif row.patient and parse_patient_change(row.patient, clinic, patient) != patient:
        patient_body = dict(row.patient)
    if row.appointment_external_id is None:
        return _Plan(patient_body, patient, None, None, None)
    appointment = known.appointments.get(row.appointment_external_id)
    zone = clinic.settings.timezone
    given = row.appointment
    if appointment is None:
        if given.get("status") == AppointmentStatus.CANCELLED:
            return _Plan(patient_body, patient, None, None, None)  # nothing booked, nothing to cancel
        body: dict[str, Any] = {
            name: given[name] for name in ("starts_at", "duration_minutes") if name in given
        }
        body["external_id"] = row.appointment_external_id
        new = parse_new_appointment(
            body | {"patient_id": patient.patient_id if patient else _PLACEHOLDER_PATIENT}, zone, now
        )
        slot = (patient.patient_id, new.starts_at) if patient else None
        return _Plan(patient_body, patient, body, None, slot)
    if patient is None or appointment.patient_id != patient.patient_id:
        raise InvalidInput(
            f"appointment {row.appointment_external_id} belongs to another patient of the clinic",
            "patient_external_id",
        )
    change: dict[str, Any] = {}
    if "starts_at" in given and parse_starts_at(given["starts_at"], zone, now) != appointment.starts_at:
        change["starts_at"] = given["starts_at"]
    if (
        "duration_minutes" in given
        and parse_duration_minutes(given["duration_minutes"]) != appointment.duration_minutes
    ):
        change["duration_minutes"] = given["duration_minutes"]
    # "scheduled" is any open state: a confirmation the patient sent is kept.
    wants_cancelled = given.get("status") == AppointmentStatus.CANCELLED
    if wants_cancelled != (appointment.status is AppointmentStatus.CANCELLED) and "status" in given:
        change["status"] = given["status"]
    if not change:
        return _Plan(patient_body, patient, None, appointment, None)
    updated = apply_change(appointment, parse_appointment_change(change, zone, now))
    moved = updated.starts_at != appointment.starts_at and updated.is_open
    return _Plan(
        patient_body, patient, change, appointment, (patient.patient_id, updated.starts_at) if moved else None
    )


def _would_be(body: dict[str, Any], clinic: Clinic, now: datetime) -> Patient:
    """The patient a dry run's row would create, for the rows after it that name it."""
    return parse_new_patient(body, clinic).registered(_PLACEHOLDER_PATIENT, clinic.clinic_id, now)
