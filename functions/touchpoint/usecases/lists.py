"""What the clinic lists: patients, appointments (with the patient's first name and the local
time), every patient's messages, alerts; a page at a time, filtered (contract section 9)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.access import Caller, Role
from touchpoint.domain.alerts import Alert, parse_alert_filter
from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.errors import InvalidInput, InvalidQuery
from touchpoint.domain.exports import messages_csv, scores_csv
from touchpoint.domain.ids import is_well_formed_id
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.paging import Page, PageQuery, parse_cursor, parse_range
from touchpoint.domain.patient import Patient
from touchpoint.domain.phones import country_of, to_e164
from touchpoint.domain.ports.lists import ClinicLists
from touchpoint.domain.ports.stores import ClinicRepository
from touchpoint.domain.surveys import Survey

MAX_QUERY_CHARS = 64
MAX_WITH_MESSAGES = 100
_STATUS = re.compile(r"[a-z_]{1,32}")


@dataclass(frozen=True)
class ListedAppointment:
    appointment: Appointment
    first_name: str | None
    starts_at_local: datetime
    messages: list[Job] | None = None  # its planned messages, by due time, when asked for


def _text(raw: str | None, name: str) -> str | None:
    if raw is None:
        return None
    if not raw.strip() or len(raw) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"{name} must be 1 to {MAX_QUERY_CHARS} characters", name)
    return raw.strip()


def _status(raw: str | None, allowed: set[str] | None = None) -> str | None:
    if raw is None:
        return None
    if not _STATUS.fullmatch(raw) or (allowed is not None and raw not in allowed):
        hint = f": one of {', '.join(sorted(allowed))}" if allowed else ""
        raise InvalidQuery(f"status is not a status{hint}", "status")
    return raw


class Lists:
    def __init__(self, clinics: ClinicRepository, lists: ClinicLists) -> None:
        self.clinics = clinics
        self.lists = lists

    def clinics_of(self, caller: Caller, page: PageQuery) -> Page[Clinic]:
        """The clinics `caller` may see: every one for a platform admin, a page at a time; else
        its own (a few: one page)."""
        if caller.role is Role.PLATFORM_ADMIN:
            return self.lists.clinics(page)
        return Page(self.clinics.some(caller.clinics), None)

    def patients(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        phone: str | None = None,
        external_id: str | None = None,
        q: str | None = None,
    ) -> Page[Patient]:
        clinic = self.clinics.get(clinic_id)
        if phone is not None:
            region = country_of(clinic.settings.phone) if clinic.settings.phone else None
            try:
                number = to_e164(phone, "phone", region)
            except InvalidInput as problem:
                raise InvalidQuery(problem.message, "phone") from None
            return self.lists.patient_by_phone(clinic_id, number)
        if external_id is not None:
            return self.lists.patient_by_external_id(clinic_id, _text(external_id, "external_id") or "")
        return self.lists.patients(clinic_id, page, q=_text(q, "q"))

    def appointments(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        patient_id: str | None = None,
        include: str | None = None,
    ) -> Page[ListedAppointment]:
        """By start; `from`/`to` are instants, or dates meaning that day in the clinic's time.
        `include=messages` adds each one's planned messages (one query per appointment: at most
        MAX_WITH_MESSAGES a page)."""
        if include not in (None, "messages"):
            raise InvalidQuery("include must be messages", "include")
        if include and page.limit > MAX_WITH_MESSAGES:
            raise InvalidQuery(f"limit is at most {MAX_WITH_MESSAGES} with include=messages", "limit")
        clinic = self.clinics.get(clinic_id)
        start, stop = parse_range(since, until, clinic.settings.timezone)
        if patient_id is not None and not is_well_formed_id(patient_id):
            raise InvalidQuery("patient_id is not a patient's id", "patient_id")
        found = self.lists.appointments(
            clinic_id,
            page,
            since=start,
            until=stop,
            status=_status(status, {status.value for status in AppointmentStatus}),
            patient_id=patient_id,
        )
        names = self.lists.first_names(clinic_id, {appointment.patient_id for appointment in found.items})
        jobs = self.lists.jobs_of([a.appointment_id for a in found.items]) if include else {}
        zone: ZoneInfo = clinic.settings.timezone
        return Page(
            [
                ListedAppointment(
                    appointment,
                    names.get(appointment.patient_id),
                    appointment.starts_at.astimezone(zone),
                    sorted(jobs.get(appointment.appointment_id, []), key=lambda job: job.due_at)
                    if include
                    else None,
                )
                for appointment in found.items
            ],
            found.next_cursor,
        )

    def messages(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
    ) -> Page[MessageRecord]:
        clinic = self.clinics.get(clinic_id)
        start, stop = parse_range(since, until, clinic.settings.timezone)
        return self.lists.messages(clinic_id, page, since=start, until=stop, status=_status(status))

    def alerts(
        self, clinic_id: str, page: PageQuery, *, kind: str | None = None, state: str | None = None
    ) -> Page[Alert]:
        which = parse_alert_filter(kind, state)
        self.clinics.get(clinic_id)
        return self.lists.alerts(clinic_id, page, which)


# An export answers at most this many rows; past it, `next_cursor` (the X-Next-Cursor header)
# continues where it stopped: a Lambda answer holds at most 6 MB.
EXPORT_ROWS = 5_000
EXPORT_PAGE = PageQuery(500)


@dataclass(frozen=True)
class Export:
    csv: str
    rows: int
    next_cursor: str | None


def _export[T](
    read: Callable[[PageQuery], Page[T]], render: Callable[[list[T], bool], str], cursor: str | None
) -> Export:
    """Pages of the table, each rendered as CSV (the header once), up to EXPORT_ROWS rows."""
    parts: list[str] = []
    rows, page = 0, PageQuery(EXPORT_PAGE.limit, parse_cursor(cursor))
    while True:
        found = read(page)
        parts.append(render(found.items, not parts))
        rows += len(found.items)
        if found.next_cursor is None or rows >= EXPORT_ROWS:
            return Export("".join(parts), rows, found.next_cursor)
        page = PageQuery(EXPORT_PAGE.limit, found.next_cursor)


class Exports:
    def __init__(self, clinics: ClinicRepository, lists: ClinicLists) -> None:
        self.clinics = clinics
        self.lists = lists

    def scores(self, clinic_id: str, *, since: str | None, until: str | None, cursor: str | None) -> Export:
        """Completed surveys by completion, with the EHR ids of their patient and appointment."""
        clinic = self.clinics.get(clinic_id)
        start, stop = parse_range(since, until, clinic.settings.timezone)

        def render(surveys: list[Survey], header: bool) -> str:
            patients, appointments = self.lists.external_ids(
                clinic_id,
                {survey.patient_id for survey in surveys},
                {survey.appointment_id for survey in surveys},
            )
            return scores_csv(surveys, patients, appointments, header=header)

        return _export(
            lambda page: self.lists.completed_surveys(clinic_id, page, since=start, until=stop),
            render,
            cursor,
        )

    def messages(self, clinic_id: str, *, since: str | None, until: str | None, cursor: str | None) -> Export:
        """Every patient's messages, newest first."""
        clinic = self.clinics.get(clinic_id)
        start, stop = parse_range(since, until, clinic.settings.timezone)
        return _export(
            lambda page: self.lists.messages(clinic_id, page, since=start, until=stop),
            lambda messages, header: messages_csv(messages, header=header),
            cursor,
        )
