"""Twilio's webhooks at the handler, on moto: a clinic's data, signed webhook requests as Twilio
sends them, the admin API to read back, and the real scheduler pass and sender in between.

Used by the inbound integration tests; each module builds its own `World` on its module table.
"""

import base64
import io
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from mypy_boto3_dynamodb import DynamoDBClient
from twilio.request_validator import RequestValidator

from infra.local_http import LambdaContext, http_api_event
from tests.integration.moto_table import empty, item_count
from touchpoint import bootstrap
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.table import Table, to_attributes
from touchpoint.adapters.sns_alerts import PrintedAlerts
from touchpoint.adapters.twilio_sms import OutboxSms
from touchpoint.domain.delivery import JobRef
from touchpoint.handlers import admin as admin_handler
from touchpoint.handlers import inbound as inbound_handler
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.inbound import Inbound
from touchpoint.usecases.scheduling import run_scheduler_pass
from touchpoint.usecases.sending import Delivery, Sender

AUTH_TOKEN = "inbound-test-auth-token"
ACCOUNT_SID = "AC" + "7" * 32
PUBLIC_URL = "https://touchpoint.example.test"
# The scheduler needs one to start; the tests hand it a ListQueue, so nothing is sent there.
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/touchpoint-send-world"
INBOUND_URL = PUBLIC_URL + "/twilio/inbound"
STATUS_URL = PUBLIC_URL + "/twilio/status"

CLINIC_NUMBER = "+15005550006"
CLINIC_PHONE = "+12125550100"
PATIENT_PHONE = "+15551230001"
STRANGER_PHONE = "+15559870002"

# Tuesday 5 March 2030, 15:00 in New York (EST, UTC-5); the PT2H reminder falls due at 13:00.
BOOKED_AT = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
STARTS_AT = "2030-03-05T15:00:00-05:00"
DUE_AT = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)
AFTER_REMINDER = DUE_AT + timedelta(minutes=10)

ADMIN_AUTHORIZER = {
    "jwt": {
        "claims": {"sub": "admin-1", "token_use": "access", "cognito:groups": "[platform_admin]"},
        "scopes": None,
    }
}

CLINIC_SETTINGS: dict[str, Any] = {
    "name": "Calm Waters",
    "timezone": "America/New_York",
    "sender": CLINIC_NUMBER,
    "phone": CLINIC_PHONE,
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "reminders": [{"before": "PT2H"}],
    "discreet": True,
}


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def incoming_sms(
    body: str, sender: str = PATIENT_PHONE, to: str = CLINIC_NUMBER, sid: str | None = None, **extra: str
) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS."""
    message_sid = sid or new_message_sid()
    return {
        "ToCountry": "US",
        "ToState": "NY",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "ToCity": "NEW YORK",
        "FromZip": "10001",
        "SmsSid": message_sid,
        "FromState": "NY",
        "SmsStatus": "received",
        "FromCity": "NEW YORK",
        "Body": body,
        "FromCountry": "US",
        "To": to,
        "ToZip": "10001",
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def status_callback(
    sid: str, status: str, error_code: str | None = None, to: str = PATIENT_PHONE
) -> dict[str, str]:
    """The form Twilio posts to a message's StatusCallback."""
    form = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": to,
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": CLINIC_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


class FormPairs:
    """Every pair of a form, a repeated field's values too, as the SDK's validator reads a
    MultiDict (`getall`): what Twilio signs."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self.pairs))

    def getall(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]


def sign(url: str, params: dict[str, str] | list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    form = FormPairs(params) if isinstance(params, list) else params
    return str(RequestValidator(token).compute_signature(url, form))


def webhook_event(
    path: str,
    params: dict[str, str],
    *,
    signature: str | None,
    query: str = "",
    body: str | None = None,
    base64_body: bool = True,
    now: datetime = AFTER_REMINDER,
) -> dict[str, Any]:
    """An HTTP API v2 event of Twilio's POST: form-encoded, base64 as API Gateway passes it, or plain."""
    raw = (urlencode(params) if body is None else body).encode()
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "host": "touchpoint.example.test",
        "user-agent": "TwilioProxy/1.1",
        "i-twilio-idempotency-token": secrets.token_hex(8),
    }
    if signature is not None:
        headers["x-twilio-signature"] = signature
    event = http_api_event("POST", path, query, headers, raw, now)
    assert event["isBase64Encoded"] is True  # what API Gateway does with a form body
    if not base64_body:
        event["isBase64Encoded"] = False
        event["body"] = raw.decode()
    else:
        assert base64.b64decode(event["body"]) == raw
    return event


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def content_type(self) -> str:
        return next((value for name, value in self.headers.items() if name.lower() == "content-type"), "")


class ListQueue:
    """The send queue, kept in memory: the scheduler pass puts job references here."""

    def __init__(self) -> None:
        self.refs: list[JobRef] = []

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        self.refs += refs
        return []

    def take(self) -> list[JobRef]:
        taken, self.refs = self.refs, []
        return taken


@dataclass
class World:
    client: DynamoDBClient
    table: Table
    alerts: PrintedAlerts = field(default_factory=lambda: PrintedAlerts(stream=io.StringIO()))
    outbox: OutboxSms = field(default_factory=lambda: OutboxSms(stream=io.StringIO()))
    queue: ListQueue = field(default_factory=ListQueue)

    # The use cases as bootstrap wires them from the functions' environment (TABLE_NAME is this
    # table), with the alert publisher and the SMS gateway swapped for ones that keep what they
    # were given.

    @property
    def inbound(self) -> Inbound:
        return bootstrap.inbound(alerts=self.alerts)

    @property
    def service(self) -> Admin:
        return bootstrap.admin()

    @property
    def jobs(self) -> DynamoJobs:
        return bootstrap.job_repository()

    @property
    def sender(self) -> Sender:
        return bootstrap.sender(sms=self.outbox)

    # ---- Twilio's side ----

    def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        url: str | None = None,
        token: str = AUTH_TOKEN,
        signed: bool = True,
        query: str = "",
        **event_options: Any,
    ) -> Response:
        """A webhook request, signed (by default) for the URL Twilio would call."""
        target = url or (PUBLIC_URL + path + (f"?{query}" if query else ""))
        signature = sign(target, params, token) if signed else None
        return self.call(webhook_event(path, params, signature=signature, query=query, **event_options))

    def call(self, event: dict[str, Any], inbound: Inbound | None = None) -> Response:
        result = inbound_handler.handler(
            event,
            LambdaContext("touchpoint-inbound"),
            inbound=inbound or self.inbound,
            signature_check=bootstrap.signature_check(auth_token=AUTH_TOKEN),
        )
        return Response(
            int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or ""
        )

    def text(self, body: str, sender: str = PATIENT_PHONE, **options: Any) -> Response:
        """The patient texts the clinic."""
        to = options.pop("to", CLINIC_NUMBER)
        sid = options.pop("sid", None)
        return self.post("/twilio/inbound", incoming_sms(body, sender, to, sid), **options)

    def status(self, sid: str, status: str, error_code: str | None = None) -> Response:
        return self.post("/twilio/status", status_callback(sid, status, error_code))

    # ---- the clinic's side: the admin API ----

    def admin(self, method: str, path: str, body: Any = None, now: datetime = BOOKED_AT) -> tuple[int, Any]:
        payload = b"" if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json", "host": "api.example.test"}
        event = http_api_event(method, path, "", headers, payload, now)
        event["requestContext"]["authorizer"] = ADMIN_AUTHORIZER
        result = admin_handler.handler(event, LambdaContext("touchpoint-admin"), service=self.service)
        text = result.get("body") or ""
        return int(result["statusCode"]), json.loads(text) if text else None

    def get(self, path: str) -> Any:
        status, body = self.admin("GET", path)
        assert status == 200, body
        return body

    def clinic(self, **overrides: Any) -> str:
        status, body = self.admin("POST", "/admin/clinics", CLINIC_SETTINGS | overrides)
        assert status == 201, body
        return str(body["clinic_id"])

    def patient(self, clinic_id: str, phone: str = PATIENT_PHONE, first_name: str = "Ana") -> str:
        status, body = self.admin(
            "POST", f"/admin/clinics/{clinic_id}/patients", {"first_name": first_name, "phone": phone}
        )
        assert status == 201, body
        return str(body["patient_id"])

    def appointment(self, clinic_id: str, patient_id: str, starts_at: str = STARTS_AT) -> str:
        status, body = self.admin(
            "POST",
            f"/admin/clinics/{clinic_id}/appointments",
            {"patient_id": patient_id, "starts_at": starts_at, "duration_minutes": 60},
        )
        assert status == 201, body
        return str(body["appointment_id"])

    def patient_view(self, clinic_id: str, patient_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/admin/clinics/{clinic_id}/patients/{patient_id}")
        return found

    def messages(self, clinic_id: str, patient_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(f"/admin/clinics/{clinic_id}/patients/{patient_id}/messages")[
            "items"
        ]
        return items

    def appointment_view(self, clinic_id: str, appointment_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/admin/clinics/{clinic_id}/appointments/{appointment_id}")
        return found

    def alerts_of(self, clinic_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(f"/admin/clinics/{clinic_id}/alerts")["items"]
        return items

    # ---- the scheduler and the sender ----

    def schedule(self, now: datetime = DUE_AT) -> list[JobRef]:
        run_scheduler_pass(self.jobs, self.queue, now)
        return self.queue.take()

    def deliver(self, refs: list[JobRef], now: datetime = DUE_AT) -> list[Delivery]:
        return [self.sender.deliver(ref, now) for ref in refs]

    def send_due(self, now: datetime = DUE_AT) -> list[Delivery]:
        return self.deliver(self.schedule(now), now)

    # ---- the table ----

    def count(self) -> int:
        return item_count(self.client, self.table.name)

    def partition(self, pk: str, prefix: str = "") -> list[dict[str, Any]]:
        condition = "pk = :pk" + (" AND begins_with(sk, :prefix)" if prefix else "")
        values = {":pk": pk} | ({":prefix": prefix} if prefix else {})
        return list(
            self.table.query(
                KeyConditionExpression=condition, ExpressionAttributeValues=to_attributes(values)
            )
        )

    def consent_ledger(self, patient_id: str) -> list[dict[str, Any]]:
        return self.partition(f"PATIENT#{patient_id}", "CONSENT#")

    def inbound_records(self, message_sid: str) -> list[dict[str, Any]]:
        """Every stored message item that is the inbound SMS with this MessageSid."""
        pages = self.client.get_paginator("scan").paginate(
            TableName=self.table.name,
            FilterExpression="#type = :message AND twilio_sid = :sid AND direction = :inbound",
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues=to_attributes(
                {":message": "message", ":sid": message_sid, ":inbound": "inbound"}
            ),
        )
        return [item for page in pages for item in page["Items"]]


def environment(monkeypatch: pytest.MonkeyPatch, table_name: str) -> None:
    """What the functions' environment holds, and what bootstrap kept emptied for it."""
    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("QUEUE_URL", QUEUE_URL)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "touchpoint")
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_SECRET_NAME", "ALERTS_TOPIC_ARN"):
        monkeypatch.delenv(name, raising=False)
    bootstrap.reset()


def world_fixture(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    client, table_name = moto_table
    empty(client, table_name)
    environment(monkeypatch, table_name)
    try:
        yield World(client, Table(client, table_name))
    finally:
        bootstrap.reset()
