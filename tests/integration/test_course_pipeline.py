"""A treatment course through the real pipeline on moto: the admin API books its sessions, the
scheduler pass and the sender send its baseline (or let a recent score stand in for it), its
follow-ups and its end-of-course assessment, Twilio's signed webhooks answer them, and the
course's checkpoints raise `worsening`, `no_improvement` and `drop_out` alerts."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import World, world_fixture
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo import surveys as survey_items
from touchpoint.adapters.dynamo.table import to_attributes
from touchpoint.domain.surveys import Survey, SurveyStatus

moto_table = module_table_fixture()

INDUCTION = {
    "name": "Induction",
    "planned_sessions": 3,
    "baseline": "gad7",
    "measures": ["gad7"],
    "end_of_course": "gad7",
    "baseline_before": "P2D",
    "end_of_course_after": "P1D",
    "checkpoints": {
        "no_improvement_after_sessions": 2,
        "no_improvement_below_percent": 25,
        "worsening_points": 5,
        "drop_out_days": 10,
    },
}
# Sessions at 15:00 in New York (EST), an hour each; the GAD-7 follows each at 17:00.
SESSIONS = ["2030-03-05T15:00:00-05:00", "2030-03-07T15:00:00-05:00", "2030-03-09T15:00:00-05:00"]
BASELINE_AT = datetime(2030, 3, 3, 20, 0, tzinfo=UTC)  # two days before the first session
FOLLOW_UP_AFTER = timedelta(hours=3)  # the session's end and PT2H
BASELINE_TEXT = (
    "Hi Ana, before your first visit, a check-in from Calm Waters (7 short questions). "
    "Reply Y to begin. Reply STOP to opt out."
)


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@dataclass
class Enrolled:
    clinic_id: str
    patient_id: str
    course_id: str
    sessions: list[str]


def enrolled(world: World, booked: int = 3, **template: Any) -> Enrolled:
    """Ana enrolled in the induction, `booked` of its sessions booked, a GAD-7 after each."""
    clinic_id = world.clinic(reminders=[], follow_ups=[{"after": "PT2H", "survey": "gad7"}])
    patient_id = world.patient(clinic_id)
    status, created = world.admin(
        "POST", f"/admin/clinics/{clinic_id}/course-templates", INDUCTION | template
    )
    assert status == 201, created
    status, course = world.admin(
        "POST",
        f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses",
        {"template_id": created["template_id"]},
    )
    assert status == 201, course
    sessions = [world.appointment(clinic_id, patient_id, starts_at) for starts_at in SESSIONS[:booked]]
    return Enrolled(clinic_id, patient_id, course["course_id"], sessions)


def answer(world: World, scores: list[int], now: datetime) -> str | None:
    """Y to the invitation, then one answer per question; the last reply."""
    last = None
    for n, text in enumerate(["Y", *map(str, scores)]):
        response = world.text(text, now=now + timedelta(minutes=n))
        assert response.status == 200, response.body
        last = response.body
    return last


def gad7(total: int) -> list[int]:
    """Seven answers from 0 to 3 that add up to `total`."""
    answers = [min(3, max(0, total - 3 * n)) for n in range(7)]
    assert sum(answers) == total
    return answers


def session_end(n: int) -> datetime:
    return datetime.fromisoformat(SESSIONS[n]).astimezone(UTC) + FOLLOW_UP_AFTER


def kinds(world: World, course: Enrolled, n: int) -> list[tuple[str, str, str]]:
    view = world.appointment_view(course.clinic_id, course.sessions[n])
    return sorted((m["kind"], m["state"], m["due_at"]) for m in view["messages"])


def checkpoints(world: World, course: Enrolled) -> list[dict[str, Any]]:
    """The course's alerts (a GAD-7 of 15 or more raises its own `severe_score` too)."""
    kinds = ("no_improvement", "worsening", "drop_out")
    return [alert for alert in world.alerts_of(course.clinic_id) if alert["kind"] in kinds]


def report(world: World, course: Enrolled) -> dict[str, Any]:
    path = f"/admin/clinics/{course.clinic_id}/patients/{course.patient_id}/courses/{course.course_id}"
    found: dict[str, Any] = world.get(path)
    return found


def test_each_session_carries_what_the_course_adds_to_it(world: World) -> None:
    course = enrolled(world)

    assert kinds(world, course, 0) == [
        ("baseline", "pending", "2030-03-03T20:00:00Z"),
        ("course_check", "pending", "2030-03-15T20:00:00Z"),
        ("follow_up", "pending", "2030-03-05T23:00:00Z"),
    ]
    assert kinds(world, course, 1) == [
        ("course_check", "pending", "2030-03-17T20:00:00Z"),
        ("follow_up", "pending", "2030-03-07T23:00:00Z"),
    ]
    assert kinds(world, course, 2) == [
        ("end_of_course", "pending", "2030-03-10T21:00:00Z"),  # a day after its end (EDT by then)
        ("follow_up", "pending", "2030-03-09T23:00:00Z"),
    ]


def test_the_baseline_goes_with_its_own_invitation_and_becomes_the_course_baseline(world: World) -> None:
    course = enrolled(world)

    [delivery] = world.send_due(BASELINE_AT)
    assert delivery.outcome == "sent"
    assert world.outbox.sent[-1].body == BASELINE_TEXT
    last = answer(world, gad7(15), BASELINE_AT + timedelta(hours=1))

    assert last is not None
    assert "Your answers have been shared" in last
    [outcome] = report(world, course)["outcomes"]
    assert (outcome["survey"], outcome["baseline"]["score"]) == ("gad7", 15)
    assert checkpoints(world, course) == []


def test_a_recent_score_stands_in_for_the_baseline_which_is_then_not_sent(
    world: World, moto_table: tuple[DynamoDBClient, str]
) -> None:
    course = enrolled(world)
    client, table = moto_table
    at = BASELINE_AT - timedelta(days=3)
    earlier = Survey(
        "sv_earlier",
        course.clinic_id,
        course.patient_id,
        "ap_elsewhere",
        "gad7",
        SurveyStatus.COMPLETED,
        answers=tuple(gad7(12)),
        invited_at=at,
        expires_at=at + timedelta(days=2),
        session_at=at - timedelta(hours=3),
        score=12,
        severity="moderate",
        completed_at=at + timedelta(minutes=10),
    )
    client.put_item(TableName=table, Item=to_attributes(survey_items.to_item(earlier)))

    [delivery] = world.send_due(BASELINE_AT)
    world.send_due(session_end(0))
    answer(world, gad7(9), session_end(0) + timedelta(minutes=5))

    assert (delivery.outcome, delivery.reason) == ("skipped", "recent_score")
    assert world.outbox.sent[0].body != BASELINE_TEXT
    [outcome] = report(world, course)["outcomes"]
    assert [point["score"] for point in outcome["series"]] == [12, 9]


def test_a_score_well_above_baseline_is_worsening_and_little_change_by_session_two_no_improvement(
    world: World,
) -> None:
    course = enrolled(world)
    world.send_due(BASELINE_AT)
    answer(world, gad7(14), BASELINE_AT + timedelta(hours=1))

    world.send_due(session_end(0))
    answer(world, gad7(19), session_end(0) + timedelta(minutes=5))
    [worse] = checkpoints(world, course)
    world.send_due(session_end(1))
    answer(world, gad7(12), session_end(1) + timedelta(minutes=5))
    alerts = checkpoints(world, course)

    assert (worse["kind"], worse["state"]) == ("worsening", "open")
    assert worse["text"] == "GAD-7 19 after session 1: 5 above the baseline of 14."
    assert worse["rule"] == "worsening: 5 or more points above baseline"
    [stalled] = [alert for alert in alerts if alert["kind"] == "no_improvement"]
    assert stalled["text"] == "GAD-7 12 after session 2: 14% better than the baseline of 14."
    assert stalled["rule"] == "no_improvement: under 25% better after 2 sessions"
    assert len(alerts) == 2


def test_improving_raises_no_checkpoint_and_the_end_of_course_assessment_follows_the_last_session(
    world: World,
) -> None:
    course = enrolled(world)
    world.send_due(BASELINE_AT)
    answer(world, gad7(16), BASELINE_AT + timedelta(hours=1))
    for n, score in enumerate((12, 8, 6)):
        world.send_due(session_end(n))
        answer(world, gad7(score), session_end(n) + timedelta(minutes=5))
    end = datetime(2030, 3, 10, 21, 0, tzinfo=UTC)
    [delivery] = [d for d in world.send_due(end) if d.outcome == "sent"]  # the nudges of answered ones: not
    last_invitation = world.outbox.sent[-1].body
    answer(world, gad7(4), end + timedelta(minutes=5))

    assert delivery.outcome == "sent"
    assert last_invitation.startswith("Hi Ana, one last check-in from Calm Waters to see how you are (7")
    assert checkpoints(world, course) == []
    [outcome] = report(world, course)["outcomes"]
    assert [point["score"] for point in outcome["series"]] == [16, 12, 8, 6, 4]
    assert (outcome["response"], outcome["remission"]) == (True, True)
    [induction] = world.get(f"/admin/clinics/{course.clinic_id}/outcomes")["courses"]
    [clinic_wide] = induction["instruments"]
    assert [(s["session"], s["average_change"]) for s in clinic_wide["by_session"]] == [
        (0, 0.0),
        (1, -4.0),
        (2, -8.0),
        (3, -11.0),
    ], "the baseline is session 0; the last session's follow-up and the assessment average together"


def test_no_next_session_within_the_days_is_a_drop_out(world: World) -> None:
    course = enrolled(world, booked=1)

    [check] = [d for d in world.send_due(datetime(2030, 3, 15, 20, 1, tzinfo=UTC)) if d.reason != "overdue"]

    assert (check.outcome, check.reason) == ("skipped", "drop_out")
    [alert] = checkpoints(world, course)
    assert alert["kind"] == "drop_out"
    assert alert["text"] == "No session booked in the 10 days since session 1 of 3 (Induction)."
    assert alert["rule"] == "drop_out: no next session within 10 days"


def test_a_next_session_booked_or_a_paused_course_is_no_drop_out(world: World) -> None:
    course = enrolled(world, booked=2)
    path = f"/admin/clinics/{course.clinic_id}/patients/{course.patient_id}/courses/{course.course_id}"

    first = world.send_due(datetime(2030, 3, 15, 20, 1, tzinfo=UTC))
    assert world.admin("PATCH", path, {"status": "paused"})[0] == 200
    second = world.send_due(datetime(2030, 3, 17, 20, 1, tzinfo=UTC))

    checks = [d for d in first + second if d.reason in ("drop_out", "course_check_passed")]
    assert [d.reason for d in checks] == ["course_check_passed", "course_check_passed"]
    assert checkpoints(world, course) == []


def test_a_session_cancelled_and_not_booked_again_keeps_its_check(world: World) -> None:
    course = enrolled(world, booked=2)
    status, _ = world.admin(
        "PATCH",
        f"/admin/clinics/{course.clinic_id}/appointments/{course.sessions[1]}",
        {"status": "cancelled"},
    )
    assert status == 200

    assert ("course_check", "pending", "2030-03-17T20:00:00Z") in kinds(world, course, 1)
    world.send_due(datetime(2030, 3, 17, 20, 1, tzinfo=UTC))
    [alert] = checkpoints(world, course)
    assert alert["text"] == "No session booked in the 10 days since session 2 of 3 (Induction)."
