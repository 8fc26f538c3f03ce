"""Alerts reach the clinic's people: SNS topics in AWS (e-mail, SMS, pager), the terminal locally.
An open crisis alert's escalation goes to a topic of its own, for whoever must step in then.

A notification holds no PHI, by design: e-mail and pagers are outside the system and a lock screen
shows the subject to anyone nearby. It carries the alert's id, its kind (as a word that names no
condition), the clinic's id and where to read the alert: the console's page of it when a console
URL is configured, else the admin API's list. Never the patient's name or id, a phone number, the
message text or the clinic's name; the clinician reads those in Touchpoint, signed in. Every
message has `clinic_id` and `kind` message attributes, so that a clinic can subscribe its own
address with a filter policy on its clinic id (docs/deploy.md).
"""

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote

from touchpoint.domain.alerts import Alert, AlertKind

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

# How the notification names each kind: plain words a passer-by learns nothing from.
KIND_WORDS = {
    AlertKind.CRISIS: "urgent, a clinician must respond now",
    AlertKind.SEVERE_SCORE: "a check-in for a clinician to review",
    AlertKind.RESCHEDULE_REQUEST: "a request to reschedule",
    AlertKind.CHECKLIST: "a session checklist to review",
    AlertKind.NO_IMPROVEMENT: "a course's progress to review",
    AlertKind.WORSENING: "a course's progress to review",
    AlertKind.DROP_OUT: "a course with no next session booked",
}
ESCALATION = "ESCALATION"
MAX_SUBJECT_CHARS = 100  # SNS refuses a longer subject
NO_PHI = "This notification holds no patient information, by design: sign in to Touchpoint to read the alert."


def where_to_read(alert: Alert, console_url: str | None) -> str:
    """The console's page of the alert, or the admin API route that lists the clinic's alerts."""
    if console_url:
        return f"{console_url.rstrip('/')}/#/alerts/{quote(alert.alert_id, safe='')}"
    return f"GET /admin/clinics/{quote(alert.clinic_id, safe='')}/alerts (the admin API)"


def _facts(alert: Alert, console_url: str | None) -> str:
    return (
        f"Alert: {alert.alert_id}\nKind: {KIND_WORDS[alert.kind]}\nClinic id: {alert.clinic_id}\n"
        f"Read it: {where_to_read(alert, console_url)}"
    )


def alert_notice(alert: Alert, console_url: str | None = None) -> tuple[str, str]:
    """(subject, message) of the notification."""
    urgent = "an urgent alert" if alert.kind is AlertKind.CRISIS else "an alert"
    subject = f"Touchpoint: {urgent} needs a clinician ({alert.alert_id})"
    message = f"Touchpoint: {urgent} needs a clinician.\n\n{_facts(alert, console_url)}\n\n{NO_PHI}"
    return subject[:MAX_SUBJECT_CHARS], message


def _minutes_open(alert: Alert, now: datetime) -> int:
    return max(int((now - alert.at).total_seconds() // 60), 0)


def escalation_notice(alert: Alert, console_url: str | None = None) -> tuple[str, str]:
    """(subject, message) of an escalation: the alert is still open, nobody has acknowledged it."""
    minutes = _minutes_open(alert, alert.escalated_at or alert.at)
    subject = f"Touchpoint: {ESCALATION}, urgent alert unacknowledged for {minutes} min ({alert.alert_id})"
    message = (
        f"{ESCALATION}: nobody has acknowledged this urgent alert {minutes} min after it was raised "
        f"(escalation {alert.escalations}).\n\n{_facts(alert, console_url)}\n\n"
        f"Open the alert, reach the patient, and acknowledge it with a note on what was done.\n\n{NO_PHI}"
    )
    return subject[:MAX_SUBJECT_CHARS], message


class SnsAlerts:
    """Alerts to the alerts topic, or escalations to the escalations topic (one client, two ARNs)."""

    def __init__(self, client: "SNSClient", topic_arn: str, console_url: str | None = None) -> None:
        self.client = client
        self.topic_arn = topic_arn
        self.console_url = console_url

    def publish(self, alert: Alert) -> None:
        self._send(alert, *alert_notice(alert, self.console_url))

    def escalate(self, alert: Alert) -> None:
        self._send(alert, *escalation_notice(alert, self.console_url), escalation=alert.escalations)

    def _send(self, alert: Alert, subject: str, message: str, escalation: int | None = None) -> None:
        # What subscription filter policies match on: a clinic's own address takes its clinic_id.
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "clinic_id": {"DataType": "String", "StringValue": alert.clinic_id},
            "kind": {"DataType": "String", "StringValue": alert.kind.value},
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
    """The local stand-in for both topics: prints each notification's subject."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    published: list[Alert] = field(default_factory=list)
    escalated: list[Alert] = field(default_factory=list)

    def publish(self, alert: Alert) -> None:
        self.published.append(alert)
        subject, _ = alert_notice(alert)
        print(f"[alert] {subject} (clinic {alert.clinic_id})", file=self.stream, flush=True)

    def escalate(self, alert: Alert) -> None:
        self.escalated.append(alert)
        subject, _ = escalation_notice(alert)
        print(
            f"[alert] {subject.removeprefix('Touchpoint: ')} (clinic {alert.clinic_id})",
            file=self.stream,
            flush=True,
        )
