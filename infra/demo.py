"""`make demo`: four clinics' weeks, end to end, in simulated time, through the real handlers.

1. Calm Waters, reminders: three patients (one in another time zone), appointments on both
   sides of the next daylight-saving change, a reminder that falls in quiet hours, one
   cancelled appointment. Patients answer by SMS through the signed Twilio webhook: one
   confirms, one asks to reschedule, one asks for HELP then opts out (and gets no further
   reminder), one writes in crisis and is given 988 at once.
2. Cedar Grove, check-ins: across three weekly sessions Eli answers the 0-10 check-in hours
   after each one and the GAD-7 days later; it goes from severe to mild, and the clinic reads
   the outcome table. Flor reads Spanish: her reminder, check-ins and answers are in Spanish;
   she confirms with "sí", answers the GAD-7 with its Spanish labels, asks AYUDA, then ALTO.
3. Harbor Light, PHQ-9: Dev's answer to item 9 takes the crisis path.
4. Willow Park, treatment courses (infra/demo_course.py): Fay's induction from baseline to
   end-of-course assessment, Gus's `no_improvement` checkpoint and checklist answered NO, Hal's
   `drop_out`; the course outcome table.

The scheduler runs at each minute a message falls due; every SMS is shown as the patient would
see it, with the patient's local time, and every notification the clinic's people get. A
clinician acknowledges Ana's crisis alert with a note at once; Dev's is left open, so the
scheduler's passes escalate it once per Harbor Light's escalation_minutes (10) until the one
paged by its second escalation acknowledges it. The clinics' alerts close the story.
"""

import io
import sys
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from infra.demo_course import course_outcome, set_up_courses
from infra.demo_story import (
    ADMIN_TOKEN,
    NEW_YORK,
    PUBLIC_URL,
    Person,
    Story,
    at_minute,
    by_count,
    check_in_answers,
    phq9_answers,
    spanish_answers,
)
from infra.local_stack import LocalConfig, LocalStack
from infra.quick_moto import quick_moto

# ---- the story -----------------------------------------------------------------------------

# Flor's GAD-7, one Spanish label a reply: 1 + 2 + 1 + 0 + 1 + 3 + 1 = 9, mild.
FLOR_GAD7 = (
    "varios días",
    "Más de la mitad de los días",
    "varios dias",
    "ningún día",
    "Varios días",
    "casi todos los días",
    "varios días",
)


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
            clinician_note="Called Ana at once: safe at home with her sister tonight; seen first thing tomorrow.",
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
    flor = story.add_patient(
        Person(
            "Flor",
            "+15551230010",
            NEW_YORK,
            "cedar",
            spanish_answers(list(FLOR_GAD7)),
            language="es",
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
            "escalation_minutes": 10,
        },
    )
    dev = story.add_patient(
        Person(
            "Dev",
            "+15551230005",
            NEW_YORK,
            "harbor",
            phq9_answers,
            escalated_note="Paged by the escalation: reached Dev by phone, safety plan reviewed, seen today.",
        )
    )

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
    story.book("Flor, session", flor, local_time(change + timedelta(days=2), 15))
    set_up_courses(story, change)


def run(story: Story, outbox: Any) -> None:
    print(
        "\nSimulated time: the scheduler runs at each minute a message falls due, and when an open"
        " crisis alert's escalation does."
    )
    shown = 0
    while due := story.pending_due_times() + story.extra_ticks:
        instant = at_minute(min(due))
        for_escalation = instant in story.extra_ticks
        story.extra_ticks = [tick for tick in story.extra_ticks if tick > instant]
        result = story.stack.tick(instant)
        story.passes.append((instant, result.escalated))
        if result.escalated or for_escalation:
            what = (
                f"escalated {result.escalated} open crisis alert(s)" if result.escalated else "escalated none"
            )
            print(f"\n  [scheduler pass at {instant:%Y-%m-%d %H:%M}Z] {what}")
        story.show_notifications()
        if result.escalated:
            story.acknowledge_escalated()
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

    alerts = []
    print("\nThe clinics' alerts, newest first (GET /admin/clinics/{id}/alerts):")
    for key in story.clinics:
        for alert in story.call("GET", story.path(key, "/alerts"))["items"]:
            alerts.append(alert)
            state = alert["state"] + (f" by {alert['acknowledged_by']}" if alert["acknowledged_by"] else "")
            if alert["escalations"]:
                state += f", escalated {alert['escalations']}x"
            print(
                f"  {alert['at']}  {alert['kind']:<19} {alert['first_name'] or '?':<5} {state:<42}"
                f' "{alert["text"]}"'
            )
            if alert.get("rule"):
                print(f"  {'':<20}  rule: {alert['rule']}")
            if alert["note"]:
                print(f'  {"":<20}  note: "{alert["note"]}"')

    courses = course_outcome(story, alerts)
    spanish = _spanish_story(story)
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
        "Ana's crisis alert was acknowledged with a note, never escalated": _crisis_of("Ana", alerts)
        == {"state": "acknowledged", "by": "local-admin", "noted": True, "escalations": 0},
        "Dev's, left open, was escalated once per escalation_minutes until acknowledged": _crisis_of(
            "Dev", alerts
        )
        == {"state": "acknowledged", "by": "local-admin", "noted": True, "escalations": 2}
        and _escalated_once_per_interval(story, minutes=10, times=2),
        **courses,
        **spanish,
    }
    failed = [name for name, held in checks.items() if not held]
    if failed:
        print(f"demo: the story did not end as it should: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("\nAll as it should be: " + "; ".join(checks) + ".")
    return 0


def _spanish_story(story: Story) -> dict[str, bool]:
    """Flor reads Spanish: what she got, and what her Spanish replies did."""
    flor = next(person for person in story.people.values() if person.name == "Flor")
    clinic, appointment_id = story.appointments["Flor, session"]
    appointment = story.call("GET", story.path(clinic, f"/appointments/{appointment_id}"))
    patient = story.call("GET", story.path(clinic, f"/patients/{flor.patient_id}"))
    rows = story.call("GET", story.path(clinic, f"/patients/{flor.patient_id}/outcomes"))["items"]
    gad7 = next((row for row in rows if row["survey"] == "gad7"), None)
    print("\nFlor's texts, in Spanish (what she got, in order):")
    for text in flor.heard:
        print(f"  {text}")
    return {
        "Flor's reminder came in Spanish and her 'sí' confirmed it": any(
            text.startswith("Hola Flor: su cita en Cedar Grove es el") for text in flor.heard
        )
        and appointment["status"] in ("confirmed", "completed"),
        "Flor's GAD-7 was asked in Spanish and scored from its Spanish labels": gad7 is not None
        and (gad7["latest"]["score"], gad7["latest"]["severity"]) == (9, "mild")
        and any(text.startswith("P1/7 Durante las últimas 2 semanas") for text in flor.heard),
        "Flor's AYUDA was answered in Spanish and her ALTO opted her out": any(
            text.startswith("Cedar Grove: para obtener ayuda") for text in flor.heard
        )
        and any(text.startswith("Se dio de baja") for text in flor.heard)
        and patient["opted_out"],
    }


def _crisis_of(name: str, alerts: list[dict[str, Any]]) -> dict[str, Any] | None:
    found = [alert for alert in alerts if alert["kind"] == "crisis" and alert["first_name"] == name]
    if len(found) != 1:
        return None
    alert = found[0]
    return {
        "state": alert["state"],
        "by": alert["acknowledged_by"],
        "noted": bool(alert["note"]),
        "escalations": alert["escalations"],
    }


def _escalated_once_per_interval(story: Story, *, minutes: int, times: int) -> bool:
    """`times` passes escalated, each printing an ESCALATION line, a whole interval apart; a pass
    between them escalated nothing, and none after them did."""
    printed = [line for line in story.paged.getvalue().splitlines() if line.startswith("[alert] ESCALATION")]
    escalating = [instant for instant, escalated in story.passes if escalated]
    interval = timedelta(minutes=minutes)
    between = [
        instant
        for instant, escalated in story.passes
        if escalating and escalating[0] < instant < escalating[-1]
    ]
    return (
        len(printed) == len(escalating) == times
        and all(later - earlier >= interval for earlier, later in pairwise(escalating))
        and bool(between)
        and not any(escalated for instant, escalated in story.passes if instant in between)
    )


def main() -> int:
    config = LocalConfig(port=0, public_url=PUBLIC_URL, admin_token=ADMIN_TOKEN, auto_tick=False)
    # The emulation with its table-sized copies and index walks taken out, answers unchanged: the
    # weeks' passes each read every due bucket, which plain moto answers by walking the table.
    with quick_moto(), LocalStack(config) as stack:
        from touchpoint import bootstrap

        outbox = bootstrap.outbox()
        outbox.stream = io.StringIO()  # the demo prints each SMS itself, as the patient sees it
        story = Story(stack)
        bootstrap.printed_alerts().stream = story.paged  # shown in the story as they are sent
        change = next_dst_change(NEW_YORK, datetime.now(UTC).date() + timedelta(days=4))
        print(
            f"Touchpoint demo: four clinics, from the week of the daylight-saving change on {change:%a %b %d %Y}\n"
        )
        set_up(story, change)
        run(story, outbox)
        return outcome(story, outbox)


if __name__ == "__main__":
    sys.exit(main())
