"""The people and the clinics of the demo (infra/demo.py), and the Story that drives the local
stack for them: admin calls, signed webhook requests, what each patient answers, and what the
clinic's people do with the alerts they get."""

import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from twilio.request_validator import RequestValidator

from infra.local_stack import LOCAL_AUTH_TOKEN, LocalStack

NEW_YORK = ZoneInfo("America/New_York")
ADMIN_TOKEN = "demo-token"  # noqa: S105 (the in-process stack's own token)
PUBLIC_URL = "http://127.0.0.1:3000"
MAX_EXCHANGE = 12  # replies in one back-and-forth, at most

Responder = Callable[["Person", str, int], str | None]


@dataclass
class Person:
    name: str
    phone: str
    zone: ZoneInfo
    clinic: str
    respond: Responder
    patient_id: str = ""
    received: int = 0  # scheduled SMS so far
    # What the clinician who acknowledges this patient's crisis alert at once writes; None: nobody
    # does, and the alert is acknowledged with `escalated_note` only once it was escalated twice.
    clinician_note: str | None = None
    escalated_note: str | None = None
    language: str | None = None  # "es": every text in Spanish; None: the clinic's default
    heard: list[str] = field(default_factory=list)  # every SMS the patient got, in order


@dataclass
class Clinic:
    clinic_id: str
    sender: str


@dataclass
class Story:
    stack: LocalStack
    clinics: dict[str, Clinic] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)  # by phone
    appointments: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (clinic, id)
    inbound_count: int = 0
    crisis_replies: list[str] = field(default_factory=list)
    paged: io.StringIO = field(default_factory=io.StringIO)  # what the alert printer printed
    paged_shown: int = 0
    extra_ticks: list[datetime] = field(default_factory=list)  # passes for the alerts left open
    left_open: dict[str, Person] = field(default_factory=dict)  # by alert id
    passes: list[tuple[datetime, int]] = field(default_factory=list)  # each tick, and what it escalated
    courses: dict[str, str] = field(default_factory=dict)  # a patient's first name -> course id
    settled: set[str] = field(default_factory=set)  # appointments with no message pending

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
        status, _, raw = self.stack.http(method, path, headers, json.dumps(body).encode() if body else b"")
        payload: dict[str, Any] = json.loads(raw)
        if status >= 400:
            raise SystemExit(f"demo: {method} {path} answered {status}: {payload}")
        return payload

    def add_clinic(self, key: str, settings: dict[str, Any]) -> None:
        clinic = self.call("POST", "/admin/clinics", settings)
        self.clinics[key] = Clinic(clinic["clinic_id"], clinic["sender"])
        rules = [json.dumps(rule) for rule in clinic["reminders"] + clinic["follow_ups"]]
        print(
            f"Clinic {clinic['name']} ({clinic['timezone']}, discreet: {clinic['discreet']}), quiet hours "
            f"{clinic['quiet_hours']['start']}-{clinic['quiet_hours']['end']}: {', '.join(rules)}"
        )

    def add_patient(self, person: Person) -> Person:
        body = {"first_name": person.name, "phone": person.phone, "timezone": person.zone.key}
        patient = self.call(
            "POST",
            f"/admin/clinics/{self.clinics[person.clinic].clinic_id}/patients",
            body | ({"language": person.language} if person.language else {}),
        )
        person.patient_id = patient["patient_id"]
        self.people[person.phone] = person
        language = f", reads {person.language}" if person.language else ""
        print(f"  patient {person.name:<5} {person.zone.key}{language}")
        return person

    def path(self, clinic: str, rest: str = "") -> str:
        return f"/admin/clinics/{self.clinics[clinic].clinic_id}{rest}"

    def book(self, label: str, person: Person, starts_at: datetime) -> None:
        appointment = self.call(
            "POST",
            self.path(person.clinic, "/appointments"),
            {"patient_id": person.patient_id, "starts_at": starts_at.isoformat(), "duration_minutes": 60},
        )
        self.appointments[label] = (person.clinic, appointment["appointment_id"])
        local = starts_at.astimezone(person.zone)
        print(f"  booked  {label:<28} {person.name:<5} {local:%a %b %d %H:%M %Z}")
        for message in appointment["messages"]:
            due = datetime.fromisoformat(message["due_at"]).astimezone(person.zone)
            note = f" ({message['reason']})" if message.get("reason") else ""
            print(f"          {message['rule']:<26} due {due:%a %b %d %H:%M %Z}  {message['state']}{note}")

    def text_clinic(self, person: Person, body: str) -> str | None:
        """The patient's SMS, as Twilio posts it to the webhook (signed); returns the reply."""
        self.inbound_count += 1
        form = {
            "MessageSid": f"SM{self.inbound_count:032x}",
            "AccountSid": "AC" + "0" * 32,
            "From": person.phone,
            "To": self.clinics[person.clinic].sender,
            "Body": body,
        }
        signature = RequestValidator(LOCAL_AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}/twilio/inbound", form)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        status, _, raw = self.stack.http("POST", "/twilio/inbound", headers, urlencode(form).encode())
        if status != 200:
            raise SystemExit(f"demo: the webhook answered {status}")
        message = ElementTree.fromstring(raw).find("Message")  # noqa: S314 (the stack's own TwiML)
        return message.text if message is not None else None

    def converse(self, person: Person, text: str, nth: int) -> None:
        """The patient answers what they got, and goes on answering the replies."""
        person.heard.append(text)
        for _ in range(MAX_EXCHANGE):
            answer = person.respond(person, text, nth)
            if answer is None:
                return
            print(f"    {person.name} replies: {answer}")
            reply = self.text_clinic(person, answer)
            print(f"    clinic answers: {reply}" if reply else "    (no answer)")
            if reply is None:
                return
            person.heard.append(reply)
            self.show_notifications()
            if "988" in reply:
                self.crisis_replies.append(reply)
                self.after_crisis(person)
            text, nth = reply, 0

    def show_notifications(self) -> None:
        """What reached the clinic's people since last shown (the SNS topics, printed locally)."""
        lines = self.paged.getvalue().splitlines()
        for line in lines[self.paged_shown :]:
            print(f"    {line}")
        self.paged_shown = len(lines)

    def after_crisis(self, person: Person) -> None:
        """A clinician acknowledges the patient's open crisis alert with a note at once; or nobody
        does, and the scheduler's passes escalate it until someone does."""
        path = self.path(person.clinic, "/alerts")
        [alert] = [
            alert
            for alert in self.call("GET", f"{path}?kind=crisis&state=open")["items"]
            if alert["patient_id"] == person.patient_id
        ]
        if person.clinician_note is not None:
            self.acknowledge(person, alert["alert_id"], person.clinician_note)
            return
        minutes = self.call("GET", self.path(person.clinic))["escalation_minutes"]
        first = at_minute(datetime.fromisoformat(alert["at"]) + timedelta(minutes=minutes, seconds=1))
        # The pass that escalates it, one within the interval that must not, and the next one.
        self.extra_ticks += [
            first,
            first + timedelta(minutes=minutes // 2),
            first + timedelta(minutes=minutes),
        ]
        self.left_open[alert["alert_id"]] = person
        print(
            f"    (nobody acknowledges {alert['alert_id']}: it escalates every {minutes} minutes until someone does)"
        )

    def acknowledge(self, person: Person, alert_id: str, note: str) -> None:
        done = self.call("POST", self.path(person.clinic, f"/alerts/{alert_id}/acknowledge"), {"note": note})
        print(
            f"    [clinician {done['acknowledged_by']}] acknowledges {alert_id} "
            f'(POST .../alerts/{{alert_id}}/acknowledge): "{done["note"]}"'
        )

    def acknowledge_escalated(self) -> None:
        """The one paged by the second escalation steps in."""
        for alert_id, person in list(self.left_open.items()):
            alerts = self.call("GET", self.path(person.clinic, "/alerts?kind=crisis&state=open"))["items"]
            if any(alert["alert_id"] == alert_id and alert["escalations"] >= 2 for alert in alerts):
                self.acknowledge(person, alert_id, person.escalated_note or "")
                del self.left_open[alert_id]

    def pending_due_times(self) -> list[datetime]:
        """When the pending messages fall due. An appointment found with none pending is not
        read again: its messages gain a pending one only from one that is (a nudge, a checklist's
        deadline) or from a change to it, which the demo makes only at the end."""
        due: list[datetime] = []
        for label, (clinic, appointment_id) in self.appointments.items():
            if label in self.settled:
                continue
            appointment = self.call("GET", self.path(clinic, f"/appointments/{appointment_id}"))
            pending = [
                datetime.fromisoformat(message["due_at"])
                for message in appointment["messages"]
                if message["state"] == "pending"
            ]
            if not pending:
                self.settled.add(label)
            due += pending
        return sorted(due)


# ---- what each patient answers ---------------------------------------------------------------


def by_count(script: dict[int, str]) -> Responder:
    """Answers the n-th scheduled SMS (replies to replies get no answer)."""
    return lambda person, text, nth: script.get(nth)


def check_in_answers(anxiety: list[str], gad7: list[str]) -> Responder:
    """Y to an invitation, then this week's answers; C to a reminder."""

    def respond(person: Person, text: str, nth: int) -> str | None:
        if "Reply Y to begin" in text:
            return "Y"
        if text.startswith("Q1/1 "):
            return anxiety.pop(0)
        if text.startswith("Q1/7 "):
            return gad7.pop(0)
        if "Reply C to confirm" in text:
            return "C"
        return None

    return respond


def spanish_answers(gad7_labels: list[str]) -> Responder:
    """A patient who reads Spanish: "sí" to the reminder and to an invitation, 4 to the 0-10,
    the GAD-7 in its Spanish labels; then asks for help (AYUDA) and opts out (ALTO)."""
    asked_for_help: list[str] = []

    def respond(person: Person, text: str, nth: int) -> str | None:
        if "Responda C para confirmar" in text or "Responda SI para comenzar" in text:
            return "sí"
        if text.startswith("P1/1 "):
            return "4"
        if re.match(r"P\d/7 ", text) and gad7_labels:
            return gad7_labels.pop(0)
        if "Hemos compartido sus respuestas" in text and not gad7_labels and not asked_for_help:
            asked_for_help.append(text)
            return "AYUDA"
        if ": para obtener ayuda" in text:
            return "ALTO"
        return None

    return respond


def phq9_answers(person: Person, text: str, nth: int) -> str | None:
    return "2 2 1 2 1 1 1 0 1" if text.startswith("Q1/9 ") else None


def at_minute(instant: datetime) -> datetime:
    """The scheduler fires on whole minutes: the first one at or after `instant`."""
    whole = instant.replace(second=0, microsecond=0)
    return whole if whole == instant else whole + timedelta(minutes=1)
