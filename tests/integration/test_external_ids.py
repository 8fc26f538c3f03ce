"""External ids (the EHR's) and double bookings at the handler on moto: an external id is unique
within its clinic for patients and for appointments, a POST with one that exists answers 409
with `error.existing_id`, and so does a phone another patient has; one patient cannot be booked
twice at one instant until the first booking is cancelled; the views show the external id.
"""

from typing import Any

from tests.integration import admin_world
from tests.integration.admin_world import STARTS, Api
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()
api = admin_world.api


def book(api: Api, clinic_id: str, patient_id: str, **extra: object) -> tuple[int, dict[str, Any]]:
    body = {"patient_id": patient_id, "starts_at": STARTS} | extra
    reply = api.call("POST", f"/admin/clinics/{clinic_id}/appointments", body)
    return reply.status, reply.body


def test_a_patient_shows_the_external_id_it_was_created_with(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id, external_id="ehr:MRN_00.1-a")

    got = api.call("GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}")

    assert got.body["external_id"] == "ehr:MRN_00.1-a"
    assert (
        "external_id"
        not in api.call(
            "GET", f"/admin/clinics/{clinic_id}/patients/{api.patient(clinic_id, phone='+15551230002')}"
        ).body
    )


def test_a_patient_external_id_that_exists_answers_409_with_the_existing_id(api: Api) -> None:
    clinic_id = api.clinic()
    first = api.patient(clinic_id, external_id="MRN-1")
    count = api.item_count()

    reply = api.call(
        "POST",
        f"/admin/clinics/{clinic_id}/patients",
        {"first_name": "Bo", "phone": "+15551230002", "external_id": "MRN-1"},
    )

    assert reply.status == 409, reply.body
    assert reply.error == {
        "code": "conflict",
        "message": reply.error["message"],
        "field": "external_id",
        "existing_id": first,
    }
    assert api.item_count() == count


def test_the_same_external_id_in_another_clinic_is_another_patient(api: Api) -> None:
    api.patient(api.clinic(), external_id="MRN-1")
    api.patient(api.clinic(sender="+15005550007"), external_id="MRN-1")


def test_a_phone_that_exists_answers_409_with_the_existing_id(api: Api) -> None:
    clinic_id = api.clinic()
    first = api.patient(clinic_id)

    reply = api.call(
        "POST", f"/admin/clinics/{clinic_id}/patients", {"first_name": "Bo", "phone": "(555) 123-0001"}
    )

    assert reply.status == 409, reply.body
    assert reply.error["existing_id"] == first
    assert reply.error["field"] == "phone"


def test_a_bad_external_id_is_refused(api: Api) -> None:
    clinic_id = api.clinic()
    for bad in ("", "x" * 65, "a b", "é", "a/b", 7):
        reply = api.call(
            "POST",
            f"/admin/clinics/{clinic_id}/patients",
            {"first_name": "A", "phone": "+15551230009", "external_id": bad},
        )
        assert reply.status == 422, (bad, reply.body)
        assert reply.error["field"] == "external_id"
    patient_id = api.patient(clinic_id)
    assert book(api, clinic_id, patient_id, external_id="a b")[0] == 422


def test_an_appointment_external_id_that_exists_answers_409_with_the_existing_id(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    status, first = book(api, clinic_id, patient_id, external_id="APPT-1")
    assert status == 201, first
    assert first["external_id"] == "APPT-1"
    count = api.item_count()

    status, body = book(
        api, clinic_id, patient_id, external_id="APPT-1", starts_at="2026-12-02T15:00:00-05:00"
    )

    assert status == 409, body
    assert body["error"]["existing_id"] == first["appointment_id"]
    assert body["error"]["field"] == "external_id"
    assert api.item_count() == count
    got = api.call("GET", f"/admin/clinics/{clinic_id}/appointments/{first['appointment_id']}")
    assert got.body["external_id"] == "APPT-1"


def test_booking_a_patient_twice_at_one_instant_answers_409(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    other = api.patient(clinic_id, phone="+15551230002")
    first = api.appointment(clinic_id, patient_id)
    count = api.item_count()

    # The same instant written in UTC is the same booking.
    status, body = book(api, clinic_id, patient_id, starts_at="2026-12-01T20:00:00Z")

    assert status == 409, body
    assert body["error"]["existing_id"] == first["appointment_id"]
    assert api.item_count() == count
    assert book(api, clinic_id, other)[0] == 201
    assert book(api, clinic_id, patient_id, starts_at="2026-12-01T16:00:00-05:00")[0] == 201


def test_a_cancelled_booking_frees_its_time(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    first = api.appointment(clinic_id, patient_id)
    path = f"/admin/clinics/{clinic_id}/appointments/{first['appointment_id']}"

    assert api.call("PATCH", path, {"status": "cancelled"}).status == 200

    assert book(api, clinic_id, patient_id)[0] == 201


def test_moving_an_appointment_moves_its_booking(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    first = api.appointment(clinic_id, patient_id)
    second = api.appointment(clinic_id, patient_id, starts_at="2026-12-02T15:00:00-05:00")
    path = f"/admin/clinics/{clinic_id}/appointments/{first['appointment_id']}"

    onto_second = api.call("PATCH", path, {"starts_at": "2026-12-02T15:00:00-05:00"})
    moved = api.call("PATCH", path, {"starts_at": "2026-12-03T15:00:00-05:00"})

    assert onto_second.status == 409, onto_second.body
    assert onto_second.body["error"]["existing_id"] == second["appointment_id"]
    assert moved.status == 200, moved.body
    assert book(api, clinic_id, patient_id)[0] == 201  # the old time is free again
