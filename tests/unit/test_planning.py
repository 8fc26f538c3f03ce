"""When each message of an appointment is due: elapsed time, wall-clock time, DST, quiet hours."""

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, appointment, job, local, settings, utc, wall
from touchpoint.domain.appointment import AppointmentStatus, JobKind, JobState
from touchpoint.domain.clinic import QuietHours, ReminderRule
from touchpoint.domain.planning import (
    QUIET_HOURS_MARGIN,
    PlannedMessage,
    move_out_of_quiet_hours,
    plan_messages,
    reminder_due_at,
    replan,
)

LONG_AGO = utc(2026, 1, 1)
OVERNIGHT = QuietHours(time(21, 0), time(8, 0))
LUNCH = QuietHours(time(12, 0), time(14, 0))


def plan(
    reminders: list[dict[str, Any]],
    starts_at: datetime,
    *,
    zone: ZoneInfo = NEW_YORK,
    quiet_hours: dict[str, str] | None = None,
    now: datetime = LONG_AGO,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    follow_ups: list[dict[str, Any]] | None = None,
) -> list[PlannedMessage]:
    clinic_settings = settings(reminders=reminders, quiet_hours=quiet_hours, follow_ups=follow_ups or [])
    return plan_messages(appointment(starts_at, status=status), clinic_settings, zone, now)


def only_due(reminder: dict[str, Any], starts_at: datetime, zone: ZoneInfo = NEW_YORK) -> datetime:
    (message,) = plan([reminder], starts_at, zone=zone)
    assert message.state is JobState.PENDING
    return message.due_at


# ---- `before`: elapsed time -------------------------------------------------------------


def test_before_is_elapsed_time_so_a_day_across_spring_forward_lands_an_hour_earlier_on_the_clock() -> None:
    starts_at = local(NEW_YORK, 2027, 3, 14, 10, 0)  # 10:00 EDT, the morning after clocks went forward

    due_at = only_due({"before": "P1D"}, starts_at)

    assert starts_at - due_at == timedelta(hours=24)
    assert due_at == utc(2027, 3, 13, 14, 0)
    assert due_at.astimezone(NEW_YORK).hour == 9  # 09:00 EST the day before


def test_before_is_elapsed_time_so_a_day_across_fall_back_lands_an_hour_later_on_the_clock() -> None:
    starts_at = local(NEW_YORK, 2026, 11, 1, 10, 0)  # 10:00 EST, the morning after clocks went back

    due_at = only_due({"before": "P1D"}, starts_at)

    assert starts_at - due_at == timedelta(hours=24)
    assert due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 10, 31, 11, 0)


def test_before_in_hours_and_minutes_is_subtracted_exactly() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    assert only_due({"before": "PT2H30M"}, starts_at) == starts_at - timedelta(hours=2, minutes=30)


# ---- `days_before` + `at`: wall clock in the patient's zone ----------------------------------


@pytest.mark.parametrize(
    ("zone", "starts_local", "days_before", "at", "due_local", "due_utc"),
    [
        # America/New_York springs forward on 2027-03-14.
        ("America/New_York", (2027, 3, 15, 10), 1, "18:00", (2027, 3, 14, 18), (2027, 3, 14, 22)),
        ("America/New_York", (2027, 3, 14, 10), 1, "18:00", (2027, 3, 13, 18), (2027, 3, 13, 23)),
        ("America/New_York", (2027, 3, 16, 10), 3, "10:00", (2027, 3, 13, 10), (2027, 3, 13, 15)),
        # ... and falls back on 2026-11-01 and 2027-11-07.
        ("America/New_York", (2026, 11, 2, 10), 2, "10:00", (2026, 10, 31, 10), (2026, 10, 31, 14)),
        ("America/New_York", (2026, 11, 1, 10), 1, "18:00", (2026, 10, 31, 18), (2026, 10, 31, 22)),
        ("America/New_York", (2027, 11, 8, 9), 1, "18:00", (2027, 11, 7, 18), (2027, 11, 7, 23)),
        ("America/New_York", (2027, 11, 8, 9), 2, "18:00", (2027, 11, 6, 18), (2027, 11, 6, 22)),
        # Europe/London: forward 2027-03-28, back 2026-10-25.
        ("Europe/London", (2027, 3, 29, 10), 2, "18:00", (2027, 3, 27, 18), (2027, 3, 27, 18)),
        ("Europe/London", (2027, 3, 29, 10), 1, "18:00", (2027, 3, 28, 18), (2027, 3, 28, 17)),
        ("Europe/London", (2026, 10, 26, 10), 2, "18:00", (2026, 10, 24, 18), (2026, 10, 24, 17)),
        ("Europe/London", (2026, 10, 26, 10), 1, "18:00", (2026, 10, 25, 18), (2026, 10, 25, 18)),
        # Europe/Berlin: forward 2027-03-28, back 2026-10-25.
        ("Europe/Berlin", (2027, 3, 29, 10), 2, "09:00", (2027, 3, 27, 9), (2027, 3, 27, 8)),
        ("Europe/Berlin", (2026, 10, 26, 10), 2, "09:00", (2026, 10, 24, 9), (2026, 10, 24, 7)),
        # Australia/Sydney (southern hemisphere): forward 2026-10-04, back 2027-04-04.
        ("Australia/Sydney", (2026, 10, 5, 10), 2, "18:00", (2026, 10, 3, 18), (2026, 10, 3, 8)),
        ("Australia/Sydney", (2026, 10, 5, 10), 1, "18:00", (2026, 10, 4, 18), (2026, 10, 4, 7)),
        ("Australia/Sydney", (2027, 4, 5, 10), 2, "18:00", (2027, 4, 3, 18), (2027, 4, 3, 7)),
        ("Australia/Sydney", (2027, 4, 5, 10), 1, "18:00", (2027, 4, 4, 18), (2027, 4, 4, 8)),
    ],
)
def test_days_before_at_is_the_wall_clock_time_n_calendar_days_before_across_dst(
    zone: str,
    starts_local: tuple[int, ...],
    days_before: int,
    at: str,
    due_local: tuple[int, ...],
    due_utc: tuple[int, ...],
) -> None:
    tz = ZoneInfo(zone)

    due_at = only_due({"days_before": days_before, "at": at}, local(tz, *starts_local), zone=tz)

    assert due_at.astimezone(tz).replace(tzinfo=None) == wall(*due_local)
    assert due_at == utc(*due_utc)


@pytest.mark.parametrize(
    ("zone", "starts_local", "at", "due_utc", "clock_shows"),
    [
        # 02:30 does not exist on 2027-03-14 in New York: the clock reads 03:30 EDT instead.
        ("America/New_York", (2027, 3, 15, 10), "02:30", (2027, 3, 14, 7, 30), (2027, 3, 14, 3, 30)),
        ("Europe/Berlin", (2027, 3, 29, 10), "02:30", (2027, 3, 28, 1, 30), (2027, 3, 28, 3, 30)),
        ("Europe/London", (2027, 3, 29, 10), "01:30", (2027, 3, 28, 1, 30), (2027, 3, 28, 2, 30)),
        ("Australia/Sydney", (2026, 10, 5, 10), "02:30", (2026, 10, 3, 16, 30), (2026, 10, 4, 3, 30)),
    ],
)
def test_an_at_in_the_skipped_hour_is_sent_when_the_clock_would_have_shown_it(
    zone: str,
    starts_local: tuple[int, ...],
    at: str,
    due_utc: tuple[int, ...],
    clock_shows: tuple[int, ...],
) -> None:
    tz = ZoneInfo(zone)

    due_at = only_due({"days_before": 1, "at": at}, local(tz, *starts_local), zone=tz)

    assert due_at == utc(*due_utc)
    assert due_at.astimezone(tz).replace(tzinfo=None) == wall(*clock_shows)


@pytest.mark.parametrize(
    ("zone", "starts_local", "at", "due_utc"),
    [
        # 01:30 happens twice on 2026-11-01 in New York: the first one (EDT) is taken.
        ("America/New_York", (2026, 11, 2, 10), "01:30", (2026, 11, 1, 5, 30)),
        ("America/New_York", (2027, 11, 8, 10), "01:30", (2027, 11, 7, 5, 30)),
        ("Europe/London", (2026, 10, 26, 10), "01:30", (2026, 10, 25, 0, 30)),
        ("Europe/Berlin", (2026, 10, 26, 10), "02:30", (2026, 10, 25, 0, 30)),
        ("Australia/Sydney", (2027, 4, 5, 10), "02:30", (2027, 4, 3, 15, 30)),
    ],
)
def test_an_at_in_the_repeated_hour_takes_its_first_occurrence(
    zone: str, starts_local: tuple[int, ...], at: str, due_utc: tuple[int, ...]
) -> None:
    tz = ZoneInfo(zone)

    due_at = only_due({"days_before": 1, "at": at}, local(tz, *starts_local), zone=tz)

    assert due_at == utc(*due_utc)
    assert due_at.astimezone(tz).fold == 0
    assert due_at.astimezone(tz).strftime("%H:%M") == at


def test_days_before_counts_calendar_days_in_the_patients_zone_not_the_clinics() -> None:
    los_angeles = ZoneInfo("America/Los_Angeles")
    # 21:00 in Los Angeles on Dec 1 is already Dec 2 in New York (the clinic's zone).
    starts_at = local(los_angeles, 2026, 12, 1, 21, 0)

    due_at = only_due({"days_before": 1, "at": "18:00"}, starts_at, zone=los_angeles)

    assert due_at.astimezone(los_angeles).replace(tzinfo=None) == datetime(2026, 11, 30, 18, 0)
    assert due_at == utc(2026, 12, 1, 2, 0)


def test_quiet_hours_apply_in_the_patients_zone() -> None:
    los_angeles = ZoneInfo("America/Los_Angeles")
    starts_at = local(los_angeles, 2026, 12, 2, 9, 0)  # 12:00 in New York

    (message,) = plan(
        [{"before": "PT2H"}], starts_at, zone=los_angeles, quiet_hours={"start": "21:00", "end": "08:00"}
    )

    # 07:00 in Los Angeles is quiet there (10:00 in New York is not): moved to 20:50 the evening before.
    assert message.due_at.astimezone(los_angeles).replace(tzinfo=None) == datetime(2026, 12, 1, 20, 50)


# ---- quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_local", "moved_local"),
    [
        ((2026, 12, 1, 21, 0), (2026, 12, 1, 20, 50)),
        ((2026, 12, 1, 22, 30), (2026, 12, 1, 20, 50)),
        ((2026, 12, 1, 23, 59), (2026, 12, 1, 20, 50)),
        # After midnight the window started the evening before.
        ((2026, 12, 2, 0, 0), (2026, 12, 1, 20, 50)),
        ((2026, 12, 2, 2, 0), (2026, 12, 1, 20, 50)),
        ((2026, 12, 2, 7, 59), (2026, 12, 1, 20, 50)),
        # Outside the window nothing moves.
        ((2026, 12, 2, 8, 0), (2026, 12, 2, 8, 0)),
        # Within the margin before the window: it could not reach the phone before 21:00.
        ((2026, 12, 1, 20, 59), (2026, 12, 1, 20, 50)),
        ((2026, 12, 1, 20, 50), (2026, 12, 1, 20, 50)),
        ((2026, 12, 1, 20, 49), (2026, 12, 1, 20, 49)),
        ((2026, 12, 1, 12, 0), (2026, 12, 1, 12, 0)),
    ],
)
def test_a_reminder_due_in_overnight_quiet_hours_moves_to_just_before_they_start(
    due_local: tuple[int, ...], moved_local: tuple[int, ...]
) -> None:
    due_at = local(NEW_YORK, *due_local)

    moved = move_out_of_quiet_hours(due_at, NEW_YORK, OVERNIGHT, earlier=True)

    assert moved == local(NEW_YORK, *moved_local)


def test_the_margin_before_quiet_hours_is_ten_minutes() -> None:
    moved = move_out_of_quiet_hours(local(NEW_YORK, 2026, 12, 1, 23, 0), NEW_YORK, OVERNIGHT, earlier=True)

    assert timedelta(minutes=10) == QUIET_HOURS_MARGIN
    assert local(NEW_YORK, 2026, 12, 1, 21, 0) - moved == QUIET_HOURS_MARGIN


@pytest.mark.parametrize(
    ("due_local", "moved_local"),
    [
        ((2026, 12, 1, 21, 0), (2026, 12, 2, 8, 0)),
        ((2026, 12, 1, 23, 0), (2026, 12, 2, 8, 0)),
        ((2026, 12, 2, 2, 0), (2026, 12, 2, 8, 0)),
        ((2026, 12, 2, 7, 59), (2026, 12, 2, 8, 0)),
        ((2026, 12, 2, 9, 0), (2026, 12, 2, 9, 0)),
    ],
)
def test_a_follow_up_due_in_overnight_quiet_hours_moves_to_their_end(
    due_local: tuple[int, ...], moved_local: tuple[int, ...]
) -> None:
    moved = move_out_of_quiet_hours(local(NEW_YORK, *due_local), NEW_YORK, OVERNIGHT, earlier=False)

    assert moved == local(NEW_YORK, *moved_local)


@pytest.mark.parametrize(
    ("due_local", "earlier", "moved_local"),
    [
        ((2026, 12, 1, 12, 0), True, (2026, 12, 1, 11, 50)),
        ((2026, 12, 1, 13, 0), True, (2026, 12, 1, 11, 50)),
        ((2026, 12, 1, 13, 59), True, (2026, 12, 1, 11, 50)),
        ((2026, 12, 1, 13, 0), False, (2026, 12, 1, 14, 0)),
        ((2026, 12, 1, 14, 0), True, (2026, 12, 1, 14, 0)),
        ((2026, 12, 1, 11, 59), True, (2026, 12, 1, 11, 50)),
        ((2026, 12, 1, 11, 49), True, (2026, 12, 1, 11, 49)),
        ((2026, 12, 1, 23, 0), True, (2026, 12, 1, 23, 0)),
        ((2026, 12, 2, 2, 0), False, (2026, 12, 2, 2, 0)),
    ],
)
def test_quiet_hours_within_one_day_move_messages_out_of_that_window_only(
    due_local: tuple[int, ...], earlier: bool, moved_local: tuple[int, ...]
) -> None:
    moved = move_out_of_quiet_hours(local(NEW_YORK, *due_local), NEW_YORK, LUNCH, earlier=earlier)

    assert moved == local(NEW_YORK, *moved_local)


def test_without_quiet_hours_nothing_moves() -> None:
    due_at = local(NEW_YORK, 2026, 12, 2, 3, 0)

    assert move_out_of_quiet_hours(due_at, NEW_YORK, None, earlier=True) == due_at


def test_a_quiet_window_that_began_before_clocks_fell_back_is_left_at_its_evening_start() -> None:
    # 02:00 EST on 2026-11-01; the window opened at 21:00 EDT on 2026-10-31.
    due_at = local(NEW_YORK, 2026, 11, 1, 2, 0)

    moved = move_out_of_quiet_hours(due_at, NEW_YORK, OVERNIGHT, earlier=True)

    assert moved == utc(2026, 11, 1, 0, 50)  # 20:50 EDT
    assert moved.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 10, 31, 20, 50)


def test_reminder_due_at_moves_a_reminder_out_of_quiet_hours_earlier() -> None:
    rule = ReminderRule(before=timedelta(hours=2))
    starts_at = local(NEW_YORK, 2026, 12, 2, 9, 0)

    due_at = reminder_due_at(rule, starts_at, NEW_YORK, OVERNIGHT)

    assert due_at == local(NEW_YORK, 2026, 12, 1, 20, 50)


def test_a_planned_reminder_in_quiet_hours_is_pending_at_the_moved_time() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 2, 9, 0)

    (message,) = plan([{"before": "PT2H"}], starts_at, quiet_hours={"start": "21:00", "end": "08:00"})

    assert message.state is JobState.PENDING
    assert message.due_at == utc(2026, 12, 2, 1, 50)


# ---- what gets skipped ---------------------------------------------------------------------


def test_a_reminder_already_overdue_at_booking_is_skipped_as_overdue() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)
    now = local(NEW_YORK, 2026, 12, 1, 9, 0)

    messages = plan([{"before": "P1D"}, {"before": "PT2H"}], starts_at, now=now)

    assert [(m.rule, m.state, m.reason) for m in messages] == [
        ("before:P1D", JobState.SKIPPED, "overdue"),
        ("before:PT2H", JobState.PENDING, None),
    ]


def test_a_reminder_due_exactly_now_is_overdue() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    (message,) = plan([{"before": "PT2H"}], starts_at, now=starts_at - timedelta(hours=2))

    assert (message.state, message.reason) == (JobState.SKIPPED, "overdue")


@pytest.mark.parametrize("at", ["18:00", "15:00"])
def test_a_same_day_reminder_at_or_after_the_start_is_skipped_as_after_start(at: str) -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    (message,) = plan([{"days_before": 0, "at": at}], starts_at)

    assert (message.state, message.reason) == (JobState.SKIPPED, "after_start")


def test_a_same_day_reminder_before_the_start_is_pending() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    (message,) = plan([{"days_before": 0, "at": "09:00"}], starts_at)

    assert message.state is JobState.PENDING
    assert message.due_at == local(NEW_YORK, 2026, 12, 1, 9, 0)


def test_two_rules_on_the_same_instant_send_one_message_and_skip_the_other_as_duplicate() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    messages = plan([{"before": "P1D"}, {"days_before": 1, "at": "15:00"}], starts_at)

    assert {m.due_at for m in messages} == {utc(2026, 11, 30, 20, 0)}
    assert sorted((m.state, m.reason or "") for m in messages) == [
        (JobState.PENDING, ""),
        (JobState.SKIPPED, "duplicate"),
    ]


def test_two_rules_moved_to_the_same_quiet_hours_edge_are_duplicates() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 2, 9, 0)

    messages = plan(
        [{"before": "PT2H"}, {"before": "PT3H"}], starts_at, quiet_hours={"start": "21:00", "end": "08:00"}
    )

    assert [m.reason for m in messages].count("duplicate") == 1
    assert [m.state for m in messages].count(JobState.PENDING) == 1


def test_a_cancelled_appointment_plans_nothing() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    assert plan([{"before": "P1D"}], starts_at, status=AppointmentStatus.CANCELLED) == []


def test_a_completed_appointment_keeps_its_reminders_as_skipped() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    (message,) = plan([{"before": "P1D"}], starts_at, status=AppointmentStatus.COMPLETED)

    assert (message.state, message.reason) == (JobState.SKIPPED, "appointment_completed")


@pytest.mark.parametrize(
    "status",
    [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED, AppointmentStatus.RESCHEDULE_REQUESTED],
)
def test_an_open_appointment_plans_its_reminders(status: AppointmentStatus) -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    (message,) = plan([{"before": "P1D"}], starts_at, status=status)

    assert message.state is JobState.PENDING


def test_plan_is_oldest_first_with_rule_names_and_kind_reminder() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)

    messages = plan(
        [{"before": "PT2H"}, {"days_before": 2, "at": "18:00"}, {"before": "P1D"}],
        starts_at,
        quiet_hours={"start": "21:00", "end": "08:00"},
    )

    assert [(m.rule, m.due_at) for m in messages] == [
        ("days_before:2@18:00", local(NEW_YORK, 2026, 11, 29, 18, 0)),
        ("before:P1D", local(NEW_YORK, 2026, 11, 30, 15, 0)),
        ("before:PT2H", local(NEW_YORK, 2026, 12, 1, 13, 0)),
    ]
    assert {m.kind for m in messages} == {JobKind.REMINDER}


def test_follow_ups_are_planned_after_the_end_and_moved_later_out_of_quiet_hours() -> None:
    starts_at = local(NEW_YORK, 2026, 12, 1, 15, 0)  # ends 16:00

    messages = plan(
        [],
        starts_at,
        quiet_hours={"start": "21:00", "end": "08:00"},
        follow_ups=[{"after": "PT6H", "survey": "anxiety-now"}, {"after": "P7D", "survey": "gad7"}],
    )

    follow_ups = [(m.due_at, m.survey, m.state) for m in messages if m.kind is JobKind.FOLLOW_UP]
    assert follow_ups == [
        # 22:00 is quiet: a follow-up waits for the end of quiet hours.
        (local(NEW_YORK, 2026, 12, 2, 8, 0), "anxiety-now", JobState.PENDING),
        (local(NEW_YORK, 2026, 12, 8, 16, 0), "gad7", JobState.PENDING),
    ]


# ---- replan --------------------------------------------------------------------------------

DUE = utc(2026, 11, 30, 20, 0)
NOW = utc(2026, 11, 29, 12, 0)  # the re-plans below happen before the appointments start
ATTEMPTED = [JobState.SENT, JobState.QUEUED, JobState.SENDING, JobState.FAILED, JobState.UNKNOWN]
UNATTEMPTED = [JobState.PENDING, JobState.SKIPPED, JobState.CANCELLED]


def ids() -> Any:
    counter = iter(range(1, 100))
    return lambda: f"jb_new{next(counter)}"


def planned(due_at: datetime, rule: str = "before:P1D") -> PlannedMessage:
    return PlannedMessage(JobKind.REMINDER, rule, due_at, JobState.PENDING)


@pytest.mark.parametrize("state", ATTEMPTED)
def test_replan_keeps_a_job_that_was_attempted(state: JobState) -> None:
    attempted = job(DUE, state, job_id="jb_old")
    moved = appointment(local(NEW_YORK, 2026, 12, 3, 15, 0))

    change = replan(moved, [attempted], [planned(utc(2026, 12, 2, 20, 0))], ids(), NOW)

    assert attempted not in change.remove
    assert all(put.job_id != "jb_old" for put in change.put)
    assert [(put.due_at, put.state) for put in change.put] == [(utc(2026, 12, 2, 20, 0), JobState.PENDING)]


@pytest.mark.parametrize("state", UNATTEMPTED)
def test_replan_replaces_a_job_not_yet_attempted(state: JobState) -> None:
    old = job(DUE, state, job_id="jb_old")
    if state is JobState.SKIPPED:
        old = replace(old, reason="overdue")  # as planning skips it
    moved = appointment(local(NEW_YORK, 2026, 12, 3, 15, 0))

    change = replan(moved, [old], [planned(utc(2026, 12, 2, 20, 0))], ids(), NOW)

    assert change.remove == [old]
    assert [(put.job_id, put.due_at) for put in change.put] == [("jb_new1", utc(2026, 12, 2, 20, 0))]


def test_replan_keeps_a_message_skipped_at_send_time_as_history() -> None:
    skipped = replace(job(DUE, JobState.SKIPPED, job_id="jb_skipped"), reason="opted_out")
    same = appointment(local(NEW_YORK, 2026, 12, 1, 15, 0))

    change = replan(same, [skipped], [planned(DUE)], ids(), NOW)

    assert change.remove == []
    assert change.put == []


def test_replan_keeps_a_held_message_the_plan_still_wants_by_then() -> None:
    held = replace(job(DUE + timedelta(hours=12), job_id="jb_held"), reason="quiet_hours")
    same = appointment(local(NEW_YORK, 2026, 12, 1, 15, 0))

    change = replan(same, [held], [planned(DUE)], ids(), NOW)

    assert change.remove == []
    assert change.put == []


def test_replan_replaces_a_held_message_the_plan_now_wants_later() -> None:
    held = replace(job(DUE + timedelta(hours=12), job_id="jb_held"), reason="quiet_hours")
    moved = appointment(local(NEW_YORK, 2026, 12, 9, 15, 0))
    later = utc(2026, 12, 8, 20, 0)

    change = replan(moved, [held], [planned(later)], ids(), NOW)

    assert change.remove == [held]  # never both: the held one goes
    assert [(put.due_at, put.state) for put in change.put] == [(later, JobState.PENDING)]


def test_replan_removes_a_held_message_whose_rule_the_settings_dropped() -> None:
    held = replace(job(DUE + timedelta(hours=12), job_id="jb_held"), reason="quiet_hours")
    same = appointment(local(NEW_YORK, 2026, 12, 1, 15, 0))

    change = replan(same, [held], [], ids(), NOW)

    assert change.remove == [held]
    assert change.put == []


def test_replan_does_not_plan_again_a_message_already_attempted() -> None:
    sent = job(DUE, JobState.SENT, job_id="jb_sent", rule="before:P1D")
    pending = job(utc(2026, 12, 1, 18, 0), JobState.PENDING, job_id="jb_pending", rule="before:PT2H")
    same = appointment(local(NEW_YORK, 2026, 12, 1, 15, 0))

    change = replan(
        same,
        [sent, pending],
        [planned(DUE, "before:P1D"), planned(utc(2026, 12, 1, 18, 0), "before:PT2H")],
        ids(),
        NOW,
    )

    # The sent one is not planned again, and the pending one is planned exactly as before: kept.
    assert change.remove == []
    assert change.put == []


def test_replan_plans_a_rule_again_when_its_time_changed_even_if_it_was_sent_before() -> None:
    sent = job(DUE, JobState.SENT, job_id="jb_sent", rule="before:P1D")
    later = utc(2026, 12, 2, 20, 0)

    change = replan(appointment(local(NEW_YORK, 2026, 12, 3, 15, 0)), [sent], [planned(later)], ids(), NOW)

    assert change.remove == []
    assert [(put.rule, put.due_at) for put in change.put] == [("before:P1D", later)]


def test_replan_of_a_cancelled_appointment_cancels_pending_jobs_and_leaves_the_rest() -> None:
    jobs = [
        job(DUE, JobState.PENDING, job_id="jb_pending"),
        job(utc(2026, 11, 29, 20, 0), JobState.SENT, job_id="jb_sent"),
        job(utc(2026, 11, 28, 20, 0), JobState.SKIPPED, job_id="jb_skipped"),
        job(utc(2026, 11, 28, 21, 0), JobState.QUEUED, job_id="jb_queued"),
    ]
    cancelled = appointment(local(NEW_YORK, 2026, 12, 1, 15, 0), status=AppointmentStatus.CANCELLED)

    change = replan(cancelled, jobs, [], ids(), NOW)

    assert change.remove == []
    assert [(put.job_id, put.state, put.reason, put.due_at) for put in change.put] == [
        ("jb_pending", JobState.CANCELLED, "appointment_cancelled", DUE)
    ]


def test_replan_new_jobs_belong_to_the_appointment() -> None:
    moved = appointment(local(NEW_YORK, 2026, 12, 3, 15, 0), appointment_id="ap_9", patient_id="pt_9")

    (put,) = replan(moved, [], [planned(DUE)], ids(), NOW).put

    assert (put.appointment_id, put.patient_id, put.clinic_id, put.kind) == (
        "ap_9",
        "pt_9",
        "cl_1",
        JobKind.REMINDER,
    )
