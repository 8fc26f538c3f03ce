"""`make bench`: what a treatment course costs in DynamoDB requests per session, counted (not
timed) on the embedded AWS emulation, through the real admin API, scheduler pass, sender and
inbound webhook (tests/integration/inbound_world.py).

Two patients of one clinic (a 0-10 check-in after each session, no reminders) have the same
three sessions, answer the same surveys, and are run through the same passes; one is enrolled
in a three-session course with a GAD-7 baseline and end-of-course assessment. Per phase, the
requests of each, and what the course adds per session: booking, the scheduler's passes and
the sends (the baseline, the assessment and the drop-out checks are the course's own
messages), and the replies (a completed course survey reads the course and the patient's
surveys for its checkpoints).
"""

import os
import sys
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from tests.bench.checks import offline_aws

SESSIONS = ["2030-03-05T15:00:00-05:00", "2030-03-07T15:00:00-05:00", "2030-03-09T15:00:00-05:00"]
TEMPLATE = {
    "name": "Induction",
    "planned_sessions": 3,
    "baseline": "gad7",
    "measures": ["gad7", "anxiety-now"],
    "end_of_course": "gad7",
    "checkpoints": {"drop_out_days": 10},
}
PHONE = "+15551230001"
PHASES = ("booking", "claims", "sends", "replies")


class _Env:
    """monkeypatch's setenv/delenv, for inbound_world.environment outside pytest."""

    def setenv(self, name: str, value: str) -> None:
        os.environ[name] = value

    def delenv(self, name: str, raising: bool = True) -> None:
        os.environ.pop(name, None)


def run(enrolled: bool) -> tuple[dict[str, Counter[str]], int]:
    """The requests of each phase, and the scheduler passes that found something due."""
    import boto3
    from moto import mock_aws

    from infra.template import create_aws_resources
    from tests.integration.inbound_world import World, environment
    from touchpoint import bootstrap
    from touchpoint.adapters.dynamo.table import Table

    counted: dict[str, Counter[str]] = {phase: Counter() for phase in PHASES}
    with mock_aws():
        created = create_aws_resources(boto3.session.Session(), "touchpoint-bench", "touchpoint-bench-send")
        client = boto3.client("dynamodb", region_name="us-east-1")
        environment(_Env(), created["table_name"])  # type: ignore[arg-type]
        world = World(client, Table(client, created["table_name"]))
        calls: Counter[str] = Counter()
        bootstrap.table_named(created["table_name"]).client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.update([model.name])
        )
        clinic_id = world.clinic(reminders=[], follow_ups=[{"after": "PT2H", "survey": "anxiety-now"}])
        patient_id = world.patient(clinic_id, PHONE)
        if enrolled:
            _, template = world.admin("POST", f"/admin/clinics/{clinic_id}/course-templates", TEMPLATE)
            path = f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses"
            world.admin("POST", path, {"template_id": template["template_id"]})
        calls.clear()
        appointments = [world.appointment(clinic_id, patient_id, starts_at) for starts_at in SESSIONS]
        counted["booking"] += calls
        passes, answered = 0, 0
        while due := _next_due(world, clinic_id, appointments):
            now = due + timedelta(minutes=1)
            calls.clear()
            refs = world.schedule(now)
            # A pass's reads of the due index are the same whatever it finds: only its claims count.
            counted["claims"] += Counter({op: n for op, n in calls.items() if op != "Query"})
            passes += 1
            calls.clear()
            world.deliver(refs, now)
            counted["sends"] += calls
            for entry in world.outbox.sent[answered:]:
                calls.clear()
                _answer(world, entry.body, now + timedelta(minutes=5))
                counted["replies"] += calls
            answered = len(world.outbox.sent)
    return counted, passes


def _next_due(world: Any, clinic_id: str, appointments: list[str]) -> datetime | None:
    due = [
        datetime.fromisoformat(message["due_at"])
        for appointment_id in appointments
        for message in world.appointment_view(clinic_id, appointment_id)["messages"]
        if message["state"] == "pending"
    ]
    return min(due) if due else None


def _answer(world: Any, text: str, now: datetime) -> None:
    """Y to an invitation, then answers of 2 (the 0-10: 4) until the survey closes."""
    replies = ["Y"] if "Reply Y to begin" in text else []
    replies += ["2"] * 7 if "7 short questions" in text else ["4"]
    for n, body in enumerate(replies):
        world.text(body, now=now + timedelta(minutes=n))


def main() -> int:
    offline_aws()
    with_course, passes = run(enrolled=True)
    without, passes_without = run(enrolled=False)
    print(
        f"DynamoDB requests of {len(SESSIONS)} sessions with a course and without one (the course: a GAD-7"
        " baseline and end-of-course assessment, drop-out checks; a 0-10 after each session in both):"
    )
    print(f"  {'phase':<8} {'with':>6} {'without':>8} {'per session':>12}  added, by operation")
    for phase in PHASES:
        course, none = with_course[phase], without[phase]
        added = Counter(course)
        added.subtract(none)
        extra = sum(course.values()) - sum(none.values())
        print(
            f"  {phase:<8} {sum(course.values()):>6} {sum(none.values()):>8} {extra / len(SESSIONS):>+12.2f}  "
            f"{dict(sorted(added.items()))}"
        )
    print(f"  scheduler passes that found something due: {passes} with, {passes_without} without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
