"""What a clinic admin does: configure the clinic, register patients, book appointments."""

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from touchpoint.domain.alerts import Alert, acknowledge, parse_acknowledgement
from touchpoint.domain.appointment import (
    Appointment,
    AppointmentStatus,
    Job,
    NewAppointment,
    apply_change,
    parse_appointment_change,
    parse_new_appointment,
)
from touchpoint.domain.audit import AuditEntry, AuditQuery
from touchpoint.domain.clinic import (
    MAX_FOLLOW_UP_DELAY,
    Clinic,
    changes_plans,
    parse_clinic_change,
    parse_clinic_settings,
)
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.courses import Course, next_session, session_plan
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.ids import new_id
from touchpoint.domain.instruments import instruments
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.outcomes import Outcome, outcomes
from touchpoint.domain.patient import Patient, parse_new_patient, parse_patient_change
from touchpoint.domain.planning import plan_messages, replan, to_job
from touchpoint.domain.ports.alerts import AlertLog
from touchpoint.domain.ports.courses import CourseStore
from touchpoint.domain.ports.lists import ClinicLists
from touchpoint.domain.ports.stores import (
    AppointmentRepository,
    AuditLog,
    ClinicRepository,
    MessageLog,
    PatientRepository,
    SurveyLog,
)
from touchpoint.domain.surveys import Survey
from touchpoint.usecases.lists import Exports, Lists

# Appointments that started up to this long ago may still have follow-ups to re-plan.
REPLAN_LOOKBACK = MAX_FOLLOW_UP_DELAY + timedelta(days=2)


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    messages: list[Job]


class Admin:
    def __init__(
        self,
        clinics: ClinicRepository,
        patients: PatientRepository,
        appointments: AppointmentRepository,
        messages: MessageLog,
        alerts: AlertLog,
        surveys: SurveyLog,
        audit: AuditLog,
        lists: ClinicLists,
        courses: CourseStore,
    ) -> None:
        self.clinics = clinics
        self.patients = patients
        self.appointments = appointments
        self.messages = messages
        self.alerts = alerts
        self.surveys = surveys
        self.audit = audit
        self.courses = courses
        self.listing = Lists(clinics, lists)
        self.exports = Exports(clinics, lists)

    def create_clinic(self, body: object, now: datetime) -> Clinic:
        clinic = Clinic(new_id("cl"), parse_clinic_settings(body), created_at=now, updated_at=now)
        self.clinics.add(clinic)
        return clinic

    def get_clinic(self, clinic_id: str) -> Clinic:
        return self.clinics.get(clinic_id)

    def record(self, entry: AuditEntry) -> None:
        self.audit.record(entry)

    def audit_entries(self, query: AuditQuery) -> tuple[list[AuditEntry], str | None]:
        return self.audit.entries(query)

    def update_clinic(self, clinic_id: str, body: object, now: datetime) -> Clinic:
        """Replace the settings and re-plan every message not yet sent, if what plans depend on changed."""
        old = self.clinics.get(clinic_id)
        return self._change_settings(
            old, replace(old, settings=parse_clinic_settings(body), updated_at=now), now
        )

    def change_clinic(self, clinic_id: str, body: object, now: datetime) -> Clinic:
        """Change only the settings `body` names; re-plan only if what plans depend on changed."""
        old = self.clinics.get(clinic_id)
        settings = parse_clinic_change(body, old.settings)
        return self._change_settings(old, replace(old, settings=settings, updated_at=now), now)

    def _change_settings(self, old: Clinic, new: Clinic, now: datetime) -> Clinic:
        self.clinics.replace(old, new)
        if changes_plans(old.settings, new.settings):
            for appointment in self.appointments.open_for_clinic(old.clinic_id, now - REPLAN_LOOKBACK):
                _, jobs = self.appointments.get(appointment.appointment_id)
                self._replan(new, appointment, jobs, now, seen=appointment.status)
        return new

    def create_patient(self, clinic_id: str, body: object, now: datetime) -> Patient:
        return self.add_patient(self.clinics.get(clinic_id), body, now)

    def add_patient(self, clinic: Clinic, body: object, now: datetime) -> Patient:
        """`create_patient` for a clinic already read (an import reads it once for every row)."""
        patient = parse_new_patient(body, clinic).registered(new_id("pt"), clinic.clinic_id, now)
        self.patients.add(patient)
        return patient

    def change_patient(self, clinic_id: str, patient_id: str, body: object, now: datetime) -> Patient:
        """Change the fields `body` names; a new time zone re-plans the patient's open appointments."""
        clinic = self.clinics.get(clinic_id)
        old = self.patients.get(clinic_id, patient_id)
        new = parse_patient_change(body, clinic, old)
        if new != old:
            self.patients.update(old, new)
        if new.timezone != old.timezone:
            for appointment in self.appointments.open_for_clinic(clinic_id, now - REPLAN_LOOKBACK):
                if appointment.patient_id == patient_id:
                    _, jobs = self.appointments.get(appointment.appointment_id)
                    self._replan(clinic, appointment, jobs, now, seen=appointment.status)
        return new

    def get_patient(self, clinic_id: str, patient_id: str) -> Patient:
        self.clinics.get(clinic_id)
        return self.patients.get(clinic_id, patient_id)

    def create_appointment(self, clinic_id: str, body: object, now: datetime) -> AppointmentView:
        clinic = self.clinics.get(clinic_id)
        new = parse_new_appointment(body, clinic.settings.timezone, now)
        return self.book(clinic, self.patients.get(clinic_id, new.patient_id), new, now)

    def book(self, clinic: Clinic, patient: Patient, new: NewAppointment, now: datetime) -> AppointmentView:
        """`create_appointment` for a clinic and a patient already read (an import reads them in batches)."""
        appointment = Appointment(
            new_id("ap"),
            clinic.clinic_id,
            patient.patient_id,
            new.starts_at,
            new.duration_minutes,
            AppointmentStatus.SCHEDULED,
            created_at=now,
            external_id=new.external_id,
        )
        appointment, joined = self._course_session(appointment, new.course_id)
        planned = plan_messages(appointment, clinic.settings, patient.timezone, now)
        jobs = [to_job(message, appointment, new_id("jb")) for message in planned]
        self.appointments.add(appointment, jobs, course=joined)
        return AppointmentView(appointment, jobs)

    def _course_session(
        self, appointment: Appointment, named: str | None
    ) -> tuple[Appointment, tuple[Course, Course] | None]:
        """The appointment as the next session of the patient's active course, when it takes
        bookings (an appointment that names a course must find it taking them); the course as
        read and as it becomes, for the booking's transaction."""
        course = self.courses.active(appointment.patient_id)
        if named is not None and (course is None or course.course_id != named or not course.takes_bookings):
            state = (
                "not the patient's active course" if course is None or course.course_id != named else "full"
            )
            raise Conflict(f"course {named} takes no bookings: {state}", "course_id")
        if course is None or not course.takes_bookings:
            return appointment, None
        after, number = next_session(course)
        plan = session_plan(course.template, number)
        return replace(appointment, course_id=course.course_id, session=number, course_plan=plan), (
            course,
            after,
        )

    def get_appointment(self, clinic_id: str, appointment_id: str) -> AppointmentView:
        appointment, jobs = self._appointment(clinic_id, appointment_id)
        return AppointmentView(appointment, sorted(jobs, key=lambda job: job.due_at))

    def update_appointment(
        self, clinic_id: str, appointment_id: str, body: object, now: datetime
    ) -> AppointmentView:
        clinic = self.clinics.get(clinic_id)
        current, jobs = self._appointment(clinic_id, appointment_id)
        change = parse_appointment_change(body, clinic.settings.timezone, now)
        updated = apply_change(current, change)
        return self._replan(clinic, updated, jobs, now, seen=current.status, was=current)

    def messages_of(self, clinic_id: str, patient_id: str) -> list[MessageRecord]:
        patient = self.get_patient(clinic_id, patient_id)
        return self.messages.for_patient(patient.patient_id)

    def opt_out(self, clinic_id: str, patient_id: str, now: datetime) -> Patient:
        """The clinic records that a patient asked (by phone, in person) to get no more texts.

        There is no admin opt-in: only the patient can opt back in, by replying START.
        """
        patient = self.get_patient(clinic_id, patient_id)
        if not patient.opted_out:
            with suppress(Conflict):  # the patient's own STOP got there first
                self.patients.record_consent(
                    ConsentChange(patient_id, clinic_id, ConsentAction.OPT_OUT, ConsentSource.ADMIN, now)
                )
        return replace(patient, opted_out=True, awaiting_appointment_id=None)

    def surveys_of(self, clinic_id: str, patient_id: str) -> list[Survey]:
        patient = self.get_patient(clinic_id, patient_id)
        return self.surveys.for_patient(patient.patient_id)

    def outcomes_of(self, clinic_id: str, patient_id: str) -> list[Outcome]:
        return outcomes(self.surveys_of(clinic_id, patient_id), instruments())

    def acknowledge_alert(
        self, clinic_id: str, alert_id: str, body: object, *, by: str, now: datetime
    ) -> Alert:
        """`by` closes the alert with a note on what was done; a patient's reply never does."""
        self.clinics.get(clinic_id)
        note = parse_acknowledgement(body)
        acknowledged = acknowledge(self.alerts.get(clinic_id, alert_id), by=by, note=note, at=now)
        self.alerts.record_acknowledgement(acknowledged)
        return acknowledged

    def _appointment(self, clinic_id: str, appointment_id: str) -> tuple[Appointment, list[Job]]:
        appointment, jobs = self.appointments.get(appointment_id)
        if appointment.clinic_id != clinic_id:
            raise NotFound(f"no appointment {appointment_id!r} in this clinic", "appointment_id")
        return appointment, jobs

    def _replan(
        self,
        clinic: Clinic,
        appointment: Appointment,
        jobs: list[Job],
        now: datetime,
        *,
        seen: AppointmentStatus,
        was: Appointment | None = None,
    ) -> AppointmentView:
        patient = self.patients.get(clinic.clinic_id, appointment.patient_id)
        planned = plan_messages(appointment, clinic.settings, patient.timezone, now)
        change = replan(appointment, jobs, planned, lambda: new_id("jb"), now)
        self.appointments.save_plan(appointment, seen=seen, remove=change.remove, put=change.put, was=was)
        removed = {job.job_id for job in change.remove} | {job.job_id for job in change.put}
        kept = [job for job in jobs if job.job_id not in removed]
        return AppointmentView(appointment, sorted(kept + change.put, key=lambda job: job.due_at))
