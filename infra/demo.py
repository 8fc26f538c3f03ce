"""`make demo`: one clinic's week, end to end, in simulated time, through the real handlers.

A clinic, three patients (one in another time zone), appointments on both sides of the next
daylight-saving change, one reminder that falls in quiet hours, one cancelled appointment.
The scheduler runs at each minute a message falls due; every SMS is shown as the patient
would see it, with the patient's local time.
"""

import io
import json
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from infra.local_stack import LocalConfig, LocalStack

CLINIC_ZONE = ZoneInfo("America/New_York")
ADMIN_TOKEN = "demo-token"  # noqa: S105 (the in-process stack's own token)


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
    config = LocalConfig(port=0, public_url="http://127.0.0.1:3000", admin_token=ADMIN_TOKEN, auto_tick=False)
    with LocalStack(config) as stack:
        from touchpoint.adapters import factory

        outbox = factory.outbox()
        outbox.stream = io.StringIO()  # the demo prints each SMS itself, as the patient sees it
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
            "sender": "+15005550006",
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
    cancelled = story.call(
        "PATCH",
        f"/admin/clinics/{story.clinic_id}/appointments/{story.appointments['later, then cancelled']}",
        {"status": "cancelled"},
    )
    print(f"  cancelled 'later, then cancelled': {len(cancelled['messages'])} messages now cancelled\n")

    print("Simulated time: the scheduler runs at each minute a message falls due.")
    shown = 0
    while due := story.pending_due_times():
        instant = at_minute(due[0])
        result = story.stack.tick(instant)
        for entry in outbox.sent[shown:]:
            person = story.people[entry.to]
            local = instant.astimezone(person.zone)
            print(f"\n  [{person.name}'s phone, {local:%a %b %d %H:%M %Z}] from {entry.sender}")
            print(f"    {entry.body}")
            print(f"    ({len(entry.body)} characters)")
        shown = len(outbox.sent)
        if result.skipped or result.failed:
            print(f"  (tick at {instant:%Y-%m-%d %H:%M}Z: {result.to_dict()})")

    print("\nOutcome:")
    failures = sent_jobs = 0
    for label, appointment_id in story.appointments.items():
        appointment = story.call("GET", f"/admin/clinics/{story.clinic_id}/appointments/{appointment_id}")
        states = [message["state"] for message in appointment["messages"]]
        print(f"  {label:<28} {appointment['status']:<10} messages: {', '.join(states)}")
        expected = "cancelled" if appointment["status"] == "cancelled" else "sent"
        failures += sum(state != expected for state in states)
        sent_jobs += states.count("sent")
    bodies = [entry.body for entry in outbox.sent]
    duplicates = len(bodies) - sent_jobs
    print(f"  SMS sent: {len(bodies)}, duplicates: {duplicates}, longest: {max(map(len, bodies))} characters")
    if failures or duplicates:
        print("demo: the story did not end as it should", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
