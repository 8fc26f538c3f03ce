"""What an alert or escalation notification carries through SNS on moto (issue 10, item 4): no PHI
in the subject or the body, a link to the console (or the admin API route), and the `clinic_id` and
`kind` message attributes a clinic's own subscription filters on."""

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mypy_boto3_sns import SNSClient
from mypy_boto3_sqs import SQSClient

from tests.conftest import Aws
from touchpoint import bootstrap
from touchpoint.adapters.sns_alerts import SnsAlerts
from touchpoint.domain.alerts import Alert, AlertKind, new_alert
from touchpoint.settings import FromEnv, InboundSettings, SchedulerSettings

RAISED = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
CLINIC_A, CLINIC_B = "cl_0a1b2c3d4e5f60718293", "cl_9f8e7d6c5b4a39281706"
CLINIC_NAME = "Serenity Ketamine Clinic"
FIRST_NAME = "Marisol"
PATIENT_ID = "pt_4c1d2e3f4a5b6c7d8e9f"
PHONE = "+15005550123"
TEXT = "i want to end it all tonight, goodbye"
CONSOLE = "https://console.example.test"
# Words a lock screen or a forwarded e-mail must never show, whatever the alert.
NEVER_SHOWN = ("crisis", "suicide", "ketamine", FIRST_NAME, PATIENT_ID, PHONE, "5550123", TEXT, CLINIC_NAME)


def alert(kind: AlertKind = AlertKind.CRISIS, clinic_id: str = CLINIC_A, alert_id: str = "") -> Alert:
    raised = new_alert(
        alert_id or f"al_{kind.value[:4]}{clinic_id[-12:]}",
        clinic_id,
        kind,
        RAISED,
        TEXT,
        escalation_interval=timedelta(minutes=15),
        patient_id=PATIENT_ID,
        first_name=FIRST_NAME,
        phone=PHONE,
        rule="ideation" if kind is AlertKind.CRISIS else None,
    )
    return replace(raised, escalations=2, escalated_at=RAISED + timedelta(minutes=30))


@dataclass
class Inbox:
    """An SQS queue subscribed to the topic: what an e-mail subscription would be sent."""

    sqs: SQSClient
    url: str

    def notifications(self) -> list[dict[str, Any]]:
        received = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in received]


@dataclass
class Topic:
    sns: SNSClient
    sqs: SQSClient
    arn: str

    def inbox(self, name: str, filter_policy: dict[str, list[str]] | None = None) -> Inbox:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        attributes = {"FilterPolicy": json.dumps(filter_policy)} if filter_policy else {}
        self.sns.subscribe(TopicArn=self.arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        return Inbox(self.sqs, url)


@pytest.fixture
def topic(aws: Aws) -> Topic:
    return Topic(aws.sns, aws.sqs, aws.sns.create_topic(Name="touchpoint-alerts-it")["TopicArn"])


def sent(topic: Topic, send: str, raised: Alert, console_url: str | None = None) -> dict[str, Any]:
    inbox = topic.inbox(f"inbox-{send}")
    getattr(SnsAlerts(topic.sns, topic.arn, console_url), send)(raised)
    [notification] = inbox.notifications()
    return notification


# Every kind is published (each must have its plain words); only a crisis alert escalates.
SENDS = [*(("publish", kind) for kind in AlertKind), ("escalate", AlertKind.CRISIS)]


@pytest.mark.parametrize(("send", "kind"), SENDS)
@pytest.mark.parametrize("console_url", [None, CONSOLE])
def test_neither_subject_nor_body_holds_a_name_the_text_a_phone_the_clinic_or_the_condition(
    topic: Topic, send: str, kind: AlertKind, console_url: str | None
) -> None:
    notification = sent(topic, send, alert(kind), console_url)

    for part in ("Subject", "Message"):
        shown = notification[part].casefold()
        assert [word for word in NEVER_SHOWN if word.casefold() in shown] == [], part


@pytest.mark.parametrize(("send", "kind"), SENDS)
def test_each_notification_names_the_alert_and_the_clinic_by_id(
    topic: Topic, send: str, kind: AlertKind
) -> None:
    raised = alert(kind)

    notification = sent(topic, send, raised)

    assert raised.alert_id in notification["Subject"]
    assert f"Alert: {raised.alert_id}" in notification["Message"]
    assert f"Clinic id: {CLINIC_A}" in notification["Message"]
    assert "Kind: " in notification["Message"]
    assert len(notification["Subject"]) <= 100
    assert notification["Subject"].isascii()


@pytest.mark.parametrize(("send", "kind"), SENDS)
def test_each_notification_carries_clinic_id_and_kind_attributes(
    topic: Topic, send: str, kind: AlertKind
) -> None:
    attributes = sent(topic, send, alert(kind))["MessageAttributes"]

    assert attributes["clinic_id"] == {"Type": "String", "Value": CLINIC_A}
    assert attributes["kind"] == {"Type": "String", "Value": kind.value}


def test_an_escalation_also_carries_its_count_and_says_so_in_the_subject(topic: Topic) -> None:
    notification = sent(topic, "escalate", alert())

    assert notification["MessageAttributes"]["escalation"] == {"Type": "Number", "Value": "2"}
    assert notification["Subject"].startswith("Touchpoint: ESCALATION")
    assert "30 min" in notification["Subject"]


@pytest.mark.parametrize(("kind", "urgent"), [(AlertKind.CRISIS, True), (AlertKind.SEVERE_SCORE, False)])
def test_only_a_crisis_alert_says_urgent(topic: Topic, kind: AlertKind, urgent: bool) -> None:
    notification = sent(topic, "publish", alert(kind))

    assert ("urgent" in notification["Subject"]) is urgent
    assert ("Kind: urgent" in notification["Message"]) is urgent


@pytest.mark.parametrize(("send", "kind"), SENDS)
def test_with_a_console_url_the_body_links_to_the_alerts_page(
    topic: Topic, send: str, kind: AlertKind
) -> None:
    raised = alert(kind)

    message = sent(topic, send, raised, CONSOLE + "/")["Message"]

    assert f"{CONSOLE}/#/alerts/{raised.alert_id}" in message
    assert "/admin/clinics/" not in message


@pytest.mark.parametrize(("send", "kind"), SENDS)
def test_without_a_console_url_the_body_names_the_admin_api_route(
    topic: Topic, send: str, kind: AlertKind
) -> None:
    message = sent(topic, send, alert(kind))["Message"]

    assert f"GET /admin/clinics/{CLINIC_A}/alerts" in message
    assert "#/alerts/" not in message


def test_a_clinics_filtered_subscription_receives_its_alerts_only_and_the_default_receives_all(
    topic: Topic,
) -> None:
    everyone = topic.inbox("inbox-platform")  # AlertEmail: no filter policy
    clinic_a = topic.inbox("inbox-clinic-a", {"clinic_id": [CLINIC_A]})
    clinic_b = topic.inbox("inbox-clinic-b", {"clinic_id": [CLINIC_B]})
    alerts = SnsAlerts(topic.sns, topic.arn, CONSOLE)
    of_a, of_b = (
        alert(clinic_id=CLINIC_A, alert_id="al_of_clinic_a"),
        alert(clinic_id=CLINIC_B, alert_id="al_of_b"),
    )

    alerts.publish(of_a)
    alerts.escalate(of_b)

    def ids(inbox: Inbox) -> list[str]:
        return sorted(n["MessageAttributes"]["clinic_id"]["Value"] for n in inbox.notifications())

    assert ids(clinic_a) == [CLINIC_A]
    assert ids(clinic_b) == [CLINIC_B]
    assert ids(everyone) == sorted([CLINIC_A, CLINIC_B])


@pytest.mark.parametrize(
    ("publisher", "send", "environment"),
    [
        (bootstrap.alert_publisher, "publish", {"ALERTS_TOPIC_ARN": "{arn}"}),
        (
            bootstrap.escalation_publisher,
            "escalate",
            {"ESCALATIONS_TOPIC_ARN": "{arn}", "QUEUE_URL": "https://q.test/q"},
        ),
    ],
)
def test_the_functions_link_to_the_console_url_of_their_environment(
    topic: Topic, monkeypatch: pytest.MonkeyPatch, publisher: Any, send: str, environment: dict[str, str]
) -> None:
    for name, value in environment.items() | {("TABLE_NAME", "touchpoint-t"), ("CONSOLE_URL", CONSOLE + "/")}:
        monkeypatch.setenv(name, value.format(arn=topic.arn))
    inbox = topic.inbox("inbox-wired")
    raised = alert()
    bootstrap.reset()
    try:
        getattr(publisher(), send)(raised)
    finally:
        bootstrap.reset()

    [notification] = inbox.notifications()
    assert f"{CONSOLE}/#/alerts/{raised.alert_id}" in notification["Message"]


@pytest.mark.parametrize("model", [InboundSettings, SchedulerSettings])
def test_a_console_url_that_is_not_http_fails_at_cold_start_naming_it(model: type[FromEnv]) -> None:
    environ = {
        "TABLE_NAME": "touchpoint-t",
        "QUEUE_URL": "https://q.test/q",
        "CONSOLE_URL": "console.example.test",
    }
    with pytest.raises(RuntimeError, match="CONSOLE_URL \\(an http\\(s\\) URL\\)"):
        model.from_env(environ)
