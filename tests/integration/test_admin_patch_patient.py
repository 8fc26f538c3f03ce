"""PATCH /admin/clinics/{clinic_id}/patients/{patient_id} at the handler on moto: first_name,
phone (national formats of the clinic's country too), timezone, language and external_id
change, nothing else; a phone or external id another patient of the clinic has answers 409
naming that patient, changing nothing; the phone's and external id's items move with the patient.
"""

from tests.integration import admin_world
from tests.integration.admin_world import Api, assert_refused
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo import keys

moto_table = module_table_fixture()
api = admin_world.api


def path(clinic_id: str, patient_id: str) -> str:
    return f"/admin/clinics/{clinic_id}/patients/{patient_id}"


def owner(api: Api, key: keys.Key) -> str | None:
    item = api.table.get(key)
    return None if item is None else str(item["patient_id"])


def test_patch_changes_the_named_fields_and_keeps_the_others(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)

    reply = api.call(
        "PATCH",
        path(clinic_id, patient_id),
        {"first_name": "  Ana   María ", "timezone": "America/Chicago", "language": "es"},
    )

    assert reply.status == 200, reply.body
    got = api.call("GET", path(clinic_id, patient_id)).body
    assert (got["first_name"], got["timezone"], got["language"], got["phone"]) == (
        "Ana María",
        "America/Chicago",
        "es",
        "+15551230001",
    )


def test_a_new_phone_in_national_form_moves_the_phone_item(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)

    reply = api.call("PATCH", path(clinic_id, patient_id), {"phone": "(555) 777-0009"})

    assert reply.status == 200, reply.body
    assert reply.body["phone"] == "+15557770009"
    assert owner(api, keys.phone(clinic_id, "+15557770009")) == patient_id
    assert owner(api, keys.phone(clinic_id, "+15551230001")) is None
    # The old number is free for another patient.
    api.patient(clinic_id, phone="+15551230001")


def test_a_phone_another_patient_has_answers_409_with_their_id(api: Api) -> None:
    clinic_id = api.clinic()
    first = api.patient(clinic_id, phone="+15551230001")
    second = api.patient(clinic_id, phone="+15551230002")
    before = api.items()

    reply = api.call("PATCH", path(clinic_id, second), {"phone": "+1 555 123 0001", "first_name": "Bo"})

    assert reply.status == 409, reply.body
    assert reply.error["code"] == "conflict"
    assert reply.error["existing_id"] == first
    assert reply.error["field"] == "phone"
    assert api.items() == before


def test_an_external_id_moves_and_another_patients_answers_409(api: Api) -> None:
    clinic_id = api.clinic()
    first = api.patient(clinic_id, phone="+15551230001", external_id="MRN-1")
    second = api.patient(clinic_id, phone="+15551230002")

    taken = api.call("PATCH", path(clinic_id, second), {"external_id": "MRN-1"})
    moved = api.call("PATCH", path(clinic_id, first), {"external_id": "MRN-9"})

    assert taken.status == 409, taken.body
    assert taken.error["existing_id"] == first
    assert moved.status == 200, moved.body
    assert moved.body["external_id"] == "MRN-9"
    assert api.table.get(keys.patient_external_id(clinic_id, "MRN-1")) is None
    assert api.call("PATCH", path(clinic_id, second), {"external_id": "MRN-1"}).status == 200


def test_a_null_external_id_clears_it(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id, external_id="MRN-1")

    reply = api.call("PATCH", path(clinic_id, patient_id), {"external_id": None})

    assert reply.status == 200, reply.body
    assert "external_id" not in api.call("GET", path(clinic_id, patient_id)).body
    assert api.table.get(keys.patient_external_id(clinic_id, "MRN-1")) is None


def test_a_new_timezone_re_plans_the_patients_appointments(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    booked = api.appointment(clinic_id, patient_id)
    before = {m["rule"]: m["due_at"] for m in booked["messages"]}

    assert api.call("PATCH", path(clinic_id, patient_id), {"timezone": "America/Los_Angeles"}).status == 200

    got = api.call("GET", f"/admin/clinics/{clinic_id}/appointments/{booked['appointment_id']}").body
    after = {m["rule"]: m["due_at"] for m in got["messages"] if m["state"] == "pending"}
    # 18:00 two days before, in the patient's own zone: three hours later in UTC.
    assert before["days_before:2@18:00"] == "2026-11-29T23:00:00Z"
    assert after["days_before:2@18:00"] == "2026-11-30T02:00:00Z"


def test_fields_that_may_not_change_are_refused_naming_them(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    count = api.item_count()

    for field in ("opted_out", "patient_id", "clinic_id", "created_at"):
        reply = api.call("PATCH", path(clinic_id, patient_id), {field: True})
        assert_refused(api, reply, {422}, field, count)
        assert reply.error["field"] == field


def test_bad_values_and_an_empty_body_are_refused(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    count = api.item_count()

    for body, field in (
        ({}, "body"),
        ({"phone": "555-77"}, "phone"),
        ({"language": "fr"}, "language"),
        ({"external_id": "has space"}, "external_id"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"first_name": ""}, "first_name"),
    ):
        reply = api.call("PATCH", path(clinic_id, patient_id), body)
        assert reply.status == 422, (body, reply.body)
        assert reply.error["field"] == field
    assert api.item_count() == count


def test_patching_a_patient_that_does_not_exist_answers_404(api: Api) -> None:
    clinic_id = api.clinic()
    assert api.call("PATCH", path(clinic_id, "pt_nobody"), {"first_name": "X"}).status == 404
