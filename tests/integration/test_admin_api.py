"""The admin API (contract section 3) at the handler: API Gateway HTTP API v2 events in,
the real DynamoDB repositories on moto underneath."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from infra.local_http import LambdaContext, http_api_event
from tests.integration.moto_table import empty, item_count, module_table_fixture
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Table
from touchpoint.domain.appointment import Job
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.timeutil import parse_utc
from touchpoint.handlers.admin import handler
from touchpoint.usecases.admin import Admin

NOW = parse_utc("2026-11-20T12:00:00Z")
STARTS = "2026-12-01T15:00:00-05:00"
CLINIC: dict[str, Any] = {
    "name": "Calm Waters",
    "timezone": "America/New_York",
    "sender": "+15005550006",
    "phone": "+12125550100",
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "reminders": [{"before": "P1D"}, {"before": "PT2H"}, {"days_before": 2, "at": "18:00"}],
    "follow_ups": [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P7D", "survey": "gad7"}],
    "discreet": True,
}
AUTHORIZER = {"jwt": {"claims": {"sub": "admin-1", "token_use": "access"}, "scopes": None}}
MESSAGE_STATES = {"pending", "queued", "sending", "sent", "skipped", "cancelled", "failed", "unknown"}


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body["error"]
        return error


@dataclass
class Api:
    dynamodb: DynamoDBClient
    table: Table
    service: Admin

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        authorized: bool = True,
        now: datetime = NOW,
    ) -> Reply:
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = {"content-type": "application/json", "host": "api.example.test"}
        event = http_api_event(method, path, "", headers, payload, now)
        if authorized:
            event["requestContext"]["authorizer"] = AUTHORIZER
        result = handler(event, LambdaContext("touchpoint-admin"), service=self.service)
        text = result.get("body") or ""
        return Reply(
            int(result["statusCode"]), json.loads(text) if text else None, result.get("headers") or {}
        )

    def item_count(self) -> int:
        return item_count(self.dynamodb, self.table.name)

    def items(self) -> list[dict[str, Any]]:
        paginator = self.dynamodb.get_paginator("scan")
        found = [item for page in paginator.paginate(TableName=self.table.name) for item in page["Items"]]
        return sorted(found, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))

    # Shortcuts for the happy path: each asserts its own success.

    def clinic(self, **overrides: Any) -> str:
        reply = self.call("POST", "/admin/clinics", CLINIC | overrides)
        assert reply.status == 201, reply.body
        return str(reply.body["clinic_id"])

    def patient(self, clinic_id: str, phone: str = "+15551230001", **extra: Any) -> str:
        reply = self.call(
            "POST", f"/admin/clinics/{clinic_id}/patients", {"first_name": "Ana", "phone": phone} | extra
        )
        assert reply.status == 201, reply.body
        return str(reply.body["patient_id"])

    def appointment(self, clinic_id: str, patient_id: str, starts_at: str = STARTS) -> dict[str, Any]:
        body = {"patient_id": patient_id, "starts_at": starts_at, "duration_minutes": 60}
        reply = self.call("POST", f"/admin/clinics/{clinic_id}/appointments", body)
        assert reply.status == 201, reply.body
        created: dict[str, Any] = reply.body
        return created


moto_table = module_table_fixture()


@pytest.fixture
def api(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Api:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "touchpoint")
    client, table_name = moto_table
    empty(client, table_name)
    table = Table(client, table_name)
    service = Admin(
        DynamoClinics(table),
        DynamoPatients(table),
        DynamoAppointments(table),
        DynamoMessageLog(table),
        DynamoAlerts(table),
        DynamoSurveys(table),
    )
    return Api(client, table, service)


@dataclass
class Booked:
    clinic_id: str
    patient_id: str
    appointment: dict[str, Any]

    @property
    def appointment_id(self) -> str:
        return str(self.appointment["appointment_id"])

    @property
    def path(self) -> str:
        return f"/admin/clinics/{self.clinic_id}/appointments/{self.appointment_id}"


@pytest.fixture
def booked(api: Api) -> Booked:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    return Booked(clinic_id, patient_id, api.appointment(clinic_id, patient_id))


def assert_refused(api: Api, reply: Reply, statuses: set[int], field: str, count_before: int) -> None:
    assert reply.status in statuses, (reply.status, reply.body)
    assert set(reply.error) >= {"code", "message"}
    assert isinstance(reply.error["code"], str)
    assert reply.error["code"]
    assert field in reply.error["message"], reply.error
    assert api.item_count() == count_before, "a refused request stored something"


def reminders(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["due_at"], m["state"]) for m in messages if m["kind"] == "reminder"]


# ---- authorization -------------------------------------------------------------------------

ROUTES = [
    ("POST", "/admin/clinics"),
    ("GET", "/admin/clinics/{c}"),
    ("PUT", "/admin/clinics/{c}"),
    ("POST", "/admin/clinics/{c}/patients"),
    ("GET", "/admin/clinics/{c}/patients/{p}"),
    ("GET", "/admin/clinics/{c}/patients/{p}/messages"),
    ("POST", "/admin/clinics/{c}/appointments"),
    ("GET", "/admin/clinics/{c}/appointments/{a}"),
    ("PATCH", "/admin/clinics/{c}/appointments/{a}"),
]
BODIES: dict[str, Any] = {
    "/admin/clinics": CLINIC | {"sender": "+15005550009"},
    "/admin/clinics/{c}": CLINIC | {"reminders": [{"before": "PT1H"}]},
    "/admin/clinics/{c}/patients": {"first_name": "Bo", "phone": "+15551230009"},
    "/admin/clinics/{c}/appointments": {"patient_id": "{p}", "starts_at": "2026-12-05T10:00:00"},
    "/admin/clinics/{c}/appointments/{a}": {"status": "cancelled"},
}


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_every_admin_route_answers_401_without_a_signed_in_admin_and_changes_nothing(
    api: Api, booked: Booked, method: str, route: str
) -> None:
    ids = {"{c}": booked.clinic_id, "{p}": booked.patient_id, "{a}": booked.appointment_id}
    path = route
    for placeholder, value in ids.items():
        path = path.replace(placeholder, value)
    body = json.loads(
        json.dumps(BODIES.get(route) if method != "GET" else None).replace("{p}", booked.patient_id)
    )
    before = api.items()

    reply = api.call(method, path, body, authorized=False)

    assert reply.status == 401
    assert reply.error["code"] == "unauthorized"
    assert "Authorization" in reply.error["message"]
    assert api.items() == before


def test_an_empty_authorizer_is_no_authorizer(api: Api) -> None:
    event = http_api_event("POST", "/admin/clinics", "", {}, json.dumps(CLINIC).encode(), NOW)
    event["requestContext"]["authorizer"] = {}

    result = handler(event, LambdaContext("touchpoint-admin"), service=api.service)

    assert result["statusCode"] == 401
    assert api.item_count() == 0


# ---- clinics -------------------------------------------------------------------------------


def test_post_clinic_answers_201_with_the_stored_clinic_and_its_id(api: Api) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | {"sender": "+1 (500) 555-0006"})

    assert reply.status == 201
    assert reply.body["clinic_id"].startswith("cl_")
    assert {k: reply.body[k] for k in CLINIC} == CLINIC
    assert reply.body["created_at"] == "2026-11-20T12:00:00Z"
    assert api.call("GET", f"/admin/clinics/{reply.body['clinic_id']}").body == reply.body


def test_a_clinic_takes_defaults_for_what_it_leaves_out(api: Api) -> None:
    minimal = {key: CLINIC[key] for key in ("name", "timezone", "sender", "phone")}

    reply = api.call("POST", "/admin/clinics", minimal)

    assert reply.status == 201
    assert reply.body["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert reply.body["reminders"] == [{"before": "P1D"}]
    assert reply.body["follow_ups"] == []
    assert reply.body["discreet"] is True


def test_a_messaging_service_sid_is_a_sender(api: Api) -> None:
    sid = "MG" + "0123456789abcdef" * 2

    reply = api.call("POST", "/admin/clinics", CLINIC | {"sender": sid})

    assert (reply.status, reply.body["sender"]) == (201, sid)


def test_get_unknown_clinic_is_404_naming_it(api: Api) -> None:
    reply = api.call("GET", "/admin/clinics/cl_nope")

    assert reply.status == 404
    assert reply.error["code"] == "not_found"
    assert "cl_nope" in reply.error["message"]


def test_put_clinic_replaces_the_settings_and_replans_unsent_messages(api: Api, booked: Booked) -> None:
    new_settings = CLINIC | {
        "name": "Calm Waters Midtown",
        "reminders": [{"before": "PT3H"}],
        "quiet_hours": None,
    }

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", new_settings, now=NOW + timedelta(hours=1))

    assert reply.status == 200
    assert reply.body["clinic_id"] == booked.clinic_id
    assert {k: reply.body[k] for k in CLINIC} == new_settings
    assert reply.body["updated_at"] == "2026-11-20T13:00:00Z"
    assert api.call("GET", f"/admin/clinics/{booked.clinic_id}").body == reply.body
    appointment = api.call("GET", booked.path).body
    assert reminders(appointment["messages"]) == [("2026-12-01T17:00:00Z", "pending")]


def test_put_clinic_can_take_back_what_get_returned(api: Api, booked: Booked) -> None:
    current = api.call("GET", f"/admin/clinics/{booked.clinic_id}").body

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", current | {"discreet": False})

    assert reply.status == 200
    assert reply.body["discreet"] is False


def test_a_sender_belongs_to_one_clinic(api: Api) -> None:
    api.clinic(sender="+15005550006")
    other = api.clinic(sender="+15005550007")
    count = api.item_count()

    created = api.call("POST", "/admin/clinics", CLINIC | {"sender": "+15005550006"})
    replaced = api.call("PUT", f"/admin/clinics/{other}", CLINIC | {"sender": "+15005550006"})

    assert_refused(api, created, {409}, "sender", count)
    assert_refused(api, replaced, {409}, "sender", count)
    assert api.call("GET", f"/admin/clinics/{other}").body["sender"] == "+15005550007"


BAD_CLINICS: list[tuple[dict[str, Any], str]] = [
    ({"name": 5}, "name"),
    ({"name": ""}, "name"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": 5}, "timezone"),
    ({"sender": "MG123"}, "sender"),
    ({"sender": "not a number"}, "sender"),
    ({"phone": "12"}, "phone"),
    ({"phone": "+1 212"}, "phone"),
    ({"phone": 12125550100}, "phone"),
    ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours"),
    ({"quiet_hours": {"start": "9pm", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": "21:00-08:00"}, "quiet_hours"),
    ({"reminders": [{"before": "PT0S"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P0D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "-P1D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P400D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P1M"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "tomorrow"}]}, "reminders[0].before"),
    ({"reminders": [{"before": 86400}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P1D"}, {"days_before": 45, "at": "18:00"}]}, "reminders[1].days_before"),
    ({"reminders": [{"days_before": True, "at": "18:00"}]}, "reminders[0].days_before"),
    ({"reminders": [{"days_before": 1, "at": "6pm"}]}, "reminders[0].at"),
    ({"reminders": [{"before": "P1D", "days_before": 1, "at": "18:00"}]}, "reminders[0]"),
    ({"reminders": [{"before": f"PT{n}H"} for n in range(1, 12)]}, "reminders"),
    ({"reminders": "P1D"}, "reminders"),
    ({"follow_ups": [{"after": "PT0S", "survey": "gad7"}]}, "follow_ups[0].after"),
    ({"follow_ups": [{"after": "-PT4H", "survey": "gad7"}]}, "follow_ups[0].after"),
    ({"follow_ups": [{"after": "P1000D", "survey": "gad7"}]}, "follow_ups[0].after"),
    ({"follow_ups": [{"after": "P1D", "survey": "bdi"}]}, "follow_ups[0].survey"),
    ({"discreet": "yes"}, "discreet"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CLINICS)
def test_post_clinic_refuses_bad_settings_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | change)

    assert_refused(api, reply, {400, 422}, field, 0)


# PUT runs the same validation as POST: a sample of each kind of mistake is enough there.
BAD_CLINIC_UPDATES: list[tuple[dict[str, Any], str]] = [
    ({"name": 5}, "name"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"sender": "MG123"}, "sender"),
    ({"phone": "+1 212"}, "phone"),
    ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours"),
    ({"reminders": [{"before": "PT0S"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "-P1D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P400D"}]}, "reminders[0].before"),
    ({"reminders": [{"days_before": 45, "at": "18:00"}]}, "reminders[0].days_before"),
    ({"follow_ups": [{"after": "P1D", "survey": "bdi"}]}, "follow_ups[0].survey"),
    ({"discreet": "yes"}, "discreet"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CLINIC_UPDATES)
def test_put_clinic_refuses_bad_settings_naming_the_field_and_changes_nothing(
    api: Api, booked: Booked, change: dict[str, Any], field: str
) -> None:
    before = api.items()

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", CLINIC | change)

    assert_refused(api, reply, {400, 422}, field, len(before))
    assert api.items() == before


@pytest.mark.parametrize(
    "raw", [b"{", b"", b"not json", b'{"name": "Calm",}', b"\xff\xfe", b"{" * 5 + b"}" * 4]
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_malformed_json_on_clinics_is_400(api: Api, booked: Booked, method: str, raw: bytes) -> None:
    path = "/admin/clinics" if method == "POST" else f"/admin/clinics/{booked.clinic_id}"
    before = api.items()

    reply = api.call(method, path, raw=raw)

    assert_refused(api, reply, {400}, "body", len(before))
    assert api.items() == before


@pytest.mark.parametrize("body", [[], "Calm Waters", 42, None])
def test_a_clinic_body_that_is_not_an_object_is_refused(api: Api, body: Any) -> None:
    reply = api.call("POST", "/admin/clinics", raw=json.dumps(body).encode())

    assert_refused(api, reply, {400, 422}, "body", 0)


def test_an_oversized_body_is_refused(api: Api) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | {"name": "x" * 70_000})

    assert_refused(api, reply, {400, 413, 422}, "body", 0)


def test_put_unknown_clinic_is_404_and_stores_nothing(api: Api) -> None:
    reply = api.call("PUT", "/admin/clinics/cl_nope", CLINIC)

    assert_refused(api, reply, {404}, "cl_nope", 0)


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
    assert api.item_count() == count + 1 + len(created["messages"])


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


def test_an_unknown_route_is_404(api: Api) -> None:
    reply = api.call("DELETE", "/admin/clinics/cl_1")

    assert reply.status in {404, 405}
    assert "error" in reply.body


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
