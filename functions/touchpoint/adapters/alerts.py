"""Alerts reach the clinic's people: an SNS topic in AWS (e-mail, SMS, pager), the terminal locally.

The notification names the patient by first name and id only: no phone number and no message
text leave the system this way; the clinic reads those in Touchpoint.
"""

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from touchpoint.domain.inbound import Alert
from touchpoint.domain.timeutil import utc_iso

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

HEADLINES = {
    "crisis": "URGENT: a patient's reply signals a crisis",
    "severe_score": "A patient's questionnaire score is in the severe range",
    "reschedule_request": "A patient asked to reschedule",
}


def alert_notice(alert: Alert, clinic_name: str, first_name: str | None) -> tuple[str, str]:
    """(subject, message) of the notification."""
    headline = HEADLINES.get(alert.kind, f"Alert: {alert.kind}")
    who = (
        f"{first_name} (patient {alert.patient_id})"
        if alert.patient_id
        else "a number not registered with the clinic"
    )
    message = (
        f"{headline}.\n\nClinic: {clinic_name}\nPatient: {who}\nAt: {utc_iso(alert.at)}\n"
        f"Alert id: {alert.alert_id}\n\nOpen Touchpoint to read the message and act."
    )
    if alert.kind == "crisis":
        message += " The patient was given the 988 Suicide & Crisis Lifeline and 911."
    return f"Touchpoint: {headline}"[:100], message


class SnsAlerts:
    def __init__(self, client: "SNSClient", topic_arn: str) -> None:
        self.client = client
        self.topic_arn = topic_arn

    def publish(self, alert: Alert, clinic_name: str, first_name: str | None) -> None:
        subject, message = alert_notice(alert, clinic_name, first_name)
        self.client.publish(
            TopicArn=self.topic_arn,
            Subject=subject,
            Message=message,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": alert.kind}},
        )


@dataclass
class PrintedAlerts:
    """The local stand-in for the topic: prints each notification."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    published: list[Alert] = field(default_factory=list)

    def publish(self, alert: Alert, clinic_name: str, first_name: str | None) -> None:
        self.published.append(alert)
        subject, _ = alert_notice(alert, clinic_name, first_name)
        print(
            f"[alert] {subject} ({alert.alert_id}, patient {alert.patient_id})", file=self.stream, flush=True
        )
