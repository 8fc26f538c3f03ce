"""What the admin API accepts for patients and appointments, and how a change applies."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, appointment, clinic, local, utc
from touchpoint.domain.appointment import (
    MAX_BOOKING_AHEAD,
    MAX_BOOKING_PAST,
    AppointmentChange,
    AppointmentStatus,
    apply_change,
    parse_appointment_change,
    parse_new_appointment,
    parse_starts_at,
)
from touchpoint.domain.errors import Conflict, InvalidInput
from touchpoint.domain.patient import parse_new_patient

NOW = utc(2026, 6, 1, 12, 0)
BERLIN = ZoneInfo("Europe/Berlin")


def refused(call: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.field == field
    assert field in caught.value.message


# ---- starts_at -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "instant"),
    [
        ("2026-12-01T15:00:00-05:00", NEW_YORK, utc(2026, 12, 1, 20, 0)),
        ("2026-12-01T15:00:00+01:00", NEW_YORK, utc(2026, 12, 1, 14, 0)),
        ("2026-12-01T20:00:00Z", NEW_YORK, utc(2026, 12, 1, 20, 0)),
        ("2026-12-01T20:00:00+00:00", BERLIN, utc(2026, 12, 1, 20, 0)),
        ("2026-12-01T15:00:00.750-05:00", NEW_YORK, utc(2026, 12, 1, 20, 0)),
        # Without an offset: the clinic's local time.
        ("2026-12-01T15:00:00", NEW_YORK, utc(2026, 12, 1, 20, 0)),
        ("2026-12-01T15:00", BERLIN, utc(2026, 12, 1, 14, 0)),
        ("2026-07-01T15:00:00", NEW_YORK, utc(2026, 7, 1, 19, 0)),
        # A time in a gap written with an explicit offset is a real instant.
        ("2027-03-14T02:30:00-05:00", NEW_YORK, utc(2027, 3, 14, 7, 30)),
    ],
)
def test_starts_at_is_an_instant_with_offset_or_the_clinics_local_time(
    text: str, zone: ZoneInfo, instant: datetime
) -> None:
    starts_at = parse_starts_at(text, zone, NOW)

    assert starts_at == instant
    assert starts_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("2027-03-14T02:30:00", "America/New_York"),
        ("2027-03-14T02:00:00", "America/New_York"),
        ("2027-03-14T02:59:00", "America/New_York"),
        ("2027-03-28T02:30:00", "Europe/Berlin"),
        ("2027-03-28T01:30:00", "Europe/London"),
        ("2026-10-04T02:30:00", "Australia/Sydney"),
    ],
)
def test_a_local_time_skipped_by_spring_forward_is_refused(text: str, zone: str) -> None:
    refused(lambda: parse_starts_at(text, ZoneInfo(zone), NOW), "starts_at")


@pytest.mark.parametrize(
    ("text", "zone", "first"),
    [
        ("2026-11-01T01:30:00", "America/New_York", utc(2026, 11, 1, 5, 30)),
        ("2027-11-07T01:00:00", "America/New_York", utc(2027, 11, 7, 5, 0)),
        ("2026-10-25T01:30:00", "Europe/London", utc(2026, 10, 25, 0, 30)),
        ("2026-10-25T02:30:00", "Europe/Berlin", utc(2026, 10, 25, 0, 30)),
        ("2027-04-04T02:30:00", "Australia/Sydney", utc(2027, 4, 3, 15, 30)),
    ],
)
def test_an_ambiguous_fall_back_local_time_takes_its_first_occurrence(
    text: str, zone: str, first: datetime
) -> None:
    assert parse_starts_at(text, ZoneInfo(zone), NOW) == first


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "tomorrow at 3",
        "2026-13-01T10:00:00",
        "2026-12-01T25:00:00",
        "2026-12-01T15:00:00-25:00",
        "12/01/2026 3:00 PM",
        1796137200,
        ["2026-12-01T15:00:00Z"],
    ],
)
def test_garbage_starts_at_is_refused(value: Any) -> None:
    refused(lambda: parse_starts_at(value, NEW_YORK, NOW), "starts_at")


def test_starts_at_more_than_five_years_ahead_is_refused() -> None:
    too_far = (NOW + MAX_BOOKING_AHEAD + timedelta(days=1)).isoformat()
    near = (NOW + timedelta(days=4 * 365)).isoformat()

    refused(lambda: parse_starts_at(too_far, NEW_YORK, NOW), "starts_at")
    assert parse_starts_at(near, NEW_YORK, NOW) == NOW + timedelta(days=4 * 365)


def test_starts_at_more_than_one_year_in_the_past_is_refused() -> None:
    too_old = (NOW - MAX_BOOKING_PAST - timedelta(seconds=1)).isoformat()
    recent = (NOW - timedelta(days=365)).isoformat()

    refused(lambda: parse_starts_at(too_old, NEW_YORK, NOW), "starts_at")
    assert parse_starts_at(recent, NEW_YORK, NOW) == NOW - timedelta(days=365)
    assert parse_starts_at(NOW.isoformat(), NEW_YORK, NOW) == NOW


@pytest.mark.parametrize(
    "text", ["0999-01-01T00:00:00Z", "0999-12-31T23:59:59", "1000-01-01T00:00:00Z", "2024-06-01T11:59:59Z"]
)
def test_a_starts_at_long_past_is_refused_naming_starts_at(text: str) -> None:
    refused(lambda: parse_starts_at(text, NEW_YORK, NOW), "starts_at")
    refused(
        lambda: parse_new_appointment({"patient_id": "pt_1", "starts_at": text}, NEW_YORK, NOW), "starts_at"
    )
    refused(lambda: parse_appointment_change({"starts_at": text}, NEW_YORK, NOW), "starts_at")


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-05:00", "9999-12-31T23:00:00", "0001-01-01T00:00:00+05:00"]
)
def test_a_starts_at_at_the_edge_of_the_calendar_is_refused_not_crashed(text: str) -> None:
    refused(lambda: parse_starts_at(text, NEW_YORK, NOW), "starts_at")


# ---- new patient ---------------------------------------------------------------------------


def test_a_new_patient_has_a_tidy_name_an_e164_phone_and_the_clinics_zone_by_default() -> None:
    new = parse_new_patient({"first_name": "  Ana   Maria ", "phone": "+1 (555) 123-0001"}, clinic())

    assert (new.first_name, new.phone, new.timezone.key) == ("Ana Maria", "+15551230001", "America/New_York")


@pytest.mark.parametrize("zone", ["America/Chicago", None])
def test_a_new_patient_may_live_in_another_zone(zone: str | None) -> None:
    new = parse_new_patient({"first_name": "Ana", "phone": "+15551230001", "timezone": zone}, clinic())

    assert new.timezone.key == (zone or "America/New_York")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "body"),
        ([], "body"),
        ("Ana", "body"),
        ({"first_name": "Ana", "phone": "+15551230001", "last_name": "X"}, "last_name"),
        ({"phone": "+15551230001"}, "first_name"),
        ({"first_name": "", "phone": "+15551230001"}, "first_name"),
        ({"first_name": "   ", "phone": "+15551230001"}, "first_name"),
        ({"first_name": 7, "phone": "+15551230001"}, "first_name"),
        ({"first_name": "A" * 51, "phone": "+15551230001"}, "first_name"),
        ({"first_name": "Ana"}, "phone"),
        ({"first_name": "Ana", "phone": "555-0001"}, "phone"),
        ({"first_name": "Ana", "phone": "+1555"}, "phone"),
        ({"first_name": "Ana", "phone": 15551230001}, "phone"),
        ({"first_name": "Ana", "phone": "+15551230001", "timezone": "Mars/Base"}, "timezone"),
        ({"first_name": "Ana", "phone": "+15551230001", "timezone": 5}, "timezone"),
    ],
)
def test_a_bad_new_patient_is_refused_naming_the_field(body: Any, field: str) -> None:
    refused(lambda: parse_new_patient(body, clinic()), field)


# ---- new appointment -----------------------------------------------------------------------


def test_a_new_appointment_lasts_sixty_minutes_unless_told() -> None:
    body = {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00-05:00"}

    assert parse_new_appointment(body, NEW_YORK, NOW).duration_minutes == 60
    assert parse_new_appointment(body | {"duration_minutes": 90}, NEW_YORK, NOW).duration_minutes == 90


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "body"),
        ({"starts_at": "2026-12-01T15:00:00Z"}, "patient_id"),
        ({"patient_id": "", "starts_at": "2026-12-01T15:00:00Z"}, "patient_id"),
        ({"patient_id": 5, "starts_at": "2026-12-01T15:00:00Z"}, "patient_id"),
        ({"patient_id": "pt_1"}, "starts_at"),
        ({"patient_id": "pt_1", "starts_at": "soon"}, "starts_at"),
        ({"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "room": 4}, "room"),
        (
            {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "duration_minutes": 0},
            "duration_minutes",
        ),
        (
            {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "duration_minutes": -30},
            "duration_minutes",
        ),
        (
            {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "duration_minutes": 1441},
            "duration_minutes",
        ),
        (
            {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "duration_minutes": "60"},
            "duration_minutes",
        ),
        (
            {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "duration_minutes": 1.5},
            "duration_minutes",
        ),
        (
            {"patient_id": "pt_1", "starts_at": "2026-12-01T15:00:00Z", "duration_minutes": True},
            "duration_minutes",
        ),
    ],
)
def test_a_bad_new_appointment_is_refused_naming_the_field(body: Any, field: str) -> None:
    refused(lambda: parse_new_appointment(body, NEW_YORK, NOW), field)


# ---- appointment change --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "change"),
    [
        ({"status": "cancelled"}, AppointmentChange(status=AppointmentStatus.CANCELLED)),
        ({"status": "completed"}, AppointmentChange(status=AppointmentStatus.COMPLETED)),
        ({"status": "scheduled"}, AppointmentChange(status=AppointmentStatus.SCHEDULED)),
        ({"starts_at": "2026-12-02T10:00:00"}, AppointmentChange(starts_at=utc(2026, 12, 2, 15, 0))),
        ({"duration_minutes": 30}, AppointmentChange(duration_minutes=30)),
    ],
)
def test_an_appointment_change_is_parsed(body: dict[str, Any], change: AppointmentChange) -> None:
    assert parse_appointment_change(body, NEW_YORK, NOW) == change


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        (None, "body"),
        ([], "body"),
        ({"state": "cancelled"}, "state"),
        ({"status": "confirmed"}, "status"),
        ({"status": "reschedule_requested"}, "status"),
        ({"status": "CANCELLED"}, "status"),
        ({"status": None}, "status"),
        ({"status": 1}, "status"),
        ({"starts_at": "2027-03-14T02:30:00"}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"patient_id": "pt_2"}, "patient_id"),
    ],
)
def test_a_bad_appointment_change_is_refused_naming_the_field(body: Any, field: str) -> None:
    refused(lambda: parse_appointment_change(body, NEW_YORK, NOW), field)


STARTS = local(NEW_YORK, 2026, 12, 1, 15, 0)


@pytest.mark.parametrize(
    "change",
    [
        AppointmentChange(status=AppointmentStatus.SCHEDULED),
        AppointmentChange(status=AppointmentStatus.CANCELLED),
        AppointmentChange(starts_at=utc(2026, 12, 2, 15, 0)),
        AppointmentChange(duration_minutes=30),
    ],
)
def test_a_cancelled_appointment_refuses_every_change(change: AppointmentChange) -> None:
    with pytest.raises(Conflict):
        apply_change(appointment(STARTS, status=AppointmentStatus.CANCELLED), change)


@pytest.mark.parametrize(
    "status",
    [AppointmentStatus.CONFIRMED, AppointmentStatus.RESCHEDULE_REQUESTED, AppointmentStatus.COMPLETED],
)
def test_a_new_time_resets_the_status_to_scheduled(status: AppointmentStatus) -> None:
    new_time = utc(2026, 12, 2, 15, 0)

    changed = apply_change(appointment(STARTS, status=status), AppointmentChange(starts_at=new_time))

    assert (changed.starts_at, changed.status) == (new_time, AppointmentStatus.SCHEDULED)


def test_the_same_time_again_keeps_a_confirmation() -> None:
    confirmed = appointment(STARTS, status=AppointmentStatus.CONFIRMED)

    changed = apply_change(confirmed, AppointmentChange(starts_at=confirmed.starts_at))

    assert changed.status is AppointmentStatus.CONFIRMED


def test_a_status_given_with_a_new_time_wins() -> None:
    changed = apply_change(
        appointment(STARTS),
        AppointmentChange(starts_at=utc(2026, 12, 2, 15, 0), status=AppointmentStatus.COMPLETED),
    )

    assert changed.status is AppointmentStatus.COMPLETED


def test_a_new_duration_keeps_time_and_status() -> None:
    confirmed = appointment(STARTS, status=AppointmentStatus.CONFIRMED)

    changed = apply_change(confirmed, AppointmentChange(duration_minutes=120))

    assert (changed.starts_at, changed.duration_minutes, changed.status) == (
        confirmed.starts_at,
        120,
        AppointmentStatus.CONFIRMED,
    )
    assert changed.ends_at == confirmed.starts_at + timedelta(minutes=120)


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED])
def test_cancel_and_complete_set_the_status(status: AppointmentStatus) -> None:
    changed = apply_change(
        appointment(STARTS, status=AppointmentStatus.CONFIRMED), AppointmentChange(status=status)
    )

    assert changed.status is status
    assert not changed.is_open
