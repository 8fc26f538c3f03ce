"""The clinic's lists, a page at a time: what the admin API lists and filters."""

from datetime import datetime
from typing import Protocol

from touchpoint.domain.alerts import Alert, AlertFilter
from touchpoint.domain.appointment import Appointment, Job
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.courses import Course
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.paging import Page, PageQuery
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


class ClinicLists(Protocol):
    def clinics(self, page: PageQuery) -> Page[Clinic]: ...
    def patients(self, clinic_id: str, page: PageQuery, *, q: str | None = None) -> Page[Patient]: ...
    def patient_by_phone(self, clinic_id: str, phone: str) -> Page[Patient]: ...
    def patient_by_external_id(self, clinic_id: str, external_id: str) -> Page[Patient]: ...
    def appointments(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        patient_id: str | None = None,
    ) -> Page[Appointment]:
        """By start, earliest first."""
        ...

    def messages(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
    ) -> Page[MessageRecord]:
        """Every patient's, newest first."""
        ...

    def alerts(self, clinic_id: str, page: PageQuery, which: AlertFilter) -> Page[Alert]:
        """Newest first."""
        ...

    def completed_surveys(
        self, clinic_id: str, page: PageQuery, *, since: datetime | None = None, until: datetime | None = None
    ) -> Page[Survey]:
        """By completion, earliest first."""
        ...

    def courses(self, clinic_id: str, page: PageQuery) -> Page[Course]:
        """The clinic's treatment courses, by enrolment."""
        ...

    def jobs_of(self, appointment_ids: list[str]) -> dict[str, list[Job]]: ...
    def first_names(self, clinic_id: str, patient_ids: set[str]) -> dict[str, str]: ...
    def external_ids(
        self, clinic_id: str, patient_ids: set[str], appointment_ids: set[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The EHR ids of the patients and of the appointments that have one."""
        ...
