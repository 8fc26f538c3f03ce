"""Appointments through the admin API, at the handler on moto: booking one plans its reminders
and follow-ups (local times, overdue reminders skipped), rescheduling replans what is unsent,
cancelling and completing, and bad input, malformed bodies, unknown or foreign appointments and
dates at the edge of the calendar refused without changing anything.
"""

from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import (
    NOW,
    STARTS,
    Api,
    Booked,
    assert_refused,
    reminders,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.timeutil import parse_utc

moto_table = module_table_fixture()

# admin_world's fixtures, under the names the tests ask for.
api = admin_world.api
booked = admin_world.booked


MESSAGE_STATES = {"pending", "queued", "sending", "sent", "skipped", "cancelled", "failed", "unknown"}


# ---- appointments --------------------------------------------------------------------------


def test_post_appointment_answers_201_scheduled_with_its_planned_messages(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    count = api.item_count()

    created = api.appointment(clinic_id, patient_id)

    assert created["appointment_id"].startswith("ap_")
    assert created["status"] == "scheduled"
    assert created["starts_at"] == "2026-12-01T20:00:00Z"
    assert created["patient_id"] == patient_id
    for message in created["messages"]:
        assert message["kind"] in {"reminder", "follow_up"}
        assert message["state"] in MESSAGE_STATES
        assert message["due_at"].endswith("Z")
        assert parse_utc(message["due_at"]).tzinfo is not None
    assert reminders(created["messages"]) == [
        ("2026-11-29T23:00:00Z", "pending"),
        ("2026-11-30T20:00:00Z", "pending"),
        ("2026-12-01T18:00:00Z", "pending"),
    ]
    # The appointment, the patient's booking at its start, and its messages.
    assert api.item_count() == count + 2 + len(created["messages"])


def test_get_appointment_returns_what_was_created(api: Api, booked: Booked) -> None:
    reply = api.call("GET", booked.path)

    assert reply.status == 200
    assert reply.body == booked.appointment


def test_a_starts_at_without_offset_is_the_clinics_local_time(api: Api) -> None:
    clinic_id = api.clinic(timezone="Europe/Berlin")
    patient_id = api.patient(clinic_id)

    created = api.appointment(clinic_id, patient_id, "2026-12-01T15:00:00")

    assert created["starts_at"] == "2026-12-01T14:00:00Z"


def test_a_reminder_overdue_at_booking_is_skipped(api: Api) -> None:
    clinic_id = api.clinic(reminders=[{"before": "P1D"}, {"before": "PT2H"}])
    patient_id = api.patient(clinic_id)

    created = api.appointment(clinic_id, patient_id, "2026-11-20T15:00:00-05:00")  # NOW is 07:00 that day

    states = [(m["state"], m.get("reason")) for m in created["messages"] if m["kind"] == "reminder"]
    assert states == [("skipped", "overdue"), ("pending", None)]


def test_patch_starts_at_replans_the_unsent_messages(api: Api, booked: Booked) -> None:
    old_ids = {m["job_id"] for m in booked.appointment["messages"]}

    reply = api.call("PATCH", booked.path, {"starts_at": "2026-12-03T10:00:00-05:00"})

    assert reply.status == 200
    assert reply.body["status"] == "scheduled"
    assert reply.body["starts_at"] == "2026-12-03T15:00:00Z"
    assert reminders(reply.body["messages"]) == [
        ("2026-12-01T23:00:00Z", "pending"),
        ("2026-12-02T15:00:00Z", "pending"),
        ("2026-12-03T13:00:00Z", "pending"),
    ]
    assert not old_ids & {m["job_id"] for m in reply.body["messages"]}
    assert api.call("GET", booked.path).body == reply.body


def test_patch_starts_at_keeps_a_message_already_sent(api: Api, booked: Booked) -> None:
    first = booked.appointment["messages"][0]
    jobs = DynamoJobs(api.table)
    ref = JobRef(booked.appointment_id, first["job_id"])
    assert jobs.claim_for_queue(ref, NOW)

    reply = api.call("PATCH", booked.path, {"starts_at": "2026-12-03T10:00:00-05:00"})

    kept = [m for m in reply.body["messages"] if m["job_id"] == first["job_id"]]
    assert kept == [first | {"state": "queued"}]


def test_patch_cancel_cancels_the_pending_messages(api: Api, booked: Booked) -> None:
    reply = api.call("PATCH", booked.path, {"status": "cancelled"})

    assert reply.status == 200
    assert reply.body["status"] == "cancelled"
    assert {m["state"] for m in reply.body["messages"]} == {"cancelled"}
    assert {m["job_id"] for m in reply.body["messages"]} == {
        m["job_id"] for m in booked.appointment["messages"]
    }
    assert api.call("GET", booked.path).body == reply.body


def test_a_cancelled_appointment_refuses_changes_with_409(api: Api, booked: Booked) -> None:
    api.call("PATCH", booked.path, {"status": "cancelled"})
    before = api.items()

    reply = api.call("PATCH", booked.path, {"starts_at": "2026-12-03T10:00:00-05:00"})

    assert_refused(api, reply, {409}, "cancelled", len(before))
    assert api.items() == before


def test_patch_complete_marks_it_held(api: Api, booked: Booked) -> None:
    reply = api.call("PATCH", booked.path, {"status": "completed"}, now=parse_utc("2026-12-01T21:00:00Z"))

    assert reply.status == 200
    assert reply.body["status"] == "completed"
    assert "pending" not in {m["state"] for m in reply.body["messages"] if m["kind"] == "reminder"}
    assert {m["state"] for m in reply.body["messages"] if m["kind"] == "follow_up"} <= {"pending", "skipped"}
    assert api.call("GET", booked.path).body["status"] == "completed"


def test_patch_duration_keeps_the_time(api: Api, booked: Booked) -> None:
    reply = api.call("PATCH", booked.path, {"duration_minutes": 90})

    assert (reply.status, reply.body["duration_minutes"], reply.body["starts_at"]) == (
        200,
        90,
        booked.appointment["starts_at"],
    )


BAD_APPOINTMENTS: list[tuple[dict[str, Any], str]] = [
    ({"starts_at": "next tuesday"}, "starts_at"),
    ({"starts_at": 1796137200}, "starts_at"),
    ({"starts_at": "2027-03-14T02:30:00"}, "starts_at"),
    ({"starts_at": "2035-01-01T10:00:00Z"}, "starts_at"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": -30}, "duration_minutes"),
    ({"duration_minutes": 100_000}, "duration_minutes"),
    ({"duration_minutes": "60"}, "duration_minutes"),
    ({"patient_id": 5}, "patient_id"),
    ({"room": "B"}, "room"),
]


@pytest.mark.parametrize(("change", "field"), BAD_APPOINTMENTS)
def test_post_appointment_refuses_bad_input_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    count = api.item_count()
    body = {"patient_id": patient_id, "starts_at": STARTS, "duration_minutes": 60} | change

    reply = api.call("POST", f"/admin/clinics/{clinic_id}/appointments", body)

    assert_refused(api, reply, {400, 422}, field, count)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *[(change, field) for change, field in BAD_APPOINTMENTS if field != "patient_id"],
        ({}, "body"),
        ([], "body"),
        ({"status": "confirmed"}, "status"),
        ({"status": "deleted"}, "status"),
        ({"status": None}, "status"),
        ({"patient_id": "pt_other"}, "patient_id"),
    ],
)
def test_patch_appointment_refuses_bad_input_naming_the_field_and_changes_nothing(
    api: Api, booked: Booked, body: Any, field: str
) -> None:
    before = api.items()

    reply = api.call("PATCH", booked.path, body)

    assert_refused(api, reply, {400, 422}, field, len(before))
    assert api.items() == before


@pytest.mark.parametrize("raw", [b"{", b"", b"status=cancelled"])
def test_malformed_json_on_appointments_is_400(api: Api, booked: Booked, raw: bytes) -> None:
    before = api.items()

    created = api.call("POST", f"/admin/clinics/{booked.clinic_id}/appointments", raw=raw)
    patched = api.call("PATCH", booked.path, raw=raw)

    assert_refused(api, created, {400}, "body", len(before))
    assert_refused(api, patched, {400}, "body", len(before))
    assert api.items() == before


def test_an_appointment_for_an_unknown_patient_or_clinic_is_404(api: Api, booked: Booked) -> None:
    count = api.item_count()
    other_clinic = api.clinic(sender="+15005550007")
    count_with_other = api.item_count()
    body = {"patient_id": booked.patient_id, "starts_at": STARTS}

    unknown_patient = api.call(
        "POST", f"/admin/clinics/{booked.clinic_id}/appointments", body | {"patient_id": "pt_nope"}
    )
    other_clinics_patient = api.call("POST", f"/admin/clinics/{other_clinic}/appointments", body)
    unknown_clinic = api.call("POST", "/admin/clinics/cl_nope/appointments", body)

    assert_refused(api, unknown_patient, {404}, "pt_nope", count_with_other)
    assert_refused(api, other_clinics_patient, {404}, booked.patient_id, count_with_other)
    assert_refused(api, unknown_clinic, {404}, "cl_nope", count_with_other)
    assert count_with_other == count + 2


def test_an_unknown_appointment_or_one_of_another_clinic_is_404(api: Api, booked: Booked) -> None:
    other_clinic = api.clinic(sender="+15005550007")
    before = api.items()

    for method, path, body in (
        ("GET", f"/admin/clinics/{booked.clinic_id}/appointments/ap_nope", None),
        ("PATCH", f"/admin/clinics/{booked.clinic_id}/appointments/ap_nope", {"status": "cancelled"}),
        ("GET", f"/admin/clinics/{other_clinic}/appointments/{booked.appointment_id}", None),
        (
            "PATCH",
            f"/admin/clinics/{other_clinic}/appointments/{booked.appointment_id}",
            {"status": "cancelled"},
        ),
        ("PATCH", f"/admin/clinics/cl_nope/appointments/{booked.appointment_id}", {"status": "cancelled"}),
    ):
        reply = api.call(method, path, body)
        assert reply.status == 404, (method, path)
        assert reply.error["code"] == "not_found"
        assert reply.error["field"] in {"appointment_id", "clinic_id"}
    assert api.items() == before
    assert api.call("GET", booked.path).body["status"] == "scheduled"


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_starts_at_at_the_edge_of_the_calendar_is_refused_not_a_crash(
    api: Api, booked: Booked, method: str
) -> None:
    before = api.items()
    starts_at = "9999-12-31T23:59:59-05:00"
    if method == "POST":
        body = {"patient_id": booked.patient_id, "starts_at": starts_at}
        reply = api.call("POST", f"/admin/clinics/{booked.clinic_id}/appointments", body)
    else:
        reply = api.call("PATCH", booked.path, {"starts_at": starts_at})

    assert_refused(api, reply, {400, 422}, "starts_at", len(before))
