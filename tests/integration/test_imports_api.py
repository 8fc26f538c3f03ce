"""POST /admin/clinics/{clinic_id}/imports at the handler on moto: CSV and FHIR R4 imports,
idempotent by external ids, per-row errors that change nothing, and bad input as a 4xx."""

import base64
import json
from typing import Any

from infra.local_http import LambdaContext, http_api_event
from tests.integration import admin_world
from tests.integration.admin_world import AUTHORIZER, NOW, Api, Reply
from tests.integration.moto_table import module_table_fixture
from touchpoint.handlers.admin import handler

moto_table = module_table_fixture()
api = admin_world.api

HEADER = "patient_external_id,first_name,phone,appointment_external_id,starts_at,duration_minutes,status"
ROWS = [
    "MRN1,Ana,+15551230001,AP1,2026-12-01T15:00:00-05:00,60,scheduled",
    "MRN2,Ben,+15551230002,AP2,2026-12-02T10:00:00,30,scheduled",
]


def post(
    api: Api,
    clinic_id: str,
    body: bytes | str,
    *,
    kind: str = "text/csv",
    query: str = "",
    timeout_seconds: float = 29,
) -> Reply:
    payload = body.encode() if isinstance(body, str) else body
    headers = {"content-type": kind, "host": "api.example.test"}
    event = http_api_event("POST", f"/admin/clinics/{clinic_id}/imports", query, headers, payload, NOW)
    event["requestContext"]["authorizer"] = AUTHORIZER
    result = handler(event, LambdaContext("touchpoint-admin", timeout_seconds), service=api.service)
    return Reply(int(result["statusCode"]), json.loads(result["body"]), result["headers"])


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def counts(reply: Reply) -> tuple[int, int, int, int]:
    assert reply.status == 200, reply.body
    return reply.body["rows"], reply.body["created"], reply.body["updated"], reply.body["unchanged"]


def appointments(api: Api, clinic_id: str) -> list[dict[str, Any]]:
    reply = api.call("GET", f"/admin/clinics/{clinic_id}/appointments")
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.body["items"]
    return items


def test_a_csv_creates_patients_and_appointments_and_the_same_file_again_changes_nothing(api: Api) -> None:
    clinic_id = api.clinic()
    assert counts(post(api, clinic_id, csv_of(*ROWS))) == (2, 2, 0, 0)
    stored = api.items()
    assert counts(post(api, clinic_id, csv_of(*ROWS))) == (2, 0, 0, 2)
    assert api.items() == stored
    booked = appointments(api, clinic_id)
    assert [(a["first_name"], a["starts_at"]) for a in booked] == [
        ("Ana", "2026-12-01T20:00:00Z"),
        ("Ben", "2026-12-02T15:00:00Z"),
    ]


def test_a_changed_row_updates_the_patient_and_replans_the_appointment(api: Api) -> None:
    clinic_id = api.clinic()
    post(api, clinic_id, csv_of(*ROWS))
    before = {a["external_id"]: a for a in appointments(api, clinic_id)}
    moved = "MRN1,Anita,+15551230001,AP1,2026-12-03T15:00:00-05:00,60,scheduled"
    cancelled = "MRN2,Ben,+15551230002,AP2,2026-12-02T10:00:00,30,cancelled"
    assert counts(post(api, clinic_id, csv_of(moved, cancelled))) == (2, 0, 2, 0)
    after = {a["external_id"]: a for a in appointments(api, clinic_id)}
    assert after["AP1"]["starts_at"] == "2026-12-03T20:00:00Z"
    assert after["AP1"]["first_name"] == "Anita"
    assert after["AP2"]["status"] == "cancelled"
    ap1 = api.call("GET", f"/admin/clinics/{clinic_id}/appointments/{before['AP1']['appointment_id']}").body
    due = {m["due_at"] for m in ap1["messages"] if m["state"] == "pending"}
    assert "2026-12-02T20:00:00Z" in due, "the reminder a day before the new time"


def test_bad_rows_are_reported_and_change_nothing_while_the_others_are_imported(api: Api) -> None:
    clinic_id = api.clinic()
    rows = [
        ROWS[0],
        "MRN3,Cy,not-a-phone,AP3,2026-12-01T15:00:00-05:00,60,scheduled",
        "MRN4,Di,+15551230004,AP4,tomorrow,60,scheduled",
        "MRN5,Ed,+15551230005,AP5,2026-12-01T15:00:00-05:00,60,maybe",
        ",Fay,+15551230006,AP6,2026-12-01T15:00:00-05:00,60,scheduled",
        "MRN1,Ana,+15551230001,AP7,2026-12-01T15:00:00-05:00,60,scheduled",
    ]
    reply = post(api, clinic_id, csv_of(*rows))
    assert counts(reply) == (6, 1, 0, 0)
    assert [(e["row"], e["field"]) for e in reply.body["errors"]] == [
        (3, "phone"),
        (4, "starts_at"),
        (5, "status"),
        (6, "patient_external_id"),
        (7, "starts_at"),
    ]
    listed = api.call("GET", f"/admin/clinics/{clinic_id}/patients").body["items"]
    assert [p["external_id"] for p in listed] == ["MRN1"], "a refused row stored no patient"


def test_a_dry_run_validates_and_stores_nothing(api: Api) -> None:
    clinic_id = api.clinic()
    stored = api.items()
    reply = post(
        api, clinic_id, csv_of(*ROWS, "MRN3,Cy,bad,AP3,2026-12-01T15:00:00Z,60,"), query="dry_run=true"
    )
    assert counts(reply) == (3, 2, 0, 0)
    assert reply.body["dry_run"] is True
    assert [e["row"] for e in reply.body["errors"]] == [4]
    assert api.items() == stored


def test_bom_quoted_commas_empty_lines_any_column_order_and_a_map(api: Api) -> None:
    clinic_id = api.clinic()
    text = (
        "\ufeffMobile,MRN,first_name,starts_at,appointment_external_id\r\n"
        "\r\n"
        '"(555) 123-0009",M-9,"Smith, Jo",2026-12-01T09:00:00,A-9\r\n'
        ",,,,\r\n"
    )
    reply = post(api, clinic_id, text.encode(), query="map=MRN:patient_external_id,Mobile:phone")
    assert counts(reply) == (1, 1, 0, 0)
    patient = api.call("GET", f"/admin/clinics/{clinic_id}/patients").body["items"][0]
    assert (patient["first_name"], patient["phone"]) == ("Smith, Jo", "+15551230009")


def test_unknown_columns_are_a_400_naming_them_and_store_nothing(api: Api) -> None:
    clinic_id = api.clinic()
    stored = api.items()
    reply = post(api, clinic_id, csv_of(ROWS[0], header=HEADER + ",shoe_size"))
    assert reply.status == 400
    assert "shoe_size" in reply.body["error"]["message"]
    assert api.items() == stored


def test_bodies_past_the_import_limit_are_a_413_and_bad_bytes_a_400(api: Api) -> None:
    clinic_id = api.clinic()
    big = csv_of(*ROWS) + "x" * (6 * 1024 * 1024)
    assert post(api, clinic_id, big).status == 413
    assert post(api, clinic_id, b"\xff\xfe" + csv_of(*ROWS).encode()).status == 400
    assert post(api, clinic_id, csv_of(*ROWS), kind="application/pdf").status == 400
    assert post(api, clinic_id, 'a,"b\n').status == 400


def many_rows(count: int) -> str:
    return csv_of(
        *(
            f"MRN{n},Pat,+1555{n:07d},AP{n},2026-12-{1 + n % 28:02d}T15:00:00,60,scheduled"
            for n in range(count)
        )
    )


def test_a_step_imports_the_rows_it_names_and_says_where_the_next_starts(api: Api) -> None:
    clinic_id = api.clinic()
    body = csv_of(*ROWS, "MRN3,Cy,+15551230003", "MRN4,Di,tomorrow", "MRN5,Ed,+15551230005")
    first = post(api, clinic_id, body, query="max_rows=2")
    assert counts(first) == (2, 2, 0, 0)
    assert (first.body["complete"], first.body["next_from_row"]) == (False, 4)
    assert first.body["progress"] == {"done": 2, "of": 5}
    assert len(appointments(api, clinic_id)) == 2
    rest = post(api, clinic_id, body, query="from_row=4")
    assert counts(rest) == (3, 2, 0, 0)
    assert [(e["row"], e["field"]) for e in rest.body["errors"]] == [(5, "phone")]
    assert (rest.body["complete"], rest.body["next_from_row"], rest.body["progress"]) == (
        True,
        None,
        {"done": 5, "of": 5},
    )
    assert counts(post(api, clinic_id, body)) == (5, 0, 0, 4)


def test_ten_thousand_rows_go_in_steps_each_ending_between_rows(api: Api) -> None:
    clinic_id = api.clinic()
    body = many_rows(10_000)
    stored = api.items()
    first = post(api, clinic_id, body, query="dry_run=true&max_rows=300")
    assert (first.body["rows"], first.body["created"], first.body["next_from_row"]) == (300, 300, 302)
    assert first.body["progress"] == {"done": 300, "of": 10_000}
    last = post(api, clinic_id, body, query="dry_run=true&from_row=9902")
    assert (last.body["rows"], last.body["created"], last.body["complete"]) == (100, 100, True)
    assert api.items() == stored, "a dry run stores nothing"


def test_a_step_stops_between_batches_when_the_function_is_short_of_time(api: Api) -> None:
    clinic_id = api.clinic()
    reply = post(api, clinic_id, many_rows(250), query="dry_run=true", timeout_seconds=8)
    assert (reply.body["rows"], reply.body["batches"], reply.body["next_from_row"]) == (100, 1, 102)
    assert reply.body["progress"] == {"done": 100, "of": 250}


def test_bad_step_parameters_are_a_400(api: Api) -> None:
    clinic_id = api.clinic()
    for query in ("from_row=0", "from_row=-1", "max_rows=0", "max_rows=1e3", "max_rows=99999999999"):
        reply = post(api, clinic_id, csv_of(*ROWS), query=query)
        assert (reply.status, reply.body["error"]["field"]) == (400, query.split("=")[0]), query


FHIR = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "name": [{"given": ["Lucía"], "family": "Ruiz"}],
                "telecom": [
                    {"system": "phone", "use": "home", "value": "+12125550111"},
                    {"system": "sms", "use": "mobile", "value": "+15551230011"},
                ],
                "communication": [{"language": {"coding": [{"code": "es-MX"}]}}],
            }
        },
        {
            "resource": {
                "resourceType": "Appointment",
                "id": "a1",
                "status": "booked",
                "start": "2026-12-01T15:00:00-05:00",
                "minutesDuration": 45,
                "participant": [{"actor": {"reference": "Patient/p1"}}],
            }
        },
        {
            "resource": {
                "resourceType": "Appointment",
                "id": "a2",
                "status": "proposed",
                "start": "2026-12-04T15:00:00-05:00",
                "participant": [{"actor": {"reference": "Patient/p1"}}],
            }
        },
    ],
}


def test_a_fhir_bundle_imports_and_maps_statuses(api: Api) -> None:
    clinic_id = api.clinic()
    body = json.dumps(FHIR)
    reply = post(api, clinic_id, body, kind="application/fhir+json")
    assert counts(reply) == (2, 1, 0, 0)
    assert [(e["row"], e["field"]) for e in reply.body["errors"]] == [(3, "status")]
    patient = api.call("GET", f"/admin/clinics/{clinic_id}/patients").body["items"][0]
    assert (patient["first_name"], patient["phone"], patient["language"]) == ("Lucía", "+15551230011", "es")
    assert [(a["external_id"], a["duration_minutes"]) for a in appointments(api, clinic_id)] == [("a1", 45)]
    assert counts(post(api, clinic_id, body, kind="application/fhir+json")) == (2, 0, 0, 1)
    noshow = json.loads(body)
    noshow["entry"][1]["resource"]["status"] = "noshow"
    assert counts(post(api, clinic_id, json.dumps(noshow), kind="application/fhir+json")) == (2, 0, 1, 0)
    assert appointments(api, clinic_id)[0]["status"] == "cancelled"


def test_a_base64_fhir_body_that_is_not_a_bundle_is_a_4xx(api: Api) -> None:
    clinic_id = api.clinic()
    reply = post(api, clinic_id, base64.b64decode(base64.b64encode(b"[1]")), kind="application/fhir+json")
    assert reply.status == 422
    assert post(api, clinic_id, b"[" * 100, kind="application/fhir+json").status == 400
