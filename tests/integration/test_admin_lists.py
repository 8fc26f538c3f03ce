"""The clinic's lists (contract section 9): patients, appointments, every patient's messages and
alerts, a page at a time (`limit`, `cursor`), filtered, each one query of a key designed for it
(adapters/dynamo/lists.py), on moto through the admin handler."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import Api, Booked, staff
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo import alerts as alert_items
from touchpoint.adapters.dynamo import messages as message_items
from touchpoint.domain.access import Role
from touchpoint.domain.alerts import new_alert
from touchpoint.domain.messages import MessageRecord

moto_table = module_table_fixture()
api = admin_world.api
booked = admin_world.booked


def get(api: Api, path: str, query: str = "") -> Any:
    reply = api.call("GET", path, query=query)
    assert reply.status == 200, reply.body
    return reply.body


def every_page(api: Api, path: str, query: str) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        body = get(api, path, query + (f"&cursor={cursor}" if cursor else ""))
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the cursor never ends"


# ---- clinics ----


def test_a_platform_admin_pages_through_every_clinic_each_once(api: Api) -> None:
    made = [api.clinic(sender=f"+1500555001{n}") for n in range(3)]

    pages = every_page(api, "/admin/clinics", "limit=2")

    listed = [clinic["clinic_id"] for page in pages for clinic in page]
    assert all(len(page) <= 2 for page in pages)
    assert len(pages) >= 2
    assert len(listed) == len(set(listed))
    assert set(made) <= set(listed)
    assert listed == sorted(listed), "by id"


def test_a_clinic_admin_lists_only_its_own_clinic_on_one_page(api: Api) -> None:
    mine, _other = api.clinic(sender="+15005550021"), api.clinic(sender="+15005550022")

    reply = api.call("GET", "/admin/clinics", query="limit=1", claims=staff(Role.CLINIC_ADMIN, [mine]))

    assert reply.status == 200, reply.body
    assert ([c["clinic_id"] for c in reply.body["items"]], reply.body["next_cursor"]) == ([mine], None)


# ---- patients ----


@pytest.fixture
def patients(api: Api) -> tuple[str, list[str]]:
    clinic = api.clinic()
    names = ["Ana", "Bo", "Anabel", "Chris", "Dana"]
    ids = [
        api.patient(clinic, phone=f"+1555123000{index}", first_name=name) for index, name in enumerate(names)
    ]
    return clinic, ids


def test_patients_come_a_page_at_a_time_each_once(api: Api, patients: tuple[str, list[str]]) -> None:
    clinic, ids = patients

    pages = every_page(api, f"/admin/clinics/{clinic}/patients", "limit=2")

    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(patient["patient_id"] for page in pages for patient in page) == sorted(ids)


def test_patients_by_name_match_any_case_within_the_first_name(
    api: Api, patients: tuple[str, list[str]]
) -> None:
    clinic, _ = patients

    found = get(api, f"/admin/clinics/{clinic}/patients", "q=ana")["items"]

    assert sorted(patient["first_name"] for patient in found) == ["Ana", "Anabel", "Dana"]


def test_a_patient_by_phone_in_the_clinics_national_format(api: Api, patients: tuple[str, list[str]]) -> None:
    clinic, ids = patients

    found = get(api, f"/admin/clinics/{clinic}/patients", "phone=(555) 123-0003")

    assert [patient["patient_id"] for patient in found["items"]] == [ids[3]]
    assert found["next_cursor"] is None
    assert get(api, f"/admin/clinics/{clinic}/patients", "phone=+15559999999")["items"] == []


def test_a_patient_by_external_id(api: Api, patients: tuple[str, list[str]]) -> None:
    clinic, ids = patients
    tagged = api.call("PATCH", f"/admin/clinics/{clinic}/patients/{ids[1]}", {"external_id": "MRN-42"})
    assert tagged.status == 200, tagged.body

    found = get(api, f"/admin/clinics/{clinic}/patients", "external_id=MRN-42")["items"]

    assert [patient["patient_id"] for patient in found] == [ids[1]]
    assert get(api, f"/admin/clinics/{clinic}/patients", "external_id=MRN-43")["items"] == []


def test_a_cursor_of_one_clinic_reads_nothing_of_another(api: Api, patients: tuple[str, list[str]]) -> None:
    clinic, _ = patients
    other = api.clinic(sender="+15557770999")
    api.patient(other, phone="+15551239999", first_name="Zed")
    cursor = get(api, f"/admin/clinics/{clinic}/patients", "limit=1")["next_cursor"]

    reply = api.call("GET", f"/admin/clinics/{other}/patients", query=f"cursor={cursor}")

    assert reply.status == 400
    assert reply.body["error"]["field"] == "cursor"


# ---- appointments ----


def test_appointments_of_a_clinic_local_day_by_start_with_first_name_and_local_time(
    api: Api, booked: Booked
) -> None:
    clinic = booked.clinic_id
    bo = api.patient(clinic, phone="+15551230002", first_name="Bo")
    # 2026-12-01 local (New York, UTC-5): 08:00 and 23:30 local are in; 00:30 on the 2nd is not.
    for local in ("2026-12-01T23:30:00-05:00", "2026-12-01T08:00:00-05:00", "2026-12-02T00:30:00-05:00"):
        api.appointment(clinic, bo, starts_at=local)

    found = get(api, f"/admin/clinics/{clinic}/appointments", "from=2026-12-01&to=2026-12-01")["items"]

    starts = [appointment["starts_at_local"] for appointment in found]
    assert starts == ["2026-12-01T08:00:00-05:00", "2026-12-01T15:00:00-05:00", "2026-12-01T23:30:00-05:00"]
    assert [appointment["first_name"] for appointment in found] == ["Bo", "Ana", "Bo"]
    assert found[1]["appointment_id"] == booked.appointment_id
    # An instant is a bound to the second, both ends included.
    at_start = get(
        api, f"/admin/clinics/{clinic}/appointments", "from=2026-12-01T20:00:00Z&to=2026-12-01T20:00:00Z"
    )
    assert [appointment["appointment_id"] for appointment in at_start["items"]] == [booked.appointment_id]


def test_appointments_by_status_and_by_patient(api: Api, booked: Booked) -> None:
    clinic = booked.clinic_id
    bo = api.patient(clinic, phone="+15551230002", first_name="Bo")
    other = api.appointment(clinic, bo, starts_at="2026-12-03T10:00:00-05:00")
    cancel = api.call(
        "PATCH", f"/admin/clinics/{clinic}/appointments/{other['appointment_id']}", {"status": "cancelled"}
    )
    assert cancel.status == 200, cancel.body

    cancelled = get(api, f"/admin/clinics/{clinic}/appointments", "status=cancelled")["items"]
    of_ana = get(api, f"/admin/clinics/{clinic}/appointments", f"patient_id={booked.patient_id}")["items"]

    assert [appointment["appointment_id"] for appointment in cancelled] == [other["appointment_id"]]
    assert [appointment["appointment_id"] for appointment in of_ana] == [booked.appointment_id]


def test_appointments_with_their_planned_messages_for_the_day_view(api: Api, booked: Booked) -> None:
    path = f"/admin/clinics/{booked.clinic_id}/appointments"

    plain = get(api, path)["items"]
    listed = get(api, path, "include=messages")["items"]

    assert "messages" not in plain[0]
    assert [m["job_id"] for m in listed[0]["messages"]] == [
        m["job_id"] for m in sorted(booked.appointment["messages"], key=lambda m: m["due_at"])
    ]
    assert {m["state"] for m in listed[0]["messages"]} == {"pending"}
    for query, field in (("include=surveys", "include"), ("include=messages&limit=101", "limit")):
        refused = api.call("GET", path, query=query)
        assert (refused.status, refused.error["field"]) == (400, field), query


# ---- messages, every patient's ----


def test_the_clinics_messages_newest_first_by_status_and_time(api: Api, booked: Booked) -> None:
    at = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    statuses = ["delivered", "failed", "delivered", "unknown"]
    for index, status in enumerate(statuses):
        record = MessageRecord(
            f"msg_{index}",
            booked.clinic_id,
            booked.patient_id,
            "outbound",
            "Hi",
            status,
            at + timedelta(hours=index),
        )
        api.dynamodb.put_item(
            TableName=api.table.name,
            Item={key: value for key, value in _attributes(message_items.to_item(record, shards=8)).items()},
        )
    path = f"/admin/clinics/{booked.clinic_id}/messages"

    newest_first = [message["message_id"] for message in get(api, path)["items"]]
    failed = [message["message_id"] for message in get(api, path, "status=failed")["items"]]
    window = [
        message["message_id"]
        for message in get(api, path, "from=2026-11-30T15:00:00Z&to=2026-11-30T16:00:00Z")["items"]
    ]

    assert newest_first == ["msg_3", "msg_2", "msg_1", "msg_0"]
    assert failed == ["msg_1"]
    assert window == ["msg_2", "msg_1"]
    assert get(api, path)["items"][0]["patient_id"] == booked.patient_id
    # The messages share the clinic's partition of by_clinic with its appointments: a re-plan,
    # which reads the appointments, reads none of them.
    replanned = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", admin_world.CLINIC)
    assert replanned.status == 200, replanned.body


def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    from touchpoint.adapters.dynamo.table import to_attributes

    return to_attributes({name: value for name, value in item.items() if value is not None})


# ---- alerts ----


def test_alerts_newest_first_by_kind_and_state_a_page_at_a_time(api: Api, booked: Booked) -> None:
    clinic, at = booked.clinic_id, datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

    def raise_alert(alert_id: str, kind: str, minutes: int) -> None:
        alert = new_alert(
            alert_id,
            clinic,
            kind,
            at + timedelta(minutes=minutes),
            "text",
            escalation_interval=timedelta(minutes=15),
        )
        for item in alert_items.new_items(alert):
            api.dynamodb.put_item(TableName=api.table.name, Item=_attributes(item))

    raise_alert("al_old", "crisis", 0)
    raise_alert("al_r", "reschedule_request", 1)
    raise_alert("al_new", "crisis", 2)
    acknowledged = api.call(
        "POST", f"/admin/clinics/{clinic}/alerts/al_old/acknowledge", {"note": "Called her"}
    )
    assert acknowledged.status == 200, acknowledged.body
    path = f"/admin/clinics/{clinic}/alerts"

    def ids(query: str = "") -> list[str]:
        return [alert["alert_id"] for page in every_page(api, path, query or "limit=2") for alert in page]

    assert ids() == ["al_new", "al_r", "al_old"]
    assert ids("kind=crisis") == ["al_new", "al_old"]
    assert ids("state=open") == ["al_new", "al_r"]
    assert ids("kind=crisis&state=acknowledged") == ["al_old"]
    assert ids("kind=severe_score") == []


# ---- bad queries ----


@pytest.mark.parametrize(
    ("list_path", "query", "field"),
    [
        ("patients", "limit=0", "limit"),
        ("patients", "limit=501", "limit"),
        ("patients", "limit=" + "9" * 5000, "limit"),
        ("patients", "cursor=not%20a%20cursor", "cursor"),
        ("patients", "cursor=eyJ4IjoxfQ", "cursor"),
        ("patients", "phone=not-a-number", "phone"),
        ("patients", "q=" + "a" * 65, "q"),
        ("appointments", "from=tomorrow", "from"),
        ("appointments", "from=2026-12-01T10:00:00", "from"),
        ("appointments", "from=2026-12-02&to=2026-12-01", "to"),
        ("appointments", "status=done", "status"),
        ("appointments", "patient_id=../x", "patient_id"),
        ("messages", "status=Not-A-Status", "status"),
        ("alerts", "kind=panic", "kind"),
        ("alerts", "state=closed", "state"),
    ],
)
def test_a_bad_list_query_is_a_400_naming_the_parameter(
    api: Api, booked: Booked, list_path: str, query: str, field: str
) -> None:
    reply = api.call("GET", f"/admin/clinics/{booked.clinic_id}/{list_path}", query=query)

    assert reply.status == 400, reply.body
    assert reply.body["error"]["field"] == field


def test_a_list_of_a_clinic_that_does_not_exist_is_a_404(api: Api) -> None:
    for list_path in ("patients", "appointments", "messages", "alerts"):
        assert api.call("GET", f"/admin/clinics/cl_missing/{list_path}").status == 404
