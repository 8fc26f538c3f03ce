"""Alerts a clinician must close (contract section 7) through the real handlers on moto: raised by
a signed webhook, listed and acknowledged through the admin API, escalated by the scheduler's
pass, published to an SNS topic."""

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from infra.local_http import LambdaContext, http_api_event
from tests.bench.run import RequestCounter
from tests.conftest import REGION
from tests.integration.inbound_world import (
    AFTER_REMINDER,
    DUE_AT,
    PATIENT_PHONE,
    STRANGER_PHONE,
    ListQueue,
    World,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.keys import ESCALATION_INDEX
from touchpoint.adapters.dynamo.table import Table, to_attributes
from touchpoint.adapters.sns_alerts import PrintedAlerts, SnsAlerts
from touchpoint.domain.alerts import Alert
from touchpoint.domain.crisis import explain
from touchpoint.handlers import admin as admin_handler
from touchpoint.handlers import scheduler as scheduler_handler
from touchpoint.usecases.escalation import Escalation

moto_table = module_table_fixture()

CLINICIAN = {"sub": "7c9e2a54", "cognito:username": "dr-lee", "email": "lee@calm.example", "token_use": "id"}
CRISIS_TEXT = "I want to end it all"
RULE_OF_CRISIS_TEXT = getattr(explain(CRISIS_TEXT), "rule", None)
RAISED = AFTER_REMINDER
DUE = RAISED + timedelta(minutes=15)


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@dataclass
class Reply:
    status: int
    body: Any


def admin(
    world: World,
    method: str,
    path: str,
    body: Any = None,
    *,
    query: str = "",
    raw: bytes | None = None,
    claims: dict[str, Any] | None = None,
    role: str = "clinician",
    now: datetime = RAISED + timedelta(minutes=5),
) -> Reply:
    payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    headers = {"content-type": "application/json", "host": "api.example.test"}
    event = http_api_event(method, path, query, headers, payload, now)
    claims = claims or CLINICIAN
    if "cognito:groups" not in claims:  # `role` in the clinic the path names
        clinic = re.search(r"/admin/clinics/([^/]+)", path)
        claims = claims | {"cognito:groups": f"[{role} clinic:{clinic.group(1) if clinic else ''}]"}
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    result = admin_handler.handler(event, LambdaContext("touchpoint-admin"), service=world.service)
    text = result.get("body") or ""
    return Reply(int(result["statusCode"]), json.loads(text) if text else None)


@dataclass
class Patient:
    clinic_id: str
    patient_id: str

    def alerts(self, world: World, query: str = "") -> list[dict[str, Any]]:
        reply = admin(world, "GET", f"/admin/clinics/{self.clinic_id}/alerts", query=query)
        assert reply.status == 200, reply.body
        items: list[dict[str, Any]] = reply.body["items"]
        return items

    def acknowledge(self, world: World, alert_id: str, body: Any = None, **options: Any) -> Reply:
        path = f"/admin/clinics/{self.clinic_id}/alerts/{alert_id}/acknowledge"
        return admin(
            world, "POST", path, {"note": "Called her; she is safe."} if body is None else body, **options
        )


@pytest.fixture
def ana(world: World) -> Patient:
    clinic_id = world.clinic()
    return Patient(clinic_id, world.patient(clinic_id))


def in_crisis(world: World, patient: Patient, at: datetime = RAISED) -> dict[str, Any]:
    world.text(CRISIS_TEXT, now=at)
    [alert] = [
        a for a in patient.alerts(world) if a["kind"] == "crisis" and a["at"] == f"{at:%Y-%m-%dT%H:%M:%SZ}"
    ]
    return alert


def escalation(world: World, publisher: Any) -> Escalation:
    return Escalation(DynamoAlerts(world.table), DynamoClinics(world.table), publisher)


def schedule(world: World, now: datetime, publisher: Any, queue: ListQueue | None = None) -> dict[str, int]:
    event = {"time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    result: dict[str, int] = scheduler_handler.handler(
        event,
        LambdaContext("touchpoint-scheduler"),
        jobs=world.jobs,
        queue=queue or world.queue,
        escalation=escalation(world, publisher),
    )
    return result


def printed() -> PrintedAlerts:
    return PrintedAlerts(stream=io.StringIO())


def stored_alert_items(world: World, clinic_id: str) -> list[dict[str, Any]]:
    return world.partition(f"CLINIC#{clinic_id}", "ALERT#")


# ---- raised -------------------------------------------------------------------------------------


def test_a_crisis_reply_raises_an_open_alert_with_the_first_name_and_the_rule(
    world: World, ana: Patient
) -> None:
    alert = in_crisis(world, ana)

    assert RULE_OF_CRISIS_TEXT  # the crisis net names the rule that fired
    assert {key: alert[key] for key in ("patient_id", "first_name", "kind", "text", "state", "rule")} == {
        "patient_id": ana.patient_id,
        "first_name": "Ana",
        "kind": "crisis",
        "text": CRISIS_TEXT,
        "state": "open",
        "rule": RULE_OF_CRISIS_TEXT,
    }
    assert (alert["acknowledged_by"], alert["acknowledged_at"], alert["note"], alert["escalations"]) == (
        None,
        None,
        None,
        0,
    )


def test_a_crisis_from_an_unknown_number_raises_an_open_alert_with_no_first_name(
    world: World, ana: Patient
) -> None:
    world.text("i want to die", sender=STRANGER_PHONE)

    [alert] = ana.alerts(world)
    assert (alert["patient_id"], alert["first_name"], alert["phone"], alert["state"]) == (
        None,
        None,
        STRANGER_PHONE,
        "open",
    )
    assert ana.acknowledge(world, alert["alert_id"]).status == 200


# ---- acknowledged -------------------------------------------------------------------------------


def test_a_clinician_acknowledges_with_a_note_signed_with_their_name_at_the_request_time(
    world: World, ana: Patient
) -> None:
    alert = in_crisis(world, ana)
    at = RAISED + timedelta(minutes=4)

    reply = ana.acknowledge(
        world, alert["alert_id"], {"note": "Called Ana at once; safe with her sister."}, now=at
    )

    assert reply.status == 200, reply.body
    assert reply.body == {
        **alert,
        "state": "acknowledged",
        "acknowledged_by": "dr-lee",
        "acknowledged_at": f"{at:%Y-%m-%dT%H:%M:%SZ}",
        "note": "Called Ana at once; safe with her sister.",
    }
    assert ana.alerts(world) == [reply.body]


@pytest.mark.parametrize(
    ("claims", "name"),
    [
        ({"email": "kim@calm.example", "sub": "1b2c", "token_use": "id"}, "kim@calm.example"),
        ({"username": "dr-kim", "sub": "1b2c", "token_use": "access"}, "dr-kim"),
        ({"sub": "1b2c", "token_use": "access"}, "1b2c"),
    ],
)
def test_the_acknowledgement_is_signed_with_the_best_name_the_token_holds(
    world: World, ana: Patient, claims: dict[str, Any], name: str
) -> None:
    alert = in_crisis(world, ana)

    reply = ana.acknowledge(world, alert["alert_id"], claims=claims)

    assert reply.body["acknowledged_by"] == name


def test_a_second_acknowledgement_answers_409_and_keeps_the_first(world: World, ana: Patient) -> None:
    alert = in_crisis(world, ana)
    first = ana.acknowledge(world, alert["alert_id"]).body

    again = ana.acknowledge(world, alert["alert_id"], {"note": "me too"}, claims={"sub": "someone-else"})

    assert again.status == 409
    assert again.body["error"]["code"] == "conflict"
    assert ana.alerts(world) == [first]


def test_an_unknown_alert_another_clinics_alert_and_an_unknown_clinic_answer_404(
    world: World, ana: Patient
) -> None:
    alert = in_crisis(world, ana)
    other = Patient(world.clinic(sender="+15005550009"), "")
    before = stored_alert_items(world, ana.clinic_id)

    for patient, alert_id in (
        (ana, "al_00000000000000000000"),
        (other, alert["alert_id"]),
        (ana, "x" * 5000),
    ):
        reply = patient.acknowledge(world, alert_id)
        assert reply.status == 404, reply.body
        assert reply.body["error"]["code"] == "not_found"
    missing_clinic = admin(
        world, "POST", f"/admin/clinics/cl_missing/alerts/{alert['alert_id']}/acknowledge", {"note": "x"}
    )
    assert missing_clinic.status == 404
    assert stored_alert_items(world, ana.clinic_id) == before


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        (b"not json", 400, "body"),
        (b"", 400, "body"),
        (b"[" * 50_000 + b"]" * 50_000, 400, "body"),
        (json.dumps({"note": [[[[[[["deep"]]]]]]]}).encode(), 422, "note"),
        (b'["Called her"]', 422, "body"),
        (b'"Called her"', 422, "body"),
        (b"{}", 422, "note"),
        (b'{"note": 3}', 422, "note"),
        (b'{"note": null}', 422, "note"),
        (b'{"note": ""}', 422, "note"),
        (json.dumps({"note": "x" * 2001}).encode(), 422, "note"),
        (b'{"note": "ok", "acknowledged_by": "the patient"}', 422, "acknowledged_by"),
        (b'{"note": "ok", "state": "acknowledged"}', 422, "state"),
        (b'{"note": "ok \\ud800"}', 400, "body"),  # a lone surrogate: valid JSON, no storable text
    ],
)
def test_a_bad_acknowledgement_body_answers_4xx_naming_the_field_and_changes_nothing(
    world: World, ana: Patient, raw: bytes, status: int, field: str
) -> None:
    alert = in_crisis(world, ana)
    before = world.count(), stored_alert_items(world, ana.clinic_id)

    reply = ana.acknowledge(world, alert["alert_id"], raw=raw)

    assert reply.status == status, reply.body
    assert reply.body["error"]["field"] == field
    assert field in reply.body["error"]["message"]
    assert (world.count(), stored_alert_items(world, ana.clinic_id)) == before


def test_a_patients_later_replies_never_close_an_alert(world: World, ana: Patient) -> None:
    alert = in_crisis(world, ana)

    for later, body in enumerate(["sorry, I'm fine now", "C", "HELP", "STOP", "START", "ok"], start=1):
        world.text(body, now=RAISED + timedelta(minutes=later))

    [still] = [a for a in ana.alerts(world) if a["alert_id"] == alert["alert_id"]]
    assert still == alert
    assert ana.alerts(world, "kind=crisis&state=open") == [alert]


# ---- listed and filtered --------------------------------------------------------------------


def test_alerts_are_listed_newest_first_and_filtered_by_kind_and_state(world: World, ana: Patient) -> None:
    world.appointment(ana.clinic_id, ana.patient_id)
    world.send_due()
    world.text("R", now=RAISED)
    [reschedule] = ana.alerts(world)
    first = in_crisis(world, ana, RAISED + timedelta(minutes=1))
    second = in_crisis(world, ana, RAISED + timedelta(minutes=2))
    ana.acknowledge(world, first["alert_id"])

    def ids(query: str = "") -> list[str]:
        return [alert["alert_id"] for alert in ana.alerts(world, query)]

    assert ids() == [second["alert_id"], first["alert_id"], reschedule["alert_id"]]
    assert ids("kind=crisis&state=open") == [second["alert_id"]]
    assert ids("state=open") == [second["alert_id"], reschedule["alert_id"]]
    assert ids("state=acknowledged") == [first["alert_id"]]
    assert ids("kind=crisis") == [second["alert_id"], first["alert_id"]]
    assert ids("kind=reschedule_request") == [reschedule["alert_id"]]
    assert ids("kind=severe_score") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=panic", "kind"),
        ("state=closed", "state"),
        ("kind=crisis&state=", "state"),
        ("kind=" + "k" * 3000, "kind"),
    ],
)
def test_an_unknown_filter_value_answers_400_naming_the_parameter(
    world: World, ana: Patient, query: str, field: str
) -> None:
    reply = admin(world, "GET", f"/admin/clinics/{ana.clinic_id}/alerts", query=query)

    assert reply.status == 400
    assert reply.body["error"]["field"] == field
    assert len(reply.body["error"]["message"]) < 200


# ---- escalation_minutes -------------------------------------------------------------------------


def test_escalation_minutes_is_a_clinic_setting_in_post_put_and_get(world: World) -> None:
    clinic_id = world.clinic(escalation_minutes=5)
    path = f"/admin/clinics/{clinic_id}"
    assert admin(world, "GET", path).body["escalation_minutes"] == 5

    settings = {k: v for k, v in admin(world, "GET", path).body.items() if k not in ("escalation_minutes",)}
    assert admin(world, "PUT", path, settings, role="clinic_admin").body["escalation_minutes"] == 15
    refused = admin(world, "PUT", path, settings | {"escalation_minutes": 0}, role="clinic_admin")
    assert (refused.status, refused.body["error"]["field"]) == (422, "escalation_minutes")
    assert admin(world, "GET", path).body["escalation_minutes"] == 15


def test_a_clinic_stored_without_escalation_minutes_reads_as_15(world: World) -> None:
    clinic_id = world.clinic()
    world.client.update_item(
        TableName=world.table.name,
        Key=to_attributes({"pk": f"CLINIC#{clinic_id}", "sk": "PROFILE"}),
        UpdateExpression="REMOVE settings.escalation_minutes",
    )

    assert admin(world, "GET", f"/admin/clinics/{clinic_id}").body["escalation_minutes"] == 15


# ---- escalated by the scheduler's pass ----------------------------------------------------------


def test_an_open_crisis_alert_is_escalated_by_the_pass_after_escalation_minutes_once_per_interval(
    world: World, ana: Patient
) -> None:
    alert = in_crisis(world, ana)
    topic = printed()

    counts = [
        schedule(world, DUE + timedelta(minutes=minute), topic)["escalated"] for minute in (-1, 0, 1, 14, 15)
    ]

    assert counts == [0, 1, 0, 0, 1]
    [now] = [a for a in ana.alerts(world) if a["alert_id"] == alert["alert_id"]]
    assert (now["state"], now["escalations"], now["escalated_at"]) == (
        "open",
        2,
        f"{DUE + timedelta(minutes=15):%Y-%m-%dT%H:%M:%SZ}",
    )
    lines = topic.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 2
    assert all(line.startswith("[alert] ESCALATION") and alert["alert_id"] in line for line in lines)
    assert all(PATIENT_PHONE not in line and CRISIS_TEXT not in line for line in lines)


def test_the_clinics_escalation_minutes_set_when_the_pass_escalates(world: World) -> None:
    clinic_id = world.clinic(escalation_minutes=3)
    patient = Patient(clinic_id, world.patient(clinic_id))
    in_crisis(world, patient)

    assert schedule(world, RAISED + timedelta(minutes=2), printed())["escalated"] == 0
    assert schedule(world, RAISED + timedelta(minutes=3), printed())["escalated"] == 1


def test_an_acknowledged_alert_leaves_the_escalation_index_and_is_never_escalated(
    world: World, ana: Patient
) -> None:
    alert = in_crisis(world, ana)
    assert len(escalation_index(world)) == 1

    ana.acknowledge(world, alert["alert_id"], now=RAISED + timedelta(minutes=2))

    assert escalation_index(world) == []
    assert schedule(world, RAISED + timedelta(hours=6), printed())["escalated"] == 0
    assert ana.alerts(world)[0]["escalations"] == 0


def test_only_open_crisis_alerts_are_on_the_escalation_index(world: World, ana: Patient) -> None:
    world.appointment(ana.clinic_id, ana.patient_id)
    world.send_due()
    world.text("R")  # a reschedule_request alert
    crisis = in_crisis(world, ana, AFTER_REMINDER + timedelta(minutes=1))

    assert [item["alert_id"] for item in escalation_index(world)] == [crisis["alert_id"]]
    assert {a["kind"] for a in ana.alerts(world)} == {"crisis", "reschedule_request"}


def escalation_index(world: World) -> list[dict[str, Any]]:
    return list(
        world.table.query(
            IndexName=ESCALATION_INDEX,
            KeyConditionExpression="escalation_pk = :pk",
            ExpressionAttributeValues=to_attributes({":pk": "ESCALATION"}),
        )
    )


def test_two_passes_at_once_escalate_an_alert_once(world: World, ana: Patient) -> None:
    in_crisis(world, ana)
    read_by_both = list(DynamoAlerts(world.table).due_for_escalation(DUE, 10))

    class ReadBeforeTheOtherWrote(DynamoAlerts):
        def due_for_escalation(self, now: datetime, limit: int) -> Iterator[Alert]:
            return iter(read_by_both)

    topic = printed()
    first = escalation(world, topic).run(DUE)
    second = Escalation(ReadBeforeTheOtherWrote(world.table), DynamoClinics(world.table), topic).run(DUE)

    assert (first.escalated, second.escalated) == (1, 0)
    assert len(topic.escalated) == 1
    assert ana.alerts(world)[0]["escalations"] == 1


class RefusingTopic(PrintedAlerts):
    def escalate(self, alert: Alert) -> None:
        raise RuntimeError("SNS is unavailable")


def test_a_refused_escalation_leaves_the_reminders_going_is_not_counted_and_is_retried(
    world: World, ana: Patient, caplog: pytest.LogCaptureFixture
) -> None:
    world.appointment(ana.clinic_id, ana.patient_id)  # its reminder falls due at DUE_AT
    alert = in_crisis(world, ana, DUE_AT - timedelta(minutes=15))
    queue = ListQueue()

    refused = schedule(world, DUE_AT, RefusingTopic(stream=io.StringIO()), queue)

    assert (refused["queued"], refused["escalated"], refused["escalations_not_published"]) == (1, 0, 1)
    assert len(queue.take()) == 1
    assert ana.alerts(world)[0]["escalations"] == 0
    [logged] = [record for record in caplog.records if record.getMessage() == "escalation not published"]
    assert (logged.levelname, logged.alert_ids) == ("ERROR", [alert["alert_id"]])
    assert PATIENT_PHONE not in caplog.text
    assert CRISIS_TEXT not in caplog.text

    topic = printed()
    retried = schedule(world, DUE_AT + timedelta(minutes=1), topic)

    assert retried["escalated"] == 1
    assert [a.alert_id for a in topic.escalated] == [alert["alert_id"]]
    assert ana.alerts(world)[0]["escalations"] == 1


def test_an_escalation_reaches_the_escalations_topic_without_name_phone_or_text(
    world: World, ana: Patient
) -> None:
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic_arn = sns.create_topic(Name="touchpoint-escalations-it")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="escalations-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    alert = in_crisis(world, ana)

    assert schedule(world, DUE, SnsAlerts(sns, topic_arn))["escalated"] == 1

    [received] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    notification = json.loads(received["Body"])
    assert notification["Subject"].startswith("Touchpoint: ESCALATION")
    message = notification["Message"]
    assert alert["alert_id"] in message
    assert ana.clinic_id in message
    assert "Ana" not in message
    assert PATIENT_PHONE not in message
    assert CRISIS_TEXT not in message
    assert notification["MessageAttributes"]["kind"]["Value"] == "crisis"
    assert notification["MessageAttributes"]["clinic_id"]["Value"] == ana.clinic_id
    assert notification["MessageAttributes"]["escalation"]["Value"] == "1"


def test_a_pass_costs_one_query_more_for_escalations_however_many_alerts_wait(
    world: World, ana: Patient
) -> None:
    def requests_of_a_pass(now: datetime) -> int:
        counter, client = RequestCounter(), boto3.client("dynamodb", region_name=REGION)
        counter.attach(client)
        table = Table(client, world.table.name)
        Escalation(DynamoAlerts(table), DynamoClinics(table), printed()).run(now)
        assert counter.calls["Scan"] == 0
        return counter.total()

    assert requests_of_a_pass(RAISED) == 1
    for minute in range(5):
        in_crisis(world, ana, RAISED + timedelta(minutes=minute))

    assert requests_of_a_pass(RAISED + timedelta(minutes=10)) == 1  # open, none due yet
    # Due: one clinic read for the pass, one conditional update per alert.
    assert requests_of_a_pass(RAISED + timedelta(minutes=30)) == 1 + 1 + 5
