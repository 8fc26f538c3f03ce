"""Patients and their message history through the admin API, at the handler on moto: creating
a patient (E.164 phone, own time zone) and reading it back, bad input and malformed bodies
refused storing nothing, one patient per phone per clinic, unknown patients or clinics 404, and
the patient's messages listed oldest first.
"""

from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import (
    Api,
    Booked,
    assert_refused,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.domain.appointment import Job
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.timeutil import parse_utc

moto_table = module_table_fixture()

# admin_world's fixtures, under the names the tests ask for.
api = admin_world.api
booked = admin_world.booked


# ---- patients ------------------------------------------------------------------------------


def test_post_patient_answers_201_with_its_id_and_get_returns_it(api: Api) -> None:
    clinic_id = api.clinic()

    reply = api.call(
        "POST", f"/admin/clinics/{clinic_id}/patients", {"first_name": "Ana", "phone": "+1 (555) 123-0001"}
    )

    assert reply.status == 201
    patient_id = reply.body["patient_id"]
    assert patient_id.startswith("pt_")
    got = api.call("GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}")
    assert got.status == 200
    assert {k: got.body[k] for k in ("patient_id", "first_name", "phone", "timezone", "opted_out")} == {
        "patient_id": patient_id,
        "first_name": "Ana",
        "phone": "+15551230001",
        "timezone": "America/New_York",
        "opted_out": False,
    }


def test_a_patient_may_have_their_own_zone(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id, timezone="America/Chicago")

    got = api.call("GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}")

    assert got.body["timezone"] == "America/Chicago"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "Ana", "phone": "555-0001"}, "phone"),
        ({"first_name": "Ana", "phone": "+1555"}, "phone"),
        ({"first_name": "Ana", "phone": "call me"}, "phone"),
        ({"first_name": "Ana", "phone": 15551230001}, "phone"),
        ({"first_name": "Ana"}, "phone"),
        ({"first_name": 7, "phone": "+15551230001"}, "first_name"),
        ({"first_name": "", "phone": "+15551230001"}, "first_name"),
        ({"first_name": "A" * 51, "phone": "+15551230001"}, "first_name"),
        ({"first_name": "Ana", "phone": "+15551230001", "timezone": "Mars/Base"}, "timezone"),
        ({"first_name": "Ana", "phone": "+15551230001", "timezone": ["UTC"]}, "timezone"),
        ({"first_name": "Ana", "phone": "+15551230001", "email": "a@b.c"}, "email"),
        ([], "body"),
    ],
)
def test_post_patient_refuses_bad_input_naming_the_field_and_stores_nothing(
    api: Api, body: Any, field: str
) -> None:
    clinic_id = api.clinic()
    count = api.item_count()

    reply = api.call("POST", f"/admin/clinics/{clinic_id}/patients", body)

    assert_refused(api, reply, {400, 422}, field, count)


@pytest.mark.parametrize("raw", [b"{", b"", b"first_name=Ana"])
def test_malformed_json_on_patients_is_400(api: Api, raw: bytes) -> None:
    clinic_id = api.clinic()
    count = api.item_count()

    reply = api.call("POST", f"/admin/clinics/{clinic_id}/patients", raw=raw)

    assert_refused(api, reply, {400}, "body", count)


def test_a_phone_belongs_to_one_patient_per_clinic(api: Api) -> None:
    clinic_id = api.clinic()
    other_clinic = api.clinic(sender="+15005550007")
    api.patient(clinic_id, "+15551230001")
    count = api.item_count()

    reply = api.call(
        "POST", f"/admin/clinics/{clinic_id}/patients", {"first_name": "Bo", "phone": "+1 555 123 0001"}
    )

    assert_refused(api, reply, {409}, "phone", count)
    api.patient(other_clinic, "+15551230001")


def test_patients_of_an_unknown_clinic_are_404(api: Api) -> None:
    created = api.call(
        "POST", "/admin/clinics/cl_nope/patients", {"first_name": "Ana", "phone": "+15551230001"}
    )

    assert_refused(api, created, {404}, "cl_nope", 0)
    assert api.call("GET", "/admin/clinics/cl_nope/patients/pt_nope").status == 404
    assert api.call("GET", "/admin/clinics/cl_nope/patients/pt_nope/messages").status == 404


def test_an_unknown_patient_or_one_of_another_clinic_is_404(api: Api, booked: Booked) -> None:
    other_clinic = api.clinic(sender="+15005550007")

    for path in (
        f"/admin/clinics/{booked.clinic_id}/patients/pt_nope",
        f"/admin/clinics/{booked.clinic_id}/patients/pt_nope/messages",
        f"/admin/clinics/{other_clinic}/patients/{booked.patient_id}",
        f"/admin/clinics/{other_clinic}/patients/{booked.patient_id}/messages",
    ):
        reply = api.call("GET", path)
        assert reply.status == 404, path
        assert reply.error["code"] == "not_found"
        assert reply.error["field"] == "patient_id"


# ---- what the clinic reads back ------------------------------------------------------------


def test_get_messages_is_empty_before_anything_was_sent(api: Api, booked: Booked) -> None:
    reply = api.call("GET", f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}/messages")

    assert (reply.status, reply.body) == (200, {"items": []})


def test_get_messages_lists_every_sms_oldest_first(api: Api, booked: Booked) -> None:
    jobs = DynamoJobs(api.table)
    sent_at = [parse_utc("2026-11-30T20:00:30Z"), parse_utc("2026-11-29T23:00:30Z")]
    later, earlier = booked.appointment["messages"][1], booked.appointment["messages"][0]
    for message, at in zip((later, earlier), sent_at, strict=True):
        ref = JobRef(booked.appointment_id, message["job_id"])
        assert jobs.claim_for_queue(ref, at)
        job = jobs.start_sending(ref, at)
        assert isinstance(job, Job)
        record = MessageRecord(
            f"msg_{message['job_id']}",
            booked.clinic_id,
            booked.patient_id,
            "outbound",
            f"reminder {message['rule']}",
            "sent",
            at,
            twilio_sid=f"SM{message['job_id']}",
            job_id=message["job_id"],
            appointment_id=booked.appointment_id,
        )
        jobs.record_sent(job, record)

    reply = api.call("GET", f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}/messages")

    assert reply.status == 200
    assert [(m["direction"], m["body"], m["status"], m["at"]) for m in reply.body["items"]] == [
        ("outbound", f"reminder {earlier['rule']}", "sent", "2026-11-29T23:00:30Z"),
        ("outbound", f"reminder {later['rule']}", "sent", "2026-11-30T20:00:30Z"),
    ]
    states = {m["job_id"]: m["state"] for m in api.call("GET", booked.path).body["messages"]}
    assert states[earlier["job_id"]] == states[later["job_id"]] == "sent"
