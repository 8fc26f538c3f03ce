"""The Admin use case on in-memory repositories: what is stored and planned for each request."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.fakes.memory import (
    MemoryAlerts,
    MemoryAppointments,
    MemoryAudit,
    MemoryClinics,
    MemoryMessageLog,
    MemoryPatients,
    MemorySurveys,
    NoLists,
)
from tests.unit.builders import NEW_YORK, clinic_body, local, utc
from touchpoint.domain.appointment import AppointmentStatus, JobKind, JobState
from touchpoint.domain.errors import Conflict, InvalidInput, NotFound
from touchpoint.domain.messages import MessageRecord
from touchpoint.handlers.views import reminder_view
from touchpoint.usecases.admin import Admin

NOW = utc(2026, 11, 20, 12, 0)
STARTS = "2026-12-01T15:00:00-05:00"


@dataclass
class World:
    admin: Admin
    clinics: MemoryClinics
    patients: MemoryPatients
    appointments: MemoryAppointments
    messages: MemoryMessageLog

    def clinic(self, **overrides: Any) -> str:
        return self.admin.create_clinic(clinic_body(**overrides), NOW).clinic_id

    def patient(self, clinic_id: str, phone: str = "+15551230001", **extra: Any) -> str:
        body = {"first_name": "Ana", "phone": phone} | extra
        return self.admin.create_patient(clinic_id, body, NOW).patient_id

    def book(self, clinic_id: str, patient_id: str, starts_at: str = STARTS, now: datetime = NOW) -> str:
        body = {"patient_id": patient_id, "starts_at": starts_at, "duration_minutes": 60}
        return self.admin.create_appointment(clinic_id, body, now).appointment.appointment_id

    def stored_count(self) -> int:
        return (
            len(self.clinics.items)
            + len(self.patients.items)
            + sum(1 + len(stored.jobs) for stored in self.appointments.items.values())
        )


@pytest.fixture
def world() -> World:
    clinics, patients, appointments, messages = (
        MemoryClinics(),
        MemoryPatients(),
        MemoryAppointments(),
        MemoryMessageLog(),
    )
    return World(
        Admin(
            clinics,
            patients,
            appointments,
            messages,
            MemoryAlerts(),
            MemorySurveys(),
            MemoryAudit(),
            NoLists(),
            appointments.courses,
        ),
        clinics,
        patients,
        appointments,
        messages,
    )


def pending_dues(world: World, appointment_id: str) -> list[datetime]:
    """Due times of the pending reminders (the follow-ups are checked on their own)."""
    return [
        job.due_at
        for job in world.appointments.jobs_of(appointment_id)
        if job.state is JobState.PENDING and job.kind is JobKind.REMINDER
    ]


# ---- clinics -------------------------------------------------------------------------------


def test_create_clinic_stores_it_under_a_new_id(world: World) -> None:
    clinic = world.admin.create_clinic(clinic_body(), NOW)

    assert clinic.clinic_id.startswith("cl_")
    assert world.admin.get_clinic(clinic.clinic_id) == clinic
    assert clinic.created_at == clinic.updated_at == NOW


def test_two_clinics_cannot_share_a_sender(world: World) -> None:
    world.clinic(sender="+15005550006")

    with pytest.raises(Conflict):
        world.admin.create_clinic(clinic_body(sender="+1 (500) 555-0006"), NOW)
    world.clinic(sender="+15005550007")
    assert len(world.clinics.items) == 2


def test_an_invalid_clinic_is_refused_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.admin.create_clinic(clinic_body(timezone="Mars/Base"), NOW)

    assert caught.value.field == "timezone"
    assert world.stored_count() == 0


def test_an_unknown_clinic_is_not_found(world: World) -> None:
    for call in (
        lambda: world.admin.get_clinic("cl_nope"),
        lambda: world.admin.update_clinic("cl_nope", clinic_body(), NOW),
        lambda: world.admin.create_patient("cl_nope", {"first_name": "Ana", "phone": "+15551230001"}, NOW),
        lambda: world.admin.create_appointment("cl_nope", {"patient_id": "pt_1", "starts_at": STARTS}, NOW),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.field == "clinic_id"


# ---- patients ------------------------------------------------------------------------------


def test_create_patient_stores_an_e164_phone_and_the_clinics_zone(world: World) -> None:
    clinic_id = world.clinic()

    patient = world.admin.create_patient(clinic_id, {"first_name": "Ana", "phone": "+1 (555) 123-0001"}, NOW)

    assert patient.patient_id.startswith("pt_")
    assert (patient.phone, patient.timezone.key, patient.opted_out) == (
        "+15551230001",
        "America/New_York",
        False,
    )
    assert world.admin.get_patient(clinic_id, patient.patient_id) == patient


def test_a_phone_belongs_to_one_patient_per_clinic(world: World) -> None:
    clinic_id = world.clinic()
    other_clinic = world.clinic(sender="+15005550007")
    world.patient(clinic_id, "+15551230001")

    with pytest.raises(Conflict) as caught:
        world.patient(clinic_id, "+1 555-123-0001")

    assert "phone" in caught.value.message
    world.patient(other_clinic, "+15551230001")
    assert len(world.patients.items) == 2


def test_a_patient_of_another_clinic_is_not_found(world: World) -> None:
    clinic_id = world.clinic()
    other_clinic = world.clinic(sender="+15005550007")
    patient_id = world.patient(other_clinic)

    with pytest.raises(NotFound):
        world.admin.get_patient(clinic_id, patient_id)
    with pytest.raises(NotFound):
        world.admin.messages_of(clinic_id, patient_id)
    with pytest.raises(NotFound):
        world.book(clinic_id, patient_id)


def test_an_unknown_patient_is_not_found(world: World) -> None:
    clinic_id = world.clinic()

    with pytest.raises(NotFound) as caught:
        world.admin.get_patient(clinic_id, "pt_nope")
    assert caught.value.field == "patient_id"
    with pytest.raises(NotFound):
        world.book(clinic_id, "pt_nope")
    assert world.appointments.items == {}


def test_messages_of_a_patient_are_theirs_oldest_first(world: World) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)
    other_id = world.patient(clinic_id, "+15551230002")
    for minute, (who, direction) in enumerate(
        [(patient_id, "outbound"), (other_id, "outbound"), (patient_id, "inbound")]
    ):
        world.messages.append(
            MessageRecord(
                f"m{minute}", clinic_id, who, direction, "hi", "sent", NOW + timedelta(minutes=10 - minute)
            )
        )

    records = world.admin.messages_of(clinic_id, patient_id)

    assert [record.message_id for record in records] == ["m2", "m0"]


# ---- appointments --------------------------------------------------------------------------


def test_create_appointment_plans_every_reminder_and_stores_them(world: World) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)

    view = world.admin.create_appointment(
        clinic_id, {"patient_id": patient_id, "starts_at": STARTS, "duration_minutes": 60}, NOW
    )

    assert view.appointment.appointment_id.startswith("ap_")
    assert view.appointment.status is AppointmentStatus.SCHEDULED
    assert view.appointment.starts_at == utc(2026, 12, 1, 20, 0)
    reminders = [(job.rule, job.due_at, job.state) for job in view.messages if job.kind is JobKind.REMINDER]
    assert reminders == [
        ("days_before:2@18:00", local(NEW_YORK, 2026, 11, 29, 18, 0), JobState.PENDING),
        ("before:P1D", local(NEW_YORK, 2026, 11, 30, 15, 0), JobState.PENDING),
        ("before:PT2H", local(NEW_YORK, 2026, 12, 1, 13, 0), JobState.PENDING),
    ]
    assert world.appointments.jobs_of(view.appointment.appointment_id) == view.messages
    assert all(job.job_id.startswith("jb_") for job in view.messages)


def test_a_reminder_already_overdue_at_booking_is_stored_as_skipped(world: World) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)

    appointment_id = world.book(clinic_id, patient_id, now=local(NEW_YORK, 2026, 12, 1, 9, 0))

    states = {
        job.rule: (job.state, job.reason)
        for job in world.appointments.jobs_of(appointment_id)
        if job.kind is JobKind.REMINDER
    }
    assert states == {
        "days_before:2@18:00": (JobState.SKIPPED, "overdue"),
        "before:P1D": (JobState.SKIPPED, "overdue"),
        "before:PT2H": (JobState.PENDING, None),
    }


def test_a_patient_in_another_zone_gets_wall_clock_reminders_in_their_zone(world: World) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id, timezone="America/Los_Angeles")

    appointment_id = world.book(clinic_id, patient_id)

    (evening,) = [
        job for job in world.appointments.jobs_of(appointment_id) if job.rule.startswith("days_before")
    ]
    assert evening.due_at == local("America/Los_Angeles", 2026, 11, 29, 18, 0)


def test_get_appointment_returns_it_with_its_messages(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))

    view = world.admin.get_appointment(clinic_id, appointment_id)

    assert view.appointment.appointment_id == appointment_id
    assert [job.due_at for job in view.messages] == sorted(job.due_at for job in view.messages)
    assert [job.kind for job in view.messages].count(JobKind.REMINDER) == 3
    assert {job.survey for job in view.messages if job.kind is JobKind.FOLLOW_UP} == {"anxiety-now", "gad7"}


def test_rescheduling_replaces_pending_messages_and_keeps_sent_ones(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    first, *others = world.appointments.jobs_of(appointment_id)
    world.appointments.set_state(appointment_id, first.job_id, JobState.SENT)

    view = world.admin.update_appointment(
        clinic_id, appointment_id, {"starts_at": "2026-12-03T15:00:00-05:00"}, NOW
    )

    stored = world.appointments.jobs_of(appointment_id)
    assert view.messages == stored
    assert view.appointment.status is AppointmentStatus.SCHEDULED
    sent = [job for job in stored if job.state is JobState.SENT]
    assert [job.job_id for job in sent] == [first.job_id]
    assert not {job.job_id for job in others} & {job.job_id for job in stored}
    assert pending_dues(world, appointment_id) == [
        local(NEW_YORK, 2026, 12, 1, 18, 0),
        local(NEW_YORK, 2026, 12, 2, 15, 0),
        local(NEW_YORK, 2026, 12, 3, 13, 0),
    ]


def test_rescheduling_a_confirmed_appointment_asks_for_a_new_confirmation(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    stored = world.appointments.items[appointment_id]
    stored.appointment = replace(stored.appointment, status=AppointmentStatus.CONFIRMED)

    view = world.admin.update_appointment(
        clinic_id, appointment_id, {"starts_at": "2026-12-03T15:00:00"}, NOW
    )

    assert view.appointment.status is AppointmentStatus.SCHEDULED
    assert world.appointments.items[appointment_id].appointment.status is AppointmentStatus.SCHEDULED


def test_cancelling_cancels_the_pending_messages_and_keeps_the_rest(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    first, *others = world.appointments.jobs_of(appointment_id)
    world.appointments.set_state(appointment_id, first.job_id, JobState.SENT)

    view = world.admin.update_appointment(clinic_id, appointment_id, {"status": "cancelled"}, NOW)

    assert view.appointment.status is AppointmentStatus.CANCELLED
    stored = {job.job_id: (job.state, job.reason) for job in world.appointments.jobs_of(appointment_id)}
    assert stored == {first.job_id: (JobState.SENT, None)} | {
        job.job_id: (JobState.CANCELLED, "appointment_cancelled") for job in others
    }
    assert {job.job_id: job.state for job in view.messages} == {k: v[0] for k, v in stored.items()}


def test_a_cancelled_appointment_cannot_be_changed_again(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    world.admin.update_appointment(clinic_id, appointment_id, {"status": "cancelled"}, NOW)
    before = world.appointments.jobs_of(appointment_id)

    with pytest.raises(Conflict):
        world.admin.update_appointment(clinic_id, appointment_id, {"starts_at": "2026-12-03T15:00:00"}, NOW)
    assert world.appointments.jobs_of(appointment_id) == before


def test_completing_marks_it_held_and_leaves_no_reminder_pending(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))

    view = world.admin.update_appointment(clinic_id, appointment_id, {"status": "completed"}, NOW)

    assert view.appointment.status is AppointmentStatus.COMPLETED
    assert pending_dues(world, appointment_id) == []
    follow_ups = [job for job in view.messages if job.kind is JobKind.FOLLOW_UP]
    assert {job.state for job in follow_ups} == {JobState.PENDING}, "a held session gets its check-ins"


def test_a_bad_change_is_refused_and_changes_nothing(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    before = world.appointments.get(appointment_id)

    with pytest.raises(InvalidInput) as caught:
        world.admin.update_appointment(clinic_id, appointment_id, {"starts_at": "2027-03-14T02:30:00"}, NOW)

    assert caught.value.field == "starts_at"
    assert world.appointments.get(appointment_id) == before


def test_an_appointment_of_another_clinic_is_not_found(world: World) -> None:
    clinic_id = world.clinic()
    other_clinic = world.clinic(sender="+15005550007")
    appointment_id = world.book(other_clinic, world.patient(other_clinic))

    with pytest.raises(NotFound):
        world.admin.get_appointment(clinic_id, appointment_id)
    with pytest.raises(NotFound):
        world.admin.update_appointment(clinic_id, appointment_id, {"status": "cancelled"}, NOW)
    assert world.appointments.items[appointment_id].appointment.status is AppointmentStatus.SCHEDULED


def test_an_unknown_appointment_is_not_found(world: World) -> None:
    clinic_id = world.clinic()

    with pytest.raises(NotFound) as caught:
        world.admin.get_appointment(clinic_id, "ap_nope")
    assert caught.value.field == "appointment_id"
    with pytest.raises(NotFound):
        world.admin.update_appointment(clinic_id, "ap_nope", {"status": "cancelled"}, NOW)


# ---- re-planning on new clinic settings ----------------------------------------------------


def test_new_clinic_settings_replan_every_open_upcoming_appointment(world: World) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)
    upcoming = world.book(clinic_id, patient_id)
    later = world.book(clinic_id, patient_id, "2026-12-08T10:00:00-05:00")
    cancelled = world.book(clinic_id, patient_id, "2026-12-02T10:00:00-05:00")
    world.admin.update_appointment(clinic_id, cancelled, {"status": "cancelled"}, NOW)
    cancelled_jobs = world.appointments.jobs_of(cancelled)

    clinic = world.admin.update_clinic(clinic_id, clinic_body(reminders=[{"before": "PT3H"}]), NOW)

    assert [reminder_view(rule) for rule in clinic.settings.reminders] == [{"before": "PT3H"}]
    assert world.admin.get_clinic(clinic_id).settings == clinic.settings
    assert pending_dues(world, upcoming) == [local(NEW_YORK, 2026, 12, 1, 12, 0)]
    assert pending_dues(world, later) == [local(NEW_YORK, 2026, 12, 7, 20, 50)]  # 07:00 is quiet
    assert world.appointments.jobs_of(cancelled) == cancelled_jobs


def test_new_clinic_settings_keep_messages_already_sent(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    first = world.appointments.jobs_of(appointment_id)[0]
    world.appointments.set_state(appointment_id, first.job_id, JobState.SENT)

    world.admin.update_clinic(clinic_id, clinic_body(reminders=[{"before": "PT3H"}]), NOW)

    jobs = world.appointments.jobs_of(appointment_id)
    assert [(job.job_id, job.state) for job in jobs if job.state is not JobState.PENDING] == [
        (first.job_id, JobState.SENT)
    ]
    assert pending_dues(world, appointment_id) == [local(NEW_YORK, 2026, 12, 1, 12, 0)]


def test_past_appointments_are_not_replanned(world: World) -> None:
    clinic_id = world.clinic()
    past = world.book(clinic_id, world.patient(clinic_id), "2026-11-10T15:00:00-05:00", now=utc(2026, 11, 1))
    before = world.appointments.jobs_of(past)

    world.admin.update_clinic(clinic_id, clinic_body(reminders=[{"before": "PT3H"}]), NOW)

    after = world.appointments.jobs_of(past)
    # Its reminders keep their rules (pending ones can no longer go: skipped), its follow-ups
    # are planned as before.
    assert [(job.rule, job.due_at) for job in after] == [(job.rule, job.due_at) for job in before]
    reminders = [job for job in after if job.kind is JobKind.REMINDER]
    assert {(job.state, job.reason) for job in reminders} <= {
        (JobState.SKIPPED, "appointment_started"),
        (JobState.SKIPPED, "overdue"),
    }
    assert [job for job in after if job.kind is JobKind.FOLLOW_UP] == [
        job for job in before if job.kind is JobKind.FOLLOW_UP
    ]


def test_invalid_new_settings_change_nothing(world: World) -> None:
    clinic_id = world.clinic()
    appointment_id = world.book(clinic_id, world.patient(clinic_id))
    clinic = world.admin.get_clinic(clinic_id)
    jobs = world.appointments.jobs_of(appointment_id)

    with pytest.raises(InvalidInput) as caught:
        world.admin.update_clinic(clinic_id, clinic_body(reminders=[{"before": "P0D"}]), NOW)

    assert caught.value.field == "reminders[0].before"
    assert world.admin.get_clinic(clinic_id) == clinic
    assert world.appointments.jobs_of(appointment_id) == jobs


def test_a_clinic_cannot_take_another_clinics_sender(world: World) -> None:
    clinic_id = world.clinic(sender="+15005550006")
    world.clinic(sender="+15005550007")

    with pytest.raises(Conflict):
        world.admin.update_clinic(clinic_id, clinic_body(sender="+15005550007"), NOW)
    assert world.admin.get_clinic(clinic_id).settings.sender == "+15005550006"
