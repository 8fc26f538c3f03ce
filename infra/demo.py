"""`make demo`: three clinics' weeks, end to end, in simulated time, through the real handlers.

1. Calm Waters, reminders: three patients (one in another time zone), appointments on both
   sides of the next daylight-saving change, a reminder that falls in quiet hours, one
   cancelled appointment. Patients answer by SMS through the signed Twilio webhook: one
   confirms, one asks to reschedule, one asks for HELP then opts out (and gets no further
   reminder), one writes in crisis and is given 988 at once.
2. Cedar Grove, check-ins: across three weekly sessions Eli answers the 0-10 check-in hours
   after each one and the GAD-7 days later; it goes from severe to mild, and the clinic reads
   the outcome table.
3. Harbor Light, PHQ-9: Dev's answer to item 9 takes the crisis path.

The scheduler runs at each minute a message falls due; every SMS is shown as the patient would
see it, with the patient's local time. The clinics' alerts close the story.
"""

import io
import json
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from twilio.request_validator import RequestValidator

from infra.local_stack import LOCAL_AUTH_TOKEN, LocalConfig, LocalStack

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
        patient = self.call(
            "POST",
            f"/admin/clinics/{self.clinics[person.clinic].clinic_id}/patients",
            {"first_name": person.name, "phone": person.phone, "timezone": person.zone.key},
        )
        person.patient_id = patient["patient_id"]
        self.people[person.phone] = person
        print(f"  patient {person.name:<5} {person.zone.key}")
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
        for _ in range(MAX_EXCHANGE):
            answer = person.respond(person, text, nth)
            if answer is None:
                return
            print(f"    {person.name} replies: {answer}")
            reply = self.text_clinic(person, answer)
            print(f"    clinic answers: {reply}" if reply else "    (no answer)")
            if reply is None:
                return
            if "988" in reply:
                self.crisis_replies.append(reply)
            text, nth = reply, 0

    def pending_due_times(self) -> list[datetime]:
        due: list[datetime] = []
        for clinic, appointment_id in self.appointments.values():
            appointment = self.call("GET", self.path(clinic, f"/appointments/{appointment_id}"))
            due += [
                datetime.fromisoformat(message["due_at"])
                for message in appointment["messages"]
                if message["state"] == "pending"
            ]
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


def phq9_answers(person: Person, text: str, nth: int) -> str | None:
    return "2 2 1 2 1 1 1 0 1" if text.startswith("Q1/9 ") else None


# ---- the story -----------------------------------------------------------------------------


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


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


def set_up(story: Story, change: date) -> None:
    quiet = {"start": "21:00", "end": "08:00"}
    story.add_clinic(
        "calm",
        {
            "name": "Calm Waters",
            "timezone": NEW_YORK.key,
            "sender": "+15005550006",
            "phone": "+12125550100",
            "quiet_hours": quiet,
            "reminders": [{"days_before": 2, "at": "18:00"}, {"before": "P1D"}, {"before": "PT2H"}],
        },
    )
    ana = story.add_patient(
        Person(
            "Ana",
            "+15551230001",
            NEW_YORK,
            "calm",
            by_count({1: "c", 2: "Honestly I can't go on. I want to end it all"}),
        )
    )
    ben = story.add_patient(
        Person("Ben", "+15551230002", ZoneInfo("America/Los_Angeles"), "calm", by_count({1: "R"}))
    )
    cleo = story.add_patient(
        Person("Cleo", "+15551230003", NEW_YORK, "calm", by_count({1: "HELP", 3: "STOP"}))
    )
    story.add_clinic(
        "cedar",
        {
            "name": "Cedar Grove",
            "timezone": NEW_YORK.key,
            "sender": "+15005550007",
            "phone": "+12125550111",
            "quiet_hours": quiet,
            "reminders": [{"before": "P1D"}],
            "follow_ups": [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P6D", "survey": "gad7"}],
        },
    )
    eli = story.add_patient(
        Person(
            "Eli",
            "+15551230004",
            NEW_YORK,
            "cedar",
            check_in_answers(["8", "5", "3"], ["3 3 3 2 3 2 2", "2202212", "1 1 1 1 1 0 1"]),
        )
    )
    story.add_clinic(
        "harbor",
        {
            "name": "Harbor Light",
            "timezone": NEW_YORK.key,
            "sender": "+15005550008",
            "phone": "+12125550122",
            "quiet_hours": quiet,
            "reminders": [],
            "follow_ups": [{"after": "P1D", "survey": "phq9"}],
            "discreet": False,
        },
    )
    dev = story.add_patient(Person("Dev", "+15551230005", NEW_YORK, "harbor", phq9_answers))

    print("\nBookings (each planned message with its due time in the patient's zone):")
    story.book("before the change", ben, local_time(change - timedelta(days=1), 14))
    story.book("after the change", ana, local_time(change + timedelta(days=1), 10))
    story.book("early morning (quiet hours)", cleo, local_time(change + timedelta(days=2), 8, 30))
    story.book("later, then cancelled", ben, local_time(change + timedelta(days=3), 10))
    story.book("second visit", cleo, local_time(change + timedelta(days=4), 10))
    clinic, appointment_id = story.appointments["later, then cancelled"]
    cancelled = story.call(
        "PATCH", story.path(clinic, f"/appointments/{appointment_id}"), {"status": "cancelled"}
    )
    print(f"  cancelled 'later, then cancelled': {len(cancelled['messages'])} messages now cancelled")
    for week in range(3):
        story.book(f"Eli, session {week + 1}", eli, local_time(change + timedelta(days=7 * week + 1), 11))
    story.book("Dev, session", dev, local_time(change + timedelta(days=2), 9))


def run(story: Story, outbox: Any) -> None:
    print("\nSimulated time: the scheduler runs at each minute a message falls due.")
    shown = 0
    while due := story.pending_due_times():
        instant = at_minute(due[0])
        result = story.stack.tick(instant)
        for entry in outbox.sent[shown:]:
            person = story.people[entry.to]
            person.received += 1
            local = instant.astimezone(person.zone)
            print(f"\n  [{person.name}'s phone, {local:%a %b %d %H:%M %Z}] from {entry.sender}")
            print(f"    {entry.body}")
            story.converse(person, entry.body, person.received)
        shown = len(outbox.sent)
        skipped = [
            d["reason"]
            for d in result.deliveries
            if d["outcome"] == "skipped" and d["reason"] != "survey_closed"
        ]
        if skipped:
            print(f"\n  (tick at {instant:%Y-%m-%d %H:%M}Z: not sent: {', '.join(skipped)})")


def outcome(story: Story, outbox: Any) -> int:
    print("\nOutcome:")
    states_of: dict[str, list[str]] = {}
    sent_jobs = 0
    for label, (clinic, appointment_id) in story.appointments.items():
        appointment = story.call("GET", story.path(clinic, f"/appointments/{appointment_id}"))
        messages = [m for m in appointment["messages"] if not m["rule"].startswith("nudge:")]
        states_of[label] = [m["state"] for m in messages]
        shown = [m["state"] + (f" ({m['reason']})" if m.get("reason") else "") for m in messages]
        print(f"  {label:<28} {appointment['status']:<21} {', '.join(shown)}")
        sent_jobs += sum(m["state"] == "sent" for m in appointment["messages"])
    duplicates = len(outbox.sent) - sent_jobs
    print(f"  SMS sent by the scheduler: {len(outbox.sent)}, duplicates: {duplicates}")

    eli = next(person for person in story.people.values() if person.name == "Eli")
    rows = story.call("GET", story.path("cedar", f"/patients/{eli.patient_id}/outcomes"))["items"]
    print("\nEli's outcomes, session by session (GET .../outcomes):")
    print(f"  {'survey':<12} {'baseline':<14} {'latest':<14} {'change':>8}  response  remission  series")
    for row in rows:
        series = " -> ".join(str(point["score"]) for point in row["series"])
        remission = "-" if row["remission"] is None else ("yes" if row["remission"] else "no")
        baseline = f"{row['baseline']['score']} {row['baseline']['severity'] or ''}".strip()
        latest = f"{row['latest']['score']} {row['latest']['severity'] or ''}".strip()
        print(
            f"  {row['survey']:<12} {baseline:<14} {latest:<14} {row['change_percent']:>7}%  "
            f"{'yes' if row['response'] else 'no':<9} {remission:<10} {series}"
        )

    names = {person.patient_id: person.name for person in story.people.values()}
    alerts = []
    print("\nThe clinics' alerts (GET /admin/clinics/{id}/alerts):")
    for key in story.clinics:
        for alert in story.call("GET", story.path(key, "/alerts"))["items"]:
            alerts.append(alert)
            print(
                f'  {alert["at"]}  {alert["kind"]:<19} {names.get(alert["patient_id"], "?"):<5} "{alert["text"]}"'
            )

    cleo = next(person for person in story.people.values() if person.name == "Cleo")
    cleo_now = story.call("GET", story.path("calm", f"/patients/{cleo.patient_id}"))
    gad7 = next((row for row in rows if row["survey"] == "gad7"), None)
    checks = {
        "no SMS sent twice": duplicates == 0,
        "nothing sent for the cancelled appointment": set(states_of["later, then cancelled"])
        == {"cancelled"},
        "no reminder after STOP": cleo_now["opted_out"] and "sent" not in states_of["second visit"],
        "the crisis replies give 988 and 911": len(story.crisis_replies) == 2
        and all("911" in reply for reply in story.crisis_replies),
        "GAD-7 went from severe to mild": gad7 is not None
        and (gad7["baseline"]["severity"], gad7["latest"]["severity"]) == ("severe", "mild"),
        "the clinics were alerted": {"crisis", "reschedule_request", "severe_score"}
        <= {a["kind"] for a in alerts},
    }
    failed = [name for name, held in checks.items() if not held]
    if failed:
        print(f"demo: the story did not end as it should: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("\nAll as it should be: " + "; ".join(checks) + ".")
    return 0


def main() -> int:
    config = LocalConfig(port=0, public_url=PUBLIC_URL, admin_token=ADMIN_TOKEN, auto_tick=False)
    with LocalStack(config) as stack:
        from touchpoint.adapters import factory

        outbox = factory.outbox()
        outbox.stream = io.StringIO()  # the demo prints each SMS itself, as the patient sees it
        factory.printed_alerts().stream = io.StringIO()  # the alerts are read back at the end
        story = Story(stack)
        change = next_dst_change(NEW_YORK, datetime.now(UTC).date() + timedelta(days=4))
        print(
            f"Touchpoint demo: three clinics, from the week of the daylight-saving change on {change:%a %b %d %Y}\n"
        )
        set_up(story, change)
        run(story, outbox)
        return outcome(story, outbox)


if __name__ == "__main__":
    sys.exit(main())
