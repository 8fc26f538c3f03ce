"""Follow-up check-ins in the plan (contract sections 3, 5 and 6): after the appointment's end,
later out of quiet hours, skipped when overdue, re-planned on reschedule, cancelled with the
appointment, kept when it is marked held; and a survey's nudge outlives every re-plan."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
from tests.unit.builders import NEW_YORK, appointment, clinic_body, job, local, patient, settings, utc
from touchpoint.domain.appointment import AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.planning import NUDGE_RULE, PlannedMessage, plan_messages, replan, to_job
from touchpoint.domain.send_checks import reason_not_to_send
from touchpoint.usecases.admin import Admin

LONG_AGO = utc(2026, 1, 1)
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
FOLLOW_UPS = [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P7D", "survey": "gad7"}]


def follow_ups_of(
    starts_at: datetime,
    *,
    follow_ups: list[dict[str, Any]] | None = None,
    duration_minutes: int = 60,
    quiet_hours: dict[str, str] | None = None,
    zone: ZoneInfo = NEW_YORK,
    now: datetime = LONG_AGO,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
) -> list[PlannedMessage]:
    clinic_settings = settings(
        reminders=[], follow_ups=FOLLOW_UPS if follow_ups is None else follow_ups, quiet_hours=quiet_hours
    )
    booked = appointment(starts_at, duration_minutes=duration_minutes, status=status)
    planned = plan_messages(booked, clinic_settings, zone, now)
    assert all(message.kind is JobKind.FOLLOW_UP for message in planned)
    return planned


# ---- when -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "ends"), [(30, (10, 30)), (60, (11, 0)), (90, (11, 30)), (240, (14, 0))]
)
def test_follow_ups_are_due_at_the_end_plus_after(duration: int, ends: tuple[int, int]) -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 10, 0)
    end = local(NEW_YORK, 2026, 12, 1, *ends)

    planned = follow_ups_of(starts_at, duration_minutes=duration)

    assert [(m.due_at, m.survey, m.state) for m in planned] == [
        (end + timedelta(hours=4), "anxiety-now", JobState.PENDING),
        (end + timedelta(days=7), "gad7", JobState.PENDING),
    ]
    assert [m.rule for m in planned] == ["after:PT4H:anxiety-now", "after:P7D:gad7"]


def test_a_longer_session_moves_its_follow_ups_later_by_the_difference() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 10, 0)

    short = follow_ups_of(starts_at, duration_minutes=40)
    long = follow_ups_of(starts_at, duration_minutes=100)

    assert [b.due_at - a.due_at for a, b in zip(short, long, strict=True)] == [timedelta(hours=1)] * 2


def test_after_is_elapsed_time_across_a_dst_change() -> None:
    starts_at = local(NEW_YORK, 2026, 10, 31, 10, 0)  # Saturday; clocks go back overnight

    [week_later] = follow_ups_of(starts_at, follow_ups=[{"after": "P7D", "survey": "gad7"}])

    assert week_later.due_at - starts_at == timedelta(days=7, hours=1)
    assert week_later.due_at.astimezone(NEW_YORK).hour == 10  # 11:00 EDT + 7 x 24 h is 10:00 EST


@pytest.mark.parametrize(
    ("ends", "after", "due"),
    [
        ((2026, 12, 1, 18, 0), "PT4H", (2026, 12, 2, 8, 0)),  # 22:00: quiet until 08:00
        ((2026, 12, 1, 20, 0), "PT4H", (2026, 12, 2, 8, 0)),  # midnight
        ((2026, 12, 1, 12, 0), "PT20H", (2026, 12, 2, 8, 0)),  # 07:59 would be, 08:00 is
        ((2026, 12, 1, 16, 59), "PT4H", (2026, 12, 1, 20, 59)),  # 20:59: not quiet yet
        ((2026, 12, 1, 17, 0), "PT4H", (2026, 12, 2, 8, 0)),  # 21:00: quiet starts
        ((2026, 12, 1, 10, 0), "PT22H", (2026, 12, 2, 8, 0)),  # 08:00 exactly: quiet ended
    ],
)
def test_a_follow_up_due_in_quiet_hours_moves_later_to_their_end(
    ends: tuple[int, ...], after: str, due: tuple[int, ...]
) -> None:
    end = local(NEW_YORK, *ends)
    [follow_up] = follow_ups_of(
        end - timedelta(hours=1),
        follow_ups=[{"after": after, "survey": "gad7"}],
        quiet_hours={"start": "21:00", "end": "08:00"},
    )

    assert follow_up.due_at == local(NEW_YORK, *due)
    assert follow_up.due_at >= end + timedelta(hours=int(after[2:-1]))  # never earlier
    assert follow_up.state is JobState.PENDING


def test_quiet_hours_are_the_patients_local_time() -> None:
    # Ends 20:00 in New York = 17:00 in Los Angeles; PT4H: 21:00 in Los Angeles is quiet.
    end = local(NEW_YORK, 2026, 12, 1, 20, 0)
    [follow_up] = follow_ups_of(
        end - timedelta(hours=1),
        follow_ups=[{"after": "PT4H", "survey": "gad7"}],
        quiet_hours={"start": "21:00", "end": "08:00"},
        zone=LOS_ANGELES,
    )

    assert follow_up.due_at == local(LOS_ANGELES, 2026, 12, 2, 8, 0)


def test_a_daytime_quiet_window_moves_a_follow_up_to_its_end() -> None:
    [follow_up] = follow_ups_of(
        local(NEW_YORK, 2026, 12, 1, 8, 0),
        follow_ups=[{"after": "PT4H", "survey": "anxiety-now"}],  # 13:00
        quiet_hours={"start": "12:00", "end": "14:00"},
    )

    assert follow_up.due_at == local(NEW_YORK, 2026, 12, 1, 14, 0)


def test_without_quiet_hours_a_follow_up_goes_at_night() -> None:
    [follow_up] = follow_ups_of(
        local(NEW_YORK, 2026, 12, 1, 19, 0), follow_ups=[{"after": "PT4H", "survey": "anxiety-now"}]
    )

    assert follow_up.due_at == local(NEW_YORK, 2026, 12, 2, 0, 0)


def test_follow_ups_are_planned_after_the_reminders() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    clinic_settings = settings(reminders=[{"before": "P1D"}], follow_ups=FOLLOW_UPS)

    planned = plan_messages(appointment(starts_at), clinic_settings, NEW_YORK, LONG_AGO)

    assert [m.kind for m in planned] == [JobKind.REMINDER, JobKind.FOLLOW_UP, JobKind.FOLLOW_UP]
    assert all(m.due_at > starts_at for m in planned if m.kind is JobKind.FOLLOW_UP)


# ---- overdue --------------------------------------------------------------------------------


def test_an_overdue_follow_up_is_skipped_and_a_later_one_stays_pending() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 10, 0)  # ends 11:00; PT4H due 15:00

    planned = follow_ups_of(starts_at, now=local(NEW_YORK, 2026, 12, 1, 16, 0))

    assert [(m.survey, m.state, m.reason) for m in planned] == [
        ("anxiety-now", JobState.SKIPPED, "overdue"),
        ("gad7", JobState.PENDING, None),
    ]


def test_a_follow_up_due_exactly_now_is_overdue() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 10, 0)

    [first, _] = follow_ups_of(starts_at, now=local(NEW_YORK, 2026, 12, 1, 15, 0))

    assert (first.state, first.reason) == (JobState.SKIPPED, "overdue")


def test_a_past_session_booked_afterwards_still_gets_its_week_later_check_in() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 10, 0)

    planned = follow_ups_of(starts_at, now=local(NEW_YORK, 2026, 12, 3, 9, 0))

    assert [m.state for m in planned] == [JobState.SKIPPED, JobState.PENDING]


# ---- the appointment's life: reschedule, cancel, held ------------------------------------------

NOW = utc(2026, 11, 20, 12, 0)
STARTS = "2026-12-01T15:00:00-05:00"  # ends 16:00 EST: PT4H due 20:00 EST, P7D due 8 Dec 16:00


@dataclass
class World:
    admin: Admin
    appointments: MemoryAppointments
    clinic_id: str
    patient_id: str

    def book(self, starts_at: str = STARTS, duration_minutes: int = 60) -> str:
        body = {"patient_id": self.patient_id, "starts_at": starts_at, "duration_minutes": duration_minutes}
        return self.admin.create_appointment(self.clinic_id, body, NOW).appointment.appointment_id

    def patch(self, appointment_id: str, body: dict[str, Any], now: datetime = NOW) -> list[Job]:
        return self.admin.update_appointment(self.clinic_id, appointment_id, body, now).messages

    def jobs(self, appointment_id: str) -> list[Job]:
        return self.appointments.jobs_of(appointment_id)

    def follow_ups(self, appointment_id: str) -> list[Job]:
        return [j for j in self.jobs(appointment_id) if j.kind is JobKind.FOLLOW_UP and not is_nudge(j)]

    def add_nudge(self, appointment_id: str, due_at: datetime, state: JobState = JobState.PENDING) -> Job:
        """What the sender does when a follow-up opens its survey: one nudge job, half way to expiry."""
        stored = self.appointments.items[appointment_id]
        nudge = Job(
            "jb_nudge",
            appointment_id,
            self.clinic_id,
            self.patient_id,
            JobKind.FOLLOW_UP,
            NUDGE_RULE + "sv_1",
            due_at,
            state,
            survey="anxiety-now",
        )
        stored.jobs[nudge.job_id] = nudge
        return nudge


def is_nudge(job: Job) -> bool:
    return job.rule.startswith(NUDGE_RULE)


@pytest.fixture
def world() -> World:
    clinics, patients, appointments = MemoryClinics(), MemoryPatients(), MemoryAppointments()
    admin = Admin(
        clinics,
        patients,
        appointments,
        MemoryMessageLog(),
        MemoryAlerts(),
        MemorySurveys(),
        MemoryAudit(),
        NoLists(),
        appointments.courses,
    )
    clinic_id = admin.create_clinic(
        clinic_body(reminders=[{"before": "P1D"}], follow_ups=FOLLOW_UPS), NOW
    ).clinic_id
    patient_id = admin.create_patient(
        clinic_id, {"first_name": "Ana", "phone": "+15551230001"}, NOW
    ).patient_id
    return World(admin, appointments, clinic_id, patient_id)


def test_booking_stores_the_follow_ups_as_pending_jobs_with_their_survey(world: World) -> None:
    appointment_id = world.book()

    assert [(j.due_at, j.survey, j.state) for j in world.follow_ups(appointment_id)] == [
        (local(NEW_YORK, 2026, 12, 1, 20, 0), "anxiety-now", JobState.PENDING),
        (local(NEW_YORK, 2026, 12, 8, 16, 0), "gad7", JobState.PENDING),
    ]


def test_duration_given_at_booking_moves_the_follow_ups(world: World) -> None:
    appointment_id = world.book(duration_minutes=120)

    assert [j.due_at for j in world.follow_ups(appointment_id)] == [
        local(NEW_YORK, 2026, 12, 1, 21, 0) + timedelta(hours=11),  # 22:00 is quiet: 08:00 next day
        local(NEW_YORK, 2026, 12, 8, 17, 0),
    ]


def test_follow_ups_are_re_planned_when_the_appointment_moves(world: World) -> None:
    appointment_id = world.book()
    before = {j.job_id for j in world.follow_ups(appointment_id)}

    world.patch(appointment_id, {"starts_at": "2026-12-03T10:00:00-05:00"})

    after = world.follow_ups(appointment_id)
    assert [(j.due_at, j.survey, j.state) for j in after] == [
        (local(NEW_YORK, 2026, 12, 3, 15, 0), "anxiety-now", JobState.PENDING),
        (local(NEW_YORK, 2026, 12, 10, 11, 0), "gad7", JobState.PENDING),
    ]
    assert before.isdisjoint(j.job_id for j in after)  # the old ones are gone, not left pending


def test_a_new_duration_re_plans_the_follow_ups(world: World) -> None:
    appointment_id = world.book()

    world.patch(appointment_id, {"duration_minutes": 30})

    assert [j.due_at for j in world.follow_ups(appointment_id)] == [
        local(NEW_YORK, 2026, 12, 1, 19, 30),
        local(NEW_YORK, 2026, 12, 8, 15, 30),
    ]


def test_a_follow_up_already_sent_is_not_planned_again_on_a_replan(world: World) -> None:
    appointment_id = world.book()
    [first, _] = world.follow_ups(appointment_id)
    world.appointments.set_state(appointment_id, first.job_id, JobState.SENT)

    world.patch(appointment_id, {"duration_minutes": 60})

    sent = [j for j in world.follow_ups(appointment_id) if j.survey == "anxiety-now"]
    assert [(j.job_id, j.state) for j in sent] == [(first.job_id, JobState.SENT)]


def test_follow_ups_are_cancelled_with_the_appointment_and_never_sent(world: World) -> None:
    appointment_id = world.book()

    world.patch(appointment_id, {"status": "cancelled"})

    follow_ups = world.follow_ups(appointment_id)
    assert len(follow_ups) == 2
    assert {(j.state, j.reason) for j in follow_ups} == {(JobState.CANCELLED, "appointment_cancelled")}
    assert all(j.state is not JobState.PENDING for j in world.jobs(appointment_id))


def test_a_follow_up_of_a_cancelled_appointment_is_refused_at_send_time() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    cancelled = appointment(starts_at, status=AppointmentStatus.CANCELLED)
    follow_up = job(starts_at + timedelta(hours=5), kind=JobKind.FOLLOW_UP, rule="after:PT4H:anxiety-now")

    reason = reason_not_to_send(follow_up, cancelled, patient(), settings(), starts_at + timedelta(hours=5))

    assert reason == "appointment_cancelled"


def test_a_cancelled_appointment_plans_nothing() -> None:
    planned = follow_ups_of(local(NEW_YORK, 2026, 12, 1, 15, 0), status=AppointmentStatus.CANCELLED)

    assert planned == []


def test_marking_the_appointment_held_keeps_its_follow_ups_pending_and_drops_its_reminders(
    world: World,
) -> None:
    appointment_id = world.book()
    held_at = local(NEW_YORK, 2026, 11, 25, 9, 0)  # before the P1D reminder: it was still pending
    assert any(j.kind is JobKind.REMINDER and j.state is JobState.PENDING for j in world.jobs(appointment_id))

    world.patch(appointment_id, {"status": "completed"}, now=held_at)

    # A held appointment sends no more reminders: none is left pending (they are skipped).
    jobs = world.jobs(appointment_id)
    assert [j for j in jobs if j.kind is JobKind.REMINDER and j.state is JobState.PENDING] == []
    assert [(j.survey, j.state) for j in world.follow_ups(appointment_id)] == [
        ("anxiety-now", JobState.PENDING),
        ("gad7", JobState.PENDING),
    ]


def test_a_held_appointment_plans_its_follow_ups_and_no_reminder() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    clinic_settings = settings(reminders=[{"before": "P1D"}], follow_ups=FOLLOW_UPS)
    held = appointment(starts_at, status=AppointmentStatus.COMPLETED)

    planned = plan_messages(held, clinic_settings, NEW_YORK, LONG_AGO)

    pending = [(m.kind, m.survey) for m in planned if m.state is JobState.PENDING]
    assert pending == [(JobKind.FOLLOW_UP, "anxiety-now"), (JobKind.FOLLOW_UP, "gad7")]


def test_a_follow_up_of_a_held_appointment_may_still_be_sent() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    held = appointment(starts_at, status=AppointmentStatus.COMPLETED)
    at = local(NEW_YORK, 2026, 12, 1, 20, 0)
    follow_up = job(at, kind=JobKind.FOLLOW_UP, rule="after:PT4H:anxiety-now")
    reminder = job(at, kind=JobKind.REMINDER)

    assert reason_not_to_send(follow_up, held, patient(), settings(), at) is None
    assert reason_not_to_send(reminder, held, patient(), settings(), at) == "appointment_completed"


def test_a_follow_up_is_not_sent_to_an_opted_out_patient() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    at = local(NEW_YORK, 2026, 12, 1, 20, 0)
    follow_up = job(at, kind=JobKind.FOLLOW_UP, rule="after:PT4H:anxiety-now")

    reason = reason_not_to_send(follow_up, appointment(starts_at), patient(opted_out=True), settings(), at)

    assert reason == "opted_out"


def test_a_follow_up_is_sent_after_the_start_unlike_a_reminder() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    at = local(NEW_YORK, 2026, 12, 1, 20, 0)
    follow_up = job(at, kind=JobKind.FOLLOW_UP, rule="after:PT4H:anxiety-now")

    assert reason_not_to_send(follow_up, appointment(starts_at), patient(), settings(), at) is None


# ---- the nudge belongs to the survey -----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"starts_at": "2026-12-02T11:00:00-05:00"}, {"duration_minutes": 90}, {"status": "completed"}],
    ids=["rescheduled", "new duration", "held"],
)
def test_a_nudge_job_survives_a_replan(world: World, change: dict[str, Any]) -> None:
    appointment_id = world.book()
    nudge = world.add_nudge(appointment_id, local(NEW_YORK, 2026, 12, 2, 8, 0))

    world.patch(appointment_id, change)

    nudges = [j for j in world.jobs(appointment_id) if is_nudge(j)]
    assert nudges == [nudge]


def test_a_nudge_survives_a_change_of_clinic_settings(world: World) -> None:
    appointment_id = world.book()
    nudge = world.add_nudge(appointment_id, local(NEW_YORK, 2026, 12, 2, 8, 0))

    world.admin.update_clinic(
        world.clinic_id, clinic_body(reminders=[{"before": "PT2H"}], follow_ups=FOLLOW_UPS[:1]), NOW
    )

    assert [j for j in world.jobs(appointment_id) if is_nudge(j)] == [nudge]


def test_replan_neither_removes_nor_re_puts_a_nudge() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    booked = appointment(starts_at)
    follow_up = job(starts_at + timedelta(hours=5), kind=JobKind.FOLLOW_UP, rule="after:PT4H:anxiety-now")
    nudge = replace(
        follow_up, job_id="jb_nudge", rule=NUDGE_RULE + "sv_1", due_at=starts_at + timedelta(hours=17)
    )
    follow_up = replace(follow_up, state=JobState.SENT)
    planned = plan_messages(booked, settings(reminders=[], follow_ups=FOLLOW_UPS), NEW_YORK, LONG_AGO)
    counter = iter(range(100))

    change = replan(booked, [follow_up, nudge], planned, lambda: f"jb_{next(counter)}", LONG_AGO)

    assert nudge not in change.remove
    assert all(not is_nudge(j) for j in change.put)
    assert [j.rule for j in change.put] == ["after:P7D:gad7"]  # the sent one is not planned again


def test_cancelling_the_appointment_cancels_its_pending_nudge(world: World) -> None:
    appointment_id = world.book()
    world.add_nudge(appointment_id, local(NEW_YORK, 2026, 12, 2, 8, 0))

    world.patch(appointment_id, {"status": "cancelled"})

    [nudge] = [j for j in world.jobs(appointment_id) if is_nudge(j)]
    assert (nudge.state, nudge.reason) == (JobState.CANCELLED, "appointment_cancelled")


def test_to_job_keeps_the_survey_of_a_follow_up() -> None:
    [message, _] = follow_ups_of(local(NEW_YORK, 2026, 12, 1, 15, 0))

    stored = to_job(message, appointment(local(NEW_YORK, 2026, 12, 1, 15, 0)), "jb_9")

    assert (stored.kind, stored.survey, stored.rule) == (
        JobKind.FOLLOW_UP,
        "anxiety-now",
        "after:PT4H:anxiety-now",
    )
