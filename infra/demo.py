"""`make demo`: one clinic's week, end to end, in simulated time, through the real handlers.

A clinic, three patients (one in another time zone), appointments on both sides of the next
daylight-saving change, one reminder that falls in quiet hours, one cancelled appointment.
The scheduler runs at each minute a message falls due; every SMS is shown as the patient
would see it, with the patient's local time. Patients answer by SMS through the signed Twilio
webhook: one confirms, one asks to reschedule, one asks for HELP then opts out (and gets no
further reminder), one writes in crisis and is given 988 at once. The clinic's alerts close it.
"""

import io
import json
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from twilio.request_validator import RequestValidator

from infra.local_stack import LOCAL_AUTH_TOKEN, LocalConfig, LocalStack

CLINIC_ZONE = ZoneInfo("America/New_York")
ADMIN_TOKEN = "demo-token"  # noqa: S105 (the in-process stack's own token)
PUBLIC_URL = "http://127.0.0.1:3000"
CLINIC_NUMBER = "+15005550006"

# What each patient answers to their n-th SMS (1-based).
REPLIES: dict[tuple[str, int], list[str]] = {
    ("Ana", 1): ["c"],
    ("Ana", 2): ["Honestly I can't go on. I want to end it all"],
    ("Ben", 1): ["R"],
    ("Cleo", 1): ["HELP"],
    ("Cleo", 3): ["STOP"],
}


@dataclass
class Person:
    name: str
    phone: str
    zone: ZoneInfo
    patient_id: str = ""


class Story:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.clinic_id = ""
        self.people: dict[str, Person] = {}
        self.appointments: dict[str, str] = {}  # label -> appointment_id
        self.inbound_count = 0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
        status, _, raw = self.stack.http(method, path, headers, json.dumps(body).encode() if body else b"")
        payload: dict[str, Any] = json.loads(raw)
        if status >= 400:
            raise SystemExit(f"demo: {method} {path} answered {status}: {payload}")
        return payload

    def book(self, label: str, person: Person, starts_at: datetime) -> dict[str, Any]:
        appointment = self.call(
            "POST",
            f"/admin/clinics/{self.clinic_id}/appointments",
            {"patient_id": person.patient_id, "starts_at": starts_at.isoformat(), "duration_minutes": 60},
        )
        self.appointments[label] = appointment["appointment_id"]
        local = starts_at.astimezone(person.zone)
        print(f"  booked  {label:<28} {person.name:<5} {local:%a %b %d %H:%M %Z}")
        for message in appointment["messages"]:
            due = datetime.fromisoformat(message["due_at"]).astimezone(person.zone)
            note = f" ({message['reason']})" if message.get("reason") else ""
            print(f"          {message['rule']:<22} due {due:%a %b %d %H:%M %Z}  {message['state']}{note}")
        return appointment

    def text_clinic(self, person: Person, body: str) -> str | None:
        """The patient's SMS, as Twilio posts it to the webhook (signed); returns the reply."""
        self.inbound_count += 1
        form = {
            "MessageSid": f"SM{self.inbound_count:032x}",
            "AccountSid": "AC" + "0" * 32,
            "From": person.phone,
            "To": CLINIC_NUMBER,
            "Body": body,
        }
        signature = RequestValidator(LOCAL_AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}/twilio/inbound", form)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        status, _, raw = self.stack.http("POST", "/twilio/inbound", headers, urlencode(form).encode())
        if status != 200:
            raise SystemExit(f"demo: the webhook answered {status}")
        message = ElementTree.fromstring(raw).find("Message")  # noqa: S314 (the stack's own TwiML)
        return message.text if message is not None else None

    def pending_due_times(self) -> list[datetime]:
        due: list[datetime] = []
        for appointment_id in self.appointments.values():
            appointment = self.call("GET", f"/admin/clinics/{self.clinic_id}/appointments/{appointment_id}")
            due += [
                datetime.fromisoformat(message["due_at"])
                for message in appointment["messages"]
                if message["state"] == "pending"
            ]
        return sorted(due)


def next_dst_change(zone: ZoneInfo, after: date) -> date:
    """The first day on which the zone's offset at noon differs from the day before."""
    day = after
    for _ in range(400):
        today = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        tomorrow = datetime.combine(day + timedelta(days=1), time(12), tzinfo=zone).utcoffset()
        if today != tomorrow:
            return day + timedelta(days=1)
        day += timedelta(days=1)
    raise RuntimeError(f"{zone.key} has no daylight-saving change in the next year")


def at_minute(instant: datetime) -> datetime:
    """The scheduler fires on whole minutes: the first one at or after `instant`."""
    whole = instant.replace(second=0, microsecond=0)
    return whole if whole == instant else whole + timedelta(minutes=1)


def main() -> int:
    config = LocalConfig(port=0, public_url=PUBLIC_URL, admin_token=ADMIN_TOKEN, auto_tick=False)
    with LocalStack(config) as stack:
        from touchpoint.adapters import factory

        outbox = factory.outbox()
        outbox.stream = io.StringIO()  # the demo prints each SMS itself, as the patient sees it
        factory.printed_alerts().stream = sys.stdout
        return play(Story(stack), outbox)


def play(story: Story, outbox: Any) -> int:
    change = next_dst_change(CLINIC_ZONE, datetime.now(UTC).date() + timedelta(days=4))
    print(f"Touchpoint demo: Calm Waters, the week of the daylight-saving change on {change:%a %b %d %Y}\n")

    clinic = story.call(
        "POST",
        "/admin/clinics",
        {
            "name": "Calm Waters",
            "timezone": CLINIC_ZONE.key,
            "sender": CLINIC_NUMBER,
            "phone": "+12125550100",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
            "reminders": [{"days_before": 2, "at": "18:00"}, {"before": "P1D"}, {"before": "PT2H"}],
            "discreet": True,
        },
    )
    story.clinic_id = clinic["clinic_id"]
    print(
        f"Clinic {clinic['name']} ({clinic['timezone']}), quiet hours "
        f"{clinic['quiet_hours']['start']}-{clinic['quiet_hours']['end']}, reminders "
        + ", ".join(json.dumps(rule) for rule in clinic["reminders"])
        + "\n"
    )
    for person in (
        Person("Ana", "+15551230001", CLINIC_ZONE),
        Person("Ben", "+15551230002", ZoneInfo("America/Los_Angeles")),
        Person("Cleo", "+15551230003", CLINIC_ZONE),
    ):
        patient = story.call(
            "POST",
            f"/admin/clinics/{story.clinic_id}/patients",
            {"first_name": person.name, "phone": person.phone, "timezone": person.zone.key},
        )
        person.patient_id = patient["patient_id"]
        story.people[person.phone] = person
        print(f"Patient {person.name:<5} {person.zone.key}")
    ana, ben, cleo = story.people.values()

    def clinic_time(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=CLINIC_ZONE)

    print("\nBookings (each planned message with its due time in the patient's zone):")
    story.book("before the change", ben, clinic_time(change - timedelta(days=1), 14))
    story.book("after the change", ana, clinic_time(change + timedelta(days=1), 10))
    story.book("early morning (quiet hours)", cleo, clinic_time(change + timedelta(days=2), 8, 30))
    story.book("later, then cancelled", ben, clinic_time(change + timedelta(days=3), 10))
    story.book("second visit", cleo, clinic_time(change + timedelta(days=4), 10))
    cancelled = story.call(
        "PATCH",
        f"/admin/clinics/{story.clinic_id}/appointments/{story.appointments['later, then cancelled']}",
        {"status": "cancelled"},
    )
    print(f"  cancelled 'later, then cancelled': {len(cancelled['messages'])} messages now cancelled\n")

    print("Simulated time: the scheduler runs at each minute a message falls due.")
    shown = 0
    received: dict[str, int] = {}
    crisis_replies: list[str] = []
    while due := story.pending_due_times():
        instant = at_minute(due[0])
        result = story.stack.tick(instant)
        for entry in outbox.sent[shown:]:
            person = story.people[entry.to]
            received[person.name] = received.get(person.name, 0) + 1
            local = instant.astimezone(person.zone)
            print(f"\n  [{person.name}'s phone, {local:%a %b %d %H:%M %Z}] from {entry.sender}")
            print(f"    {entry.body}")
            print(f"    ({len(entry.body)} characters)")
            for text in REPLIES.get((person.name, received[person.name]), []):
                print(f"    {person.name} replies: {text}")
                reply = story.text_clinic(person, text)
                print(f"    clinic answers: {reply}" if reply else "    (no answer: opted out)")
                if reply and "988" in reply:
                    crisis_replies.append(reply)
        shown = len(outbox.sent)
        if result.skipped or result.failed:
            skipped = [f"{d['reason']}" for d in result.deliveries if d["outcome"] == "skipped"]
            print(f"\n  (tick at {instant:%Y-%m-%d %H:%M}Z: not sent: {', '.join(skipped)})")
    return outcome(story, outbox, crisis_replies)


def outcome(story: Story, outbox: Any, crisis_replies: list[str]) -> int:
    print("\nOutcome:")
    sent_jobs = 0
    states_of: dict[str, list[str]] = {}
    for label, appointment_id in story.appointments.items():
        appointment = story.call("GET", f"/admin/clinics/{story.clinic_id}/appointments/{appointment_id}")
        states = [
            message["state"] + (f" ({message['reason']})" if message.get("reason") else "")
            for message in appointment["messages"]
        ]
        states_of[label] = [message["state"] for message in appointment["messages"]]
        print(f"  {label:<28} {appointment['status']:<21} {', '.join(states)}")
        sent_jobs += states_of[label].count("sent")
    bodies = [entry.body for entry in outbox.sent]
    duplicates = len(bodies) - sent_jobs
    print(f"  SMS sent: {len(bodies)}, duplicates: {duplicates}, longest: {max(map(len, bodies))} characters")
    cleo = next(person for person in story.people.values() if person.name == "Cleo")
    patient = story.call("GET", f"/admin/clinics/{story.clinic_id}/patients/{cleo.patient_id}")
    print(f"  Cleo opted out: {patient['opted_out']}")

    alerts = story.call("GET", f"/admin/clinics/{story.clinic_id}/alerts")["items"]
    names = {person.patient_id: person.name for person in story.people.values()}
    print("\nThe clinic's alerts:")
    for alert in alerts:
        print(
            f'  {alert["at"]}  {alert["kind"]:<19} {names.get(alert["patient_id"], "?"):<5} "{alert["text"]}"'
        )

    checks = {
        "no SMS sent twice": duplicates == 0,
        "nothing sent for the cancelled appointment": set(states_of["later, then cancelled"])
        == {"cancelled"},
        "no reminder after STOP": patient["opted_out"] and "sent" not in states_of["second visit"],
        "the crisis reply gives 988 and 911": bool(crisis_replies)
        and all("911" in r for r in crisis_replies),
        "the clinic was alerted": {"crisis", "reschedule_request"} <= {alert["kind"] for alert in alerts},
    }
    failed = [name for name, held in checks.items() if not held]
    if failed:
        print(f"demo: the story did not end as it should: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
