"""In-memory implementations of the domain's ports, for unit tests of the use cases.

They keep the DynamoDB adapter's rules and raise its domain errors: a sender belongs to one
clinic, a phone to one patient per clinic, a clinic is replaced only as it was read, and a
re-plan never deletes or overwrites a job that moved on meanwhile.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from touchpoint.domain.alerts import Alert, AlertState
from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobState
from touchpoint.domain.audit import AuditEntry, AuditQuery
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.consent import ConsentAction, ConsentChange
from touchpoint.domain.courses import FINAL, Course, CourseTemplate
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


class MemoryClinics:
    def __init__(self) -> None:
        self.items: dict[str, Clinic] = {}

    def _sender_owner(self, sender: str) -> str | None:
        return next((c.clinic_id for c in self.items.values() if c.settings.sender == sender), None)

    def add(self, clinic: Clinic) -> None:
        if clinic.clinic_id in self.items or self._sender_owner(clinic.settings.sender) is not None:
            raise Conflict("sender is already used by another clinic")
        self.items[clinic.clinic_id] = clinic

    def get(self, clinic_id: str) -> Clinic:
        try:
            return self.items[clinic_id]
        except KeyError:
            raise NotFound(f"no clinic {clinic_id!r}", "clinic_id") from None

    def some(self, clinic_ids: Iterable[str]) -> list[Clinic]:
        return [self.items[clinic_id] for clinic_id in sorted(set(clinic_ids)) if clinic_id in self.items]

    def replace(self, old: Clinic, new: Clinic) -> None:
        stored = self.items.get(old.clinic_id)
        owner = self._sender_owner(new.settings.sender)
        if stored is None or stored.updated_at != old.updated_at or owner not in (None, old.clinic_id):
            raise Conflict("the clinic changed meanwhile, or its new sender is used by another clinic")
        self.items[new.clinic_id] = new


class MemoryPatients:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Patient] = {}
        self.ledger: list[ConsentChange] = []

    def add(self, patient: Patient) -> None:
        key = (patient.clinic_id, patient.patient_id)
        phone_taken = any(
            p.clinic_id == patient.clinic_id and p.phone == patient.phone for p in self.items.values()
        )
        if key in self.items or phone_taken:
            raise Conflict("phone already belongs to a patient of this clinic")
        self.items[key] = patient

    def update(self, old: Patient, new: Patient) -> None:
        for other in self.items.values():
            if other.clinic_id == new.clinic_id and other.patient_id != new.patient_id:
                if other.phone == new.phone:
                    raise Conflict("phone already belongs to a patient", "phone", other.patient_id)
                if new.external_id and other.external_id == new.external_id:
                    raise Conflict(
                        "external_id already belongs to a patient", "external_id", other.patient_id
                    )
        self.items[(new.clinic_id, new.patient_id)] = new

    def get(self, clinic_id: str, patient_id: str) -> Patient:
        try:
            return self.items[(clinic_id, patient_id)]
        except KeyError:
            raise NotFound(f"no patient {patient_id!r} in this clinic", "patient_id") from None

    def record_consent(self, change: ConsentChange) -> None:
        patient = self.get(change.clinic_id, change.patient_id)
        opted_out = change.action is ConsentAction.OPT_OUT
        if patient.opted_out == opted_out:
            raise Conflict(f"the patient is {'opted out' if opted_out else 'opted in'} already")
        self.items[(change.clinic_id, change.patient_id)] = replace(patient, opted_out=opted_out)
        self.ledger.append(change)


@dataclass
class _Stored:
    appointment: Appointment
    jobs: dict[str, Job] = field(default_factory=dict)


class MemoryCourses:
    def __init__(self) -> None:
        self.template_items: dict[tuple[str, str], CourseTemplate] = {}
        self.items: dict[tuple[str, str], Course] = {}

    def add_template(self, template: CourseTemplate) -> None:
        self.template_items[(template.clinic_id, template.template_id)] = template

    def template(self, clinic_id: str, template_id: str) -> CourseTemplate:
        try:
            return self.template_items[(clinic_id, template_id)]
        except KeyError:
            raise NotFound(f"no course template {template_id!r} in this clinic", "template_id") from None

    def templates(self, clinic_id: str) -> list[CourseTemplate]:
        return [
            template for (clinic, _), template in sorted(self.template_items.items()) if clinic == clinic_id
        ]

    def enrol(self, course: Course) -> None:
        current = self.active(course.patient_id)
        if current is not None:
            raise Conflict("enrolled already", "template_id", existing_id=current.course_id)
        self.items[(course.patient_id, course.course_id)] = course

    def get(self, patient_id: str, course_id: str) -> Course:
        try:
            return self.items[(patient_id, course_id)]
        except KeyError:
            raise NotFound(f"no course {course_id!r} for this patient", "course_id") from None

    def active(self, patient_id: str) -> Course | None:
        return next((c for c in self.of_patient(patient_id) if c.status not in FINAL), None)

    def of_patient(self, patient_id: str) -> list[Course]:
        return sorted((c for (p, _), c in self.items.items() if p == patient_id), key=lambda c: c.enrolled_at)

    def change(self, old: Course, new: Course) -> None:
        if self.items.get((old.patient_id, old.course_id)) != old:
            raise Conflict("the course changed meanwhile")
        self.items[(new.patient_id, new.course_id)] = new


class MemoryAppointments:
    def __init__(self, courses: MemoryCourses | None = None) -> None:
        self.items: dict[str, _Stored] = {}
        self.courses = courses or MemoryCourses()

    def add(
        self, appointment: Appointment, jobs: list[Job], course: tuple[Course, Course] | None = None
    ) -> None:
        if appointment.appointment_id in self.items:
            raise Conflict("appointment already exists")
        if course is not None:
            self.courses.change(*course)
        self.items[appointment.appointment_id] = _Stored(appointment, {job.job_id: job for job in jobs})

    def get(self, appointment_id: str) -> tuple[Appointment, list[Job]]:
        try:
            stored = self.items[appointment_id]
        except KeyError:
            raise NotFound(f"no appointment {appointment_id!r}", "appointment_id") from None
        return stored.appointment, list(stored.jobs.values())

    def save_plan(
        self,
        appointment: Appointment,
        *,
        seen: AppointmentStatus,
        remove: list[Job],
        put: list[Job],
        was: Appointment | None = None,
    ) -> None:
        """All or nothing, under the same conditions as the DynamoDB transaction (bookings aside)."""
        stored = self.items.get(appointment.appointment_id)
        conflict = Conflict("a message of this appointment changed meanwhile; try again")
        if stored is None or stored.appointment.status is not seen:
            raise conflict
        for job in remove:
            current = stored.jobs.get(job.job_id)
            if current is None or current.state is not job.state:
                raise conflict
        for job in put:
            current = stored.jobs.get(job.job_id)
            if current is not None and current.state is not JobState.PENDING:
                raise conflict
        stored.appointment = appointment
        for job in remove:
            del stored.jobs[job.job_id]
        stored.jobs.update({job.job_id: job for job in put})

    def open_for_clinic(self, clinic_id: str, starting_after: datetime) -> list[Appointment]:
        return sorted(
            (
                stored.appointment
                for stored in self.items.values()
                if stored.appointment.clinic_id == clinic_id
                and stored.appointment.starts_at >= starting_after
                and stored.appointment.status is not AppointmentStatus.CANCELLED
            ),
            key=lambda appointment: (appointment.starts_at, appointment.appointment_id),
        )

    def jobs_of(self, appointment_id: str) -> list[Job]:
        """Test helper: the stored jobs of an appointment, oldest due first."""
        return sorted(self.items[appointment_id].jobs.values(), key=lambda job: (job.due_at, job.job_id))

    def set_state(self, appointment_id: str, job_id: str, state: JobState) -> None:
        """Test helper: what the scheduler and the sender do to a job."""
        jobs = self.items[appointment_id].jobs
        jobs[job_id] = replace(jobs[job_id], state=state)


class MemoryMessageLog:
    def __init__(self) -> None:
        self.records: list[MessageRecord] = []

    def append(self, record: MessageRecord) -> None:
        self.records.append(record)

    def for_patient(self, patient_id: str) -> list[MessageRecord]:
        return sorted(
            (record for record in self.records if record.patient_id == patient_id),
            key=lambda record: (record.at, record.message_id),
        )


class MemoryAlerts:
    """The alert log and the escalation index: every change only from the state it was read in."""

    def __init__(self) -> None:
        self.items: dict[str, Alert] = {}

    def add(self, alert: Alert) -> None:
        """What the inbound message's transaction does."""
        self.items[alert.alert_id] = alert

    def get(self, clinic_id: str, alert_id: str) -> Alert:
        alert = self.items.get(alert_id)
        if alert is None or alert.clinic_id != clinic_id:
            raise NotFound(f"no alert {alert_id!r} in this clinic", "alert_id")
        return alert

    def record_acknowledgement(self, alert: Alert) -> None:
        stored = self.get(alert.clinic_id, alert.alert_id)
        if stored.state is not AlertState.OPEN:
            raise Conflict(f"alert {alert.alert_id!r} was acknowledged already", "alert_id")
        self.items[alert.alert_id] = replace(
            stored,
            state=alert.state,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=alert.acknowledged_at,
            note=alert.note,
            next_escalation_at=None,
        )

    def due_for_escalation(self, now: datetime, limit: int) -> list[Alert]:
        due = [
            alert
            for alert in self.items.values()
            if alert.next_escalation_at is not None and alert.next_escalation_at <= now
        ]
        return sorted(due, key=lambda alert: (alert.next_escalation_at or now, alert.alert_id))[:limit]

    def move_escalation(self, seen: Alert, new: Alert) -> bool:
        stored = self.items.get(seen.alert_id)
        if (
            stored is None
            or stored.state is not AlertState.OPEN
            or (stored.escalations, stored.next_escalation_at) != (seen.escalations, seen.next_escalation_at)
        ):
            return False
        self.items[seen.alert_id] = replace(
            stored,
            escalations=new.escalations,
            escalated_at=new.escalated_at,
            next_escalation_at=new.next_escalation_at,
        )
        return True


class MemorySurveys:
    def __init__(self) -> None:
        self.items: list[Survey] = []

    def for_patient(self, patient_id: str) -> list[Survey]:
        return [survey for survey in self.items if survey.patient_id == patient_id]


class MemoryAudit:
    def __init__(self) -> None:
        self.items: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self.items.append(entry)

    def entries(self, query: AuditQuery) -> tuple[list[AuditEntry], str | None]:
        found = [
            entry
            for entry in sorted(self.items, key=lambda entry: entry.at)
            if entry.clinic_id == query.clinic_id
            and (query.since is None or entry.at >= query.since)
            and (query.until is None or entry.at <= query.until)
        ]
        start = int(query.cursor or 0)
        page = found[start : start + query.limit]
        return page, str(start + query.limit) if start + query.limit < len(found) else None


class NoLists:
    """The clinic's lists, for unit tests of everything else: they are queries of the table's
    keys and indexes, tested on moto (tests/integration/test_admin_lists.py)."""

    def _unused(self, *_: object, **__: object) -> Any:
        raise AssertionError("the lists are tested on moto, not in memory")

    clinics = patients = patient_by_phone = appointments = messages = alerts = _unused
    completed_surveys = first_names = external_ids = jobs_of = _unused
