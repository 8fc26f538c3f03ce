"""The admin API (contract section 3) at the handler: API Gateway HTTP API v2 events in, the real
DynamoDB repositories on moto underneath.

Used by the admin integration tests (test_admin_*.py): each builds its own module table
(`moto_table = module_table_fixture()`) and assigns the fixtures below to module names,
e.g. `api = admin_world.api`.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from infra.local_http import LambdaContext, http_api_event
from tests.integration.moto_table import empty, item_count
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.audit import DynamoAudit
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.courses import DynamoCourses
from touchpoint.adapters.dynamo.lists import DynamoLists
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Table
from touchpoint.domain.access import Role, groups_of
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


def staff(role: Role, clinics: list[str], name: str = "staff-1") -> dict[str, Any]:
    """The claims of a signed-in user with `role` in `clinics`, as API Gateway passes them on."""
    return {
        "sub": f"sub-{name}",
        "username": name,
        "token_use": "access",
        "cognito:groups": groups_of(role, clinics),
    }


AUTHORIZER = {
    "jwt": {
        "claims": {"sub": "admin-1", "token_use": "access", "cognito:groups": "[platform_admin]"},
        "scopes": None,
    }
}


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
        claims: dict[str, Any] | None = None,
        now: datetime = NOW,
        query: str = "",
    ) -> Reply:
        """One request, signed in as a platform admin unless `claims` says who else."""
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = {"content-type": "application/json", "host": "api.example.test"}
        event = http_api_event(method, path, query, headers, payload, now)
        if authorized:
            event["requestContext"]["authorizer"] = (
                {"jwt": {"claims": claims, "scopes": None}} if claims is not None else AUTHORIZER
            )
        result = handler(event, LambdaContext("touchpoint-admin"), service=self.service)
        text = result.get("body") or ""
        headers = result.get("headers") or {}
        as_json = text and headers.get("Content-Type", "").startswith("application/json")
        return Reply(int(result["statusCode"]), json.loads(text) if as_json else text or None, headers)

    def item_count(self) -> int:
        return item_count(self.dynamodb, self.table.name)

    def items(self) -> list[dict[str, Any]]:
        paginator = self.dynamodb.get_paginator("scan")
        pages = paginator.paginate(TableName=self.table.name)
        # The audit log's entries record requests, refused ones too: not what a request stored.
        found = [item for page in pages for item in page["Items"] if not item["pk"]["S"].startswith("AUDIT#")]
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
        DynamoAudit(table),
        DynamoLists(table),
        DynamoCourses(table),
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
