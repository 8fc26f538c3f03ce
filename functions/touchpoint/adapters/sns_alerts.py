"""Alerts reach the clinic's people: SNS topics in AWS (e-mail, SMS, pager), the terminal locally.
An open crisis alert's escalation goes to a topic of its own, for whoever must step in then.

The notification names the patient by first name and id only: no phone number and no message
text leave the system this way; the clinic reads those in Touchpoint.
"""

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from touchpoint.domain.alerts import Alert, AlertKind
from touchpoint.domain.timeutil import utc_iso

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

HEADLINES = {
    AlertKind.CRISIS: "URGENT: a patient's reply signals a crisis",
    AlertKind.SEVERE_SCORE: "A patient's questionnaire score is in the severe range",
    AlertKind.RESCHEDULE_REQUEST: "A patient asked to reschedule",
}
ESCALATION = "ESCALATION"


def _who(alert: Alert) -> str:
    if alert.patient_id:
        return f"{alert.first_name} (patient {alert.patient_id})"
    return "a number not registered with the clinic"


def alert_notice(alert: Alert, clinic_name: str) -> tuple[str, str]:
    """(subject, message) of the notification."""
    headline = HEADLINES[alert.kind]
    message = (
        f"{headline}.\n\nClinic: {clinic_name}\nPatient: {_who(alert)}\nAt: {utc_iso(alert.at)}\n"
        f"Alert id: {alert.alert_id}\n\nOpen Touchpoint to read the message and act."
    )
    if alert.kind is AlertKind.CRISIS:
        message += " The patient was given the 988 Suicide & Crisis Lifeline and 911."
    return f"Touchpoint: {headline}"[:100], message


def _minutes_open(alert: Alert, now: datetime) -> int:
    return max(int((now - alert.at).total_seconds() // 60), 0)


def escalation_notice(alert: Alert, clinic_name: str) -> tuple[str, str]:
    """(subject, message) of an escalation: the alert is still open, nobody has acknowledged it."""
    now = alert.escalated_at or alert.at
    headline = f"{ESCALATION}: crisis alert open {_minutes_open(alert, now)} min, not acknowledged"
    message = (
        f"{headline}.\n\nClinic: {clinic_name}\nPatient: {_who(alert)}\nRaised at: {utc_iso(alert.at)}\n"
        f"Escalation: {alert.escalations}\nAlert id: {alert.alert_id}\n\n"
        "Nobody has acknowledged this crisis alert yet. Open Touchpoint, reach the patient, and "
        "acknowledge the alert with a note on what was done."
    )
    return f"Touchpoint: {headline}"[:100], message


class SnsAlerts:
    """Alerts to the alerts topic, or escalations to the escalations topic (one client, two ARNs)."""

    def __init__(self, client: "SNSClient", topic_arn: str) -> None:
        self.client = client
        self.topic_arn = topic_arn

    def publish(self, alert: Alert, clinic_name: str) -> None:
        self._send(alert, *alert_notice(alert, clinic_name))

    def escalate(self, alert: Alert, clinic_name: str) -> None:
        self._send(alert, *escalation_notice(alert, clinic_name), escalation=alert.escalations)

    def _send(self, alert: Alert, subject: str, message: str, escalation: int | None = None) -> None:
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "kind": {"DataType": "String", "StringValue": alert.kind.value}
        }
        if escalation is not None:
            attributes["escalation"] = {"DataType": "Number", "StringValue": str(escalation)}
        self.client.publish(
            TopicArn=self.topic_arn,
            Subject=subject,
            Message=message,
            MessageAttributes=attributes,
        )


@dataclass
class PrintedAlerts:
    """The local stand-in for both topics: prints each notification."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    published: list[Alert] = field(default_factory=list)
    escalated: list[Alert] = field(default_factory=list)

    def publish(self, alert: Alert, clinic_name: str) -> None:
        self.published.append(alert)
        subject, _ = alert_notice(alert, clinic_name)
        print(
            f"[alert] {subject} ({alert.alert_id}, patient {alert.patient_id})", file=self.stream, flush=True
        )

    def escalate(self, alert: Alert, clinic_name: str) -> None:
        self.escalated.append(alert)
        subject, _ = escalation_notice(alert, clinic_name)
        print(
            f"[alert] {subject.removeprefix('Touchpoint: ')} (escalation {alert.escalations}, "
            f"{alert.alert_id}, patient {alert.patient_id})",
            file=self.stream,
            flush=True,
        )
