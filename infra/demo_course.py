"""The demo's treatment courses (infra/demo.py): Willow Park runs its induction as a course of
three infusions, with a GAD-7 baseline before the first, the 0-10 check-in hours after each
session and the GAD-7 the next day, a pre-session checklist the day before each, and a GAD-7
to close the course.

- Fay answers everything and improves: the course outcome table shows her response.
- Gus improves too little by his second session (`no_improvement`), and answers one checklist NO
  (a `checklist` alert naming what is not ready).
- Hal comes once and books no next session: a week later the course's `drop_out` alert.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from infra.demo_story import NEW_YORK, Person, Story

TEMPLATE = {
    "name": "Induction",
    "planned_sessions": 3,
    "within_days": 21,
    "baseline": "gad7",
    "measures": ["gad7", "anxiety-now"],
    "end_of_course": "gad7",
    "end_of_course_after": "P3D",
    "checkpoints": {
        "no_improvement_after_sessions": 2,
        "no_improvement_below_percent": 25,
        "worsening_points": 5,
        "drop_out_days": 7,
    },
}
SESSION_DAYS = (1, 4, 8)  # after the start day, at 10:00


def course_answers(anxiety: list[str], gad7: list[str], checklist: list[str]) -> Any:
    """Y to an invitation; this patient's next 0-10, GAD-7 or checklist answer."""

    def respond(person: Person, text: str, nth: int) -> str | None:
        if "Reply Y to begin" in text:
            return "Y"
        if text.startswith("Q1/1 ") and anxiety:
            return anxiety.pop(0)
        if text.startswith("Q1/7 ") and gad7:
            return gad7.pop(0)
        if "Reply YES if" in text and checklist:
            return checklist.pop(0)
        return None

    return respond


def set_up_courses(story: Story, start: date) -> None:
    story.add_clinic(
        "willow",
        {
            "name": "Willow Park",
            "timezone": NEW_YORK.key,
            "sender": "+15005550009",
            "phone": "+12125550133",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
            "reminders": [],
            "follow_ups": [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P1D", "survey": "gad7"}],
            "checklist": {"before": "P1D", "answer_by": "PT2H"},
        },
    )
    people = [
        # GAD-7: the baseline, after each session, and the end-of-course assessment.
        Person(
            "Fay",
            "+15551230006",
            NEW_YORK,
            "willow",
            course_answers(
                ["7", "5", "3"],
                ["3 3 2 2 2 2 2", "2 2 2 2 1 1 2", "1 2 1 1 1 1 2", "1 1 1 1 1 1 0", "1 1 0 1 0 0 1"],
                ["YES", "YES", "YES"],
            ),
        ),
        Person(
            "Gus",
            "+15551230007",
            NEW_YORK,
            "willow",
            course_answers(
                ["6", "6", "5"],
                ["2 2 2 2 2 1 1", "2 2 2 2 2 2 1", "2 2 2 2 1 1 1", "2 1 2 1 1 1 1", "2 1 2 1 1 1 1"],
                ["NO", "YES", "YES"],
            ),
        ),
        Person(
            "Hal",
            "+15551230008",
            NEW_YORK,
            "willow",
            course_answers(["6"], ["2 2 2 2 2 2 2", "2 2 2 2 2 1 2"], ["YES"]),
        ),
    ]
    template = story.call("POST", story.path("willow", "/course-templates"), TEMPLATE)
    print(f"\nWillow Park's course template: {template['name']}, {template['planned_sessions']} sessions")
    for person in people:
        story.add_patient(person)
        course = story.call(
            "POST",
            story.path("willow", f"/patients/{person.patient_id}/courses"),
            {"template_id": template["template_id"]},
        )
        story.courses[person.name] = course["course_id"]
        sessions = 1 if person.name == "Hal" else len(SESSION_DAYS)
        for n in range(sessions):
            starts_at = datetime.combine(start + timedelta(days=SESSION_DAYS[n]), time(10), tzinfo=NEW_YORK)
            story.book(f"{person.name}, course session {n + 1}", person, starts_at)


def course_report(story: Story, name: str) -> dict[str, Any]:
    person = next(p for p in story.people.values() if p.name == name)
    path = f"/patients/{person.patient_id}/courses/{story.courses[name]}"
    report: dict[str, Any] = story.call("GET", story.path("willow", path))
    return report


def course_outcome(story: Story, alerts: list[dict[str, Any]]) -> dict[str, bool]:
    """The clinic marks Fay's sessions completed and her course finished, and reads the course
    outcomes; what the story must have shown."""
    for n in range(len(SESSION_DAYS)):
        clinic, appointment_id = story.appointments[f"Fay, course session {n + 1}"]
        story.call("PATCH", story.path(clinic, f"/appointments/{appointment_id}"), {"status": "completed"})
    fay = next(p for p in story.people.values() if p.name == "Fay")
    story.call(
        "PATCH",
        story.path("willow", f"/patients/{fay.patient_id}/courses/{story.courses['Fay']}"),
        {"status": "finished"},
    )
    print("\nWillow Park's courses (GET .../patients/{id}/courses/{course_id}):")
    print(
        f"  {'patient':<8} {'status':<9} {'sessions':<9} {'survey':<12} {'baseline':>8} {'latest':>7} "
        f"{'change':>8}  response  remission  series"
    )
    reports = {name: course_report(story, name) for name in story.courses}
    for name, report in reports.items():
        done = f"{report['sessions']['done']}/{report['sessions']['planned']}"
        for row in report["outcomes"]:
            series = " -> ".join(str(point["score"]) for point in row["series"])
            remission = "-" if row["remission"] is None else ("yes" if row["remission"] else "no")
            change = "-" if row["change_percent"] is None else f"{row['change_percent']}%"
            print(
                f"  {name:<8} {report['status']:<9} {done:<9} {row['survey']:<12} {row['baseline']['score']:>8} "
                f"{row['latest']['score']:>7} {change:>8}  {'yes' if row['response'] else 'no':<9} "
                f"{remission:<10} {series}"
            )
    willow = [alert for alert in alerts if alert["clinic_id"] == story.clinics["willow"].clinic_id]
    kinds = {(alert["first_name"], alert["kind"]) for alert in willow}
    fay_gad7 = next(row for row in reports["Fay"]["outcomes"] if row["survey"] == "gad7")
    gus_checklist = story.call(
        "GET", story.path("willow", f"/appointments/{story.appointments['Gus, course session 1'][1]}")
    )
    return {
        "Fay's course: a baseline, three sessions with the 0-10 and the GAD-7, and the end-of-course GAD-7": (
            reports["Fay"]["sessions"] == {"done": 3, "booked": 3, "planned": 3}
            and len(fay_gad7["series"]) == 5
            and fay_gad7["response"]
        ),
        "Gus improved too little by session 2 (no_improvement)": ("Gus", "no_improvement") in kinds,
        "Gus's checklist answered NO raised its alert": ("Gus", "checklist") in kinds
        and gus_checklist["checklist"] == "not_ready",
        "Hal booked no next session (drop_out)": ("Hal", "drop_out") in kinds,
    }
