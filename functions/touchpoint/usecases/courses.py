"""A clinic's course templates, a patient's enrolment in one, its status, and its outcome:
sessions done of planned and, per instrument it measures, baseline, series, latest, change,
response and remission (domain/outcomes.py, over the course's scores: domain/checkpoints.py)."""

from dataclasses import dataclass
from datetime import datetime

from touchpoint.domain.appointment import Appointment, AppointmentStatus
from touchpoint.domain.course_outcomes import CourseOutcome, course_outcome
from touchpoint.domain.courses import (
    Course,
    CourseStatus,
    CourseTemplate,
    parse_course_change,
    parse_course_template,
    parse_enrolment,
)
from touchpoint.domain.ids import new_id
from touchpoint.domain.instruments import instruments
from touchpoint.domain.paging import PageQuery
from touchpoint.domain.ports.courses import CourseStore
from touchpoint.domain.ports.lists import ClinicLists
from touchpoint.domain.ports.stores import ClinicRepository, PatientRepository, SurveyLog

# A course has at most 52 sessions; a patient's appointments are read a page at a time up to this.
MAX_APPOINTMENTS_READ = 2_000


@dataclass(frozen=True)
class CourseReport:
    course: Course
    sessions: list[Appointment]  # booked into the course, by session number
    outcomes: list[CourseOutcome]

    @property
    def done(self) -> int:
        return sum(1 for session in self.sessions if session.status is AppointmentStatus.COMPLETED)


class Courses:
    def __init__(
        self,
        clinics: ClinicRepository,
        patients: PatientRepository,
        courses: CourseStore,
        surveys: SurveyLog,
        lists: ClinicLists,
    ) -> None:
        self.clinics = clinics
        self.patients = patients
        self.courses = courses
        self.surveys = surveys
        self.lists = lists

    def add_template(self, clinic_id: str, body: object, now: datetime) -> CourseTemplate:
        self.clinics.get(clinic_id)
        template = parse_course_template(
            body, template_id=new_id("ct"), clinic_id=clinic_id, instruments=frozenset(instruments()), now=now
        )
        self.courses.add_template(template)
        return template

    def templates(self, clinic_id: str) -> list[CourseTemplate]:
        self.clinics.get(clinic_id)
        return self.courses.templates(clinic_id)

    def enrol(self, clinic_id: str, patient_id: str, body: object, now: datetime) -> Course:
        self.clinics.get(clinic_id)
        patient = self.patients.get(clinic_id, patient_id)
        template = self.courses.template(clinic_id, parse_enrolment(body))
        course = Course(
            new_id("co"),
            clinic_id,
            patient.patient_id,
            template,
            CourseStatus.ACTIVE,
            enrolled_at=now,
            updated_at=now,
        )
        self.courses.enrol(course)
        return course

    def of_patient(self, clinic_id: str, patient_id: str) -> list[Course]:
        self.patients.get(clinic_id, patient_id)
        return self.courses.of_patient(patient_id)

    def change(self, clinic_id: str, patient_id: str, course_id: str, body: object, now: datetime) -> Course:
        self.patients.get(clinic_id, patient_id)
        course = self.courses.get(patient_id, course_id)
        changed = parse_course_change(body, course, now)
        if changed != course:
            self.courses.change(course, changed)
        return changed

    def report(self, clinic_id: str, patient_id: str, course_id: str) -> CourseReport:
        self.patients.get(clinic_id, patient_id)
        course = self.courses.get(patient_id, course_id)
        sessions = sorted(
            (a for a in self._appointments(clinic_id, patient_id) if a.course_id == course_id),
            key=lambda appointment: appointment.session or 0,
        )
        return CourseReport(
            course, sessions, course_outcome(self.surveys.for_patient(patient_id), course, instruments())
        )

    def _appointments(self, clinic_id: str, patient_id: str) -> list[Appointment]:
        found: list[Appointment] = []
        cursor: str | None = None
        while len(found) < MAX_APPOINTMENTS_READ:
            page = self.lists.appointments(clinic_id, PageQuery(500, cursor), patient_id=patient_id)
            found += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        return found
