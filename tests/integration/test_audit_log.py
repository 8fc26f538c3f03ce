"""The audit log (contract section 8): every admin write and every read of a patient's data is
an entry (who, role, what, which clinic and patient, when, request id), refusals too; entries
hold no phone number or message body, expire after six years, and only a platform admin reads
them, a clinic at a time, by time, a page at a time."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import NOW, Api, Booked, staff
from tests.integration.moto_table import module_table_fixture
from touchpoint.domain.access import Role
from touchpoint.domain.audit import AUDIT_RETENTION

moto_table = module_table_fixture()
api = admin_world.api
booked = admin_world.booked

PHONE = "+15551230001"  # admin_world's patient


def audit(api: Api, query: str) -> Any:
    reply = api.call("GET", "/admin/audit", query=query)
    assert reply.status == 200, reply.body
    return reply.body


def test_a_read_of_a_patients_data_is_an_entry_naming_who_what_whom_and_when(
    api: Api, booked: Booked
) -> None:
    at = NOW + timedelta(minutes=3)
    reply = api.call(
        "GET",
        f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}/messages",
        claims=staff(Role.CLINICIAN, [booked.clinic_id], name="dr-lee"),
        now=at,
    )
    assert reply.status == 200

    entries = audit(api, f"clinic_id={booked.clinic_id}")["items"]

    [read] = [entry for entry in entries if entry["actor"] == "dr-lee"]
    assert read == {
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor": "dr-lee",
        "subject": "sub-dr-lee",
        "role": "clinician",
        "action": "read_patient",
        "clinic_id": booked.clinic_id,
        "patient_id": booked.patient_id,
        "route": "GET /admin/clinics/<clinic_id>/patients/<patient_id>/messages",
        "status": 200,
        "request_id": read["request_id"],
    }
    assert read["request_id"]


def test_writes_are_entries_with_the_patient_they_touched(api: Api, booked: Booked) -> None:
    entries = audit(api, f"clinic_id={booked.clinic_id}")["items"]

    # The fixture registered the patient and booked the appointment: both writes, both audited.
    actions = [(entry["action"], entry["patient_id"], entry["status"]) for entry in entries]
    assert ("manage_patients", booked.patient_id, 201) in actions
    assert actions.count(("manage_patients", booked.patient_id, 201)) == 2
    created = audit(api, "clinic_id=platform")["items"]
    assert created == []  # creating a clinic is audited under that clinic
    assert [e["action"] for e in entries].count("create_clinic") == 1


def test_clinic_reads_that_are_not_a_patients_data_are_not_entries_but_reading_the_log_is(
    api: Api, booked: Booked
) -> None:
    before = audit(api, f"clinic_id={booked.clinic_id}")["items"]

    api.call("GET", f"/admin/clinics/{booked.clinic_id}")
    api.call("GET", "/admin/clinics")

    after = audit(api, f"clinic_id={booked.clinic_id}")["items"]
    added = Counter(entry["action"] for entry in after) - Counter(entry["action"] for entry in before)
    assert added == {"read_audit": 1}  # the read of the log just before, not the clinic reads


def test_a_refusal_is_an_entry_in_the_clinic_it_was_about(api: Api, booked: Booked) -> None:
    other = api.clinic(sender="+15557770999")

    reply = api.call(
        "GET",
        f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}",
        claims=staff(Role.CLINIC_ADMIN, [other], name="intruder"),
    )

    assert reply.status == 403
    [refused] = [e for e in audit(api, f"clinic_id={booked.clinic_id}")["items"] if e["actor"] == "intruder"]
    assert (refused["status"], refused["role"], refused["patient_id"]) == (
        403,
        "clinic_admin",
        booked.patient_id,
    )


def test_no_entry_holds_a_phone_number_a_name_or_a_message(api: Api, booked: Booked) -> None:
    api.call("GET", f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}")
    api.call("POST", f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}/opt-out")

    stored = [
        item
        for item in api.dynamodb.scan(TableName=api.table.name)["Items"]
        if item["pk"]["S"].startswith("AUDIT#")
    ]

    assert len(stored) >= 4
    text = repr(stored)
    for secret in (PHONE, PHONE[2:], "Ana"):
        assert secret not in text


def test_entries_expire_six_years_on(api: Api, booked: Booked) -> None:
    stored = [
        item
        for item in api.dynamodb.scan(TableName=api.table.name)["Items"]
        if item["pk"]["S"].startswith("AUDIT#")
    ]

    assert stored
    for item in stored:
        assert int(item["expires_at"]["N"]) == int((NOW + AUDIT_RETENTION).timestamp())
    assert timedelta(days=6 * 365) <= AUDIT_RETENTION


@pytest.mark.parametrize("role", [Role.CLINIC_ADMIN, Role.CLINICIAN])
def test_only_a_platform_admin_reads_the_audit_log(api: Api, booked: Booked, role: Role) -> None:
    reply = api.call(
        "GET", "/admin/audit", query=f"clinic_id={booked.clinic_id}", claims=staff(role, [booked.clinic_id])
    )

    assert reply.status == 403
    assert set(reply.body) == {"error"}


def test_the_audit_log_is_read_by_time_and_a_page_at_a_time(api: Api, booked: Booked) -> None:
    path = f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}"
    minute = [(NOW + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ") for m in range(16)]
    for m in range(10, 15):
        api.call("GET", path, now=NOW + timedelta(minutes=m))
    reads = f"clinic_id={booked.clinic_id}"

    window = audit(api, f"{reads}&from={minute[11]}&to={minute[13]}")["items"]
    assert [entry["at"] for entry in window] == minute[11:14]

    first = audit(api, f"{reads}&from={minute[11]}&to={minute[15]}&limit=2")
    second = audit(api, f"{reads}&from={minute[11]}&to={minute[15]}&limit=2&cursor={first['next_cursor']}")
    assert [entry["at"] for entry in first["items"] + second["items"]] == minute[11:15]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "clinic_id"),
        ("clinic_id=cl_a&from=yesterday", "from"),
        ("clinic_id=cl_a&from=2026-12-01T10:00:00", "from"),  # no offset: which zone?
        ("clinic_id=cl_a&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
        ("clinic_id=cl_a&limit=0", "limit"),
        ("clinic_id=cl_a&limit=" + "9" * 5000, "limit"),
        ("clinic_id=cl_a&cursor=" + "x" * 600, "cursor"),
        ("clinic_id=cl_a&cursor=0", "cursor"),
        ("clinic_id=" + "c" * 100, "clinic_id"),
    ],
)
def test_a_bad_audit_query_is_a_400_naming_the_parameter(api: Api, query: str, field: str) -> None:
    reply = api.call("GET", "/admin/audit", query=query)

    assert reply.status == 400, reply.body
    assert reply.body["error"]["field"] == field
