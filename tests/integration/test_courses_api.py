"""Treatment courses over the admin API on moto (contract section 11): templates validated like
settings, one course at a time per patient, appointments booked while enrolled numbered as its
sessions, pausing, finishing, and the course's outcome over its sessions' surveys."""

from datetime import timedelta
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import NOW, Api
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo import surveys as survey_items
from touchpoint.adapters.dynamo.table import to_attributes
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.timeutil import parse_utc

moto_table = module_table_fixture()
api = admin_world.api

INDUCTION = {
    "name": "Induction",
    "planned_sessions": 3,
    "within_days": 21,
    "baseline": "gad7",
    "measures": ["gad7", "anxiety-now"],
    "end_of_course": "gad7",
    "checkpoints": {
        "no_improvement_after_sessions": 2,
        "no_improvement_below_percent": 25,
        "drop_out_days": 10,
    },
}
DAYS = ["2026-12-01T10:00:00", "2026-12-03T10:00:00", "2026-12-05T10:00:00", "2026-12-08T10:00:00"]


def template(api: Api, clinic_id: str, **overrides: Any) -> dict[str, Any]:
    reply = api.call("POST", f"/admin/clinics/{clinic_id}/course-templates", INDUCTION | overrides)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def enrol(api: Api, clinic_id: str, patient_id: str, template_id: str, *, later: int = 0) -> Any:
    path = f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses"
    return api.call("POST", path, {"template_id": template_id}, now=NOW + timedelta(hours=later))


def book(api: Api, clinic_id: str, patient_id: str, starts_at: str, **extra: Any) -> Any:
    body = {"patient_id": patient_id, "starts_at": starts_at} | extra
    return api.call("POST", f"/admin/clinics/{clinic_id}/appointments", body)


def test_a_template_is_stored_with_its_defaults_and_listed(api: Api) -> None:
    clinic_id = api.clinic()

    made = template(api, clinic_id, checkpoints={})
    listed = api.call("GET", f"/admin/clinics/{clinic_id}/course-templates")

    assert made["planned_sessions"] == 3
    assert made["checkpoints"] == {
        "no_improvement_after_sessions": 3,
        "no_improvement_below_percent": 20,
        "worsening_points": 5,
        "drop_out_days": 14,
    }
    assert [item["template_id"] for item in listed.body["items"]] == [made["template_id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"planned_sessions": 0}, "planned_sessions"),
        ({"planned_sessions": 10_000}, "planned_sessions"),
        ({"planned_sessions": True}, "planned_sessions"),
        ({"within_days": -1}, "within_days"),
        ({"baseline": "bdi"}, "baseline"),
        ({"measures": ["gad7", "mood"]}, "measures"),
        ({"checkpoints": {"no_improvement_below_percent": 150}}, "checkpoints.no_improvement_below_percent"),
        ({"checkpoints": {"no_improvement_after_sessions": 9}}, "checkpoints.no_improvement_after_sessions"),
        ({"checkpoints": {"drop_out_days": 0}}, "checkpoints.drop_out_days"),
        ({"checkpoints": {"surprise": 1}}, "surprise"),
        ({"name": ""}, "name"),
        ({"colour": "blue"}, "colour"),
        ({"baseline_before": "PT30M"}, "baseline_before"),
        ({"baseline_before": "P30D"}, "baseline_before"),
        ({"end_of_course_after": "soon"}, "end_of_course_after"),
        ({"end_of_course_after": 86400}, "end_of_course_after"),
    ],
)
def test_a_bad_template_is_a_422_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    clinic_id = api.clinic()
    before = api.item_count()

    reply = api.call("POST", f"/admin/clinics/{clinic_id}/course-templates", INDUCTION | change)

    assert (reply.status, reply.error["field"]) == (422, field), reply.body
    assert api.item_count() == before


def test_appointments_booked_while_enrolled_are_the_courses_numbered_sessions(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    course = enrol(api, clinic_id, patient_id, template(api, clinic_id)["template_id"])
    assert (course.status, course.body["status"]) == (201, "active"), course.body

    booked = [book(api, clinic_id, patient_id, day) for day in DAYS]

    assert [b.status for b in booked] == [201, 201, 201, 201]
    assert [b.body.get("session") for b in booked] == [1, 2, 3, None], "the fourth is past the planned 3"
    assert {b.body.get("course_id") for b in booked[:3]} == {course.body["course_id"]}
    report = api.call(
        "GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses/{course.body['course_id']}"
    )
    assert report.body["sessions"] == {"done": 0, "booked": 3, "planned": 3}
    assert [a["session"] for a in report.body["appointments"]] == [1, 2, 3]


def test_one_course_at_a_time_and_a_final_course_takes_no_booking(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    template_id = template(api, clinic_id)["template_id"]
    first = enrol(api, clinic_id, patient_id, template_id).body
    before = api.item_count()

    again = enrol(api, clinic_id, patient_id, template_id)

    assert (again.status, again.error.get("existing_id")) == (409, first["course_id"])
    assert api.item_count() == before
    path = f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses/{first['course_id']}"
    assert api.call("PATCH", path, {"status": "finished"}).body["status"] == "finished"
    assert api.call("PATCH", path, {"status": "active"}).status == 409
    late = book(api, clinic_id, patient_id, DAYS[0], course_id=first["course_id"])
    assert (late.status, late.error["field"]) == (409, "course_id")
    assert book(api, clinic_id, patient_id, DAYS[0]).body.get("course_id") is None
    second = enrol(api, clinic_id, patient_id, template_id, later=1)
    assert second.status == 201, "a finished course frees the patient for the next"
    listed = api.call("GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses").body["items"]
    assert [c["status"] for c in listed] == ["finished", "active"]


def test_a_paused_course_takes_no_bookings_until_it_is_active_again(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    course = enrol(api, clinic_id, patient_id, template(api, clinic_id)["template_id"]).body
    path = f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses/{course['course_id']}"

    assert api.call("PATCH", path, {"status": "paused"}).body["status"] == "paused"
    during = book(api, clinic_id, patient_id, DAYS[0])
    assert api.call("PATCH", path, {"status": "active"}).body["status"] == "active"
    after = book(api, clinic_id, patient_id, DAYS[1])

    assert during.body.get("session") is None
    assert after.body["session"] == 1
    assert api.call("PATCH", path, {"status": "asleep"}).status == 422


def test_the_course_outcome_reads_the_surveys_of_its_sessions_only(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    # Ten days before the first session: older than the template's 7 days of reuse.
    before_course = book(api, clinic_id, patient_id, "2026-11-21T10:00:00").body
    course = enrol(api, clinic_id, patient_id, template(api, clinic_id)["template_id"]).body
    sessions = [book(api, clinic_id, patient_id, day).body for day in DAYS[:3]]
    for appointment, score in [(before_course, 3), *zip(sessions, (16, 12, 7), strict=True)]:
        completed(api, clinic_id, patient_id, appointment, score)
    api.call(
        "PATCH",
        f"/admin/clinics/{clinic_id}/appointments/{sessions[0]['appointment_id']}",
        {"status": "completed"},
    )

    report = api.call(
        "GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses/{course['course_id']}"
    ).body

    assert report["sessions"] == {"done": 1, "booked": 3, "planned": 3}
    [gad7] = report["outcomes"]
    assert (gad7["baseline"]["score"], gad7["latest"]["score"]) == (16, 7), (
        "the earlier 3 is not the course's"
    )
    assert [point["score"] for point in gad7["series"]] == [16, 12, 7]
    assert (gad7["change_percent"], gad7["response"], gad7["remission"]) == (-56.2, True, False)


def test_a_recent_score_from_before_the_course_stands_in_for_its_baseline(api: Api) -> None:
    clinic_id = api.clinic()
    patient_id = api.patient(clinic_id)
    before_course = book(api, clinic_id, patient_id, "2026-11-27T10:00:00").body
    course = enrol(api, clinic_id, patient_id, template(api, clinic_id)["template_id"]).body
    sessions = [book(api, clinic_id, patient_id, day).body for day in DAYS[:2]]
    for appointment, score in [(before_course, 14), *zip(sessions, (10, 6), strict=True)]:
        completed(api, clinic_id, patient_id, appointment, score)

    report = api.call(
        "GET", f"/admin/clinics/{clinic_id}/patients/{patient_id}/courses/{course['course_id']}"
    ).body

    [gad7] = report["outcomes"]
    assert [point["score"] for point in gad7["series"]] == [14, 10, 6]
    assert [point["session"] for point in gad7["series"]] == [0, 1, 2], "0: the baseline from before"
    assert gad7["series"][0]["appointment_id"] == before_course["appointment_id"]
    assert (gad7["baseline"]["score"], gad7["change_percent"], gad7["response"]) == (14, -57.1, True)


def test_the_clinics_outcomes_add_its_courses_up_per_template_by_session_number(api: Api) -> None:
    clinic_id = api.clinic()
    induction = template(api, clinic_id)["template_id"]
    boosters = template(api, clinic_id, name="Boosters", planned_sessions=2, baseline=None, measures=["gad7"])
    scores = {"+15551230001": (16, 10, 6), "+15551230002": (12, 12, 11)}
    patients = []
    for phone, series in scores.items():
        patient_id = api.patient(clinic_id, phone=phone)
        patients.append(patient_id)
        enrol(api, clinic_id, patient_id, induction)
        for day, score in zip(DAYS[:3], series, strict=True):
            completed(api, clinic_id, patient_id, book(api, clinic_id, patient_id, day).body, score)
    path = f"/admin/clinics/{clinic_id}/patients/{patients[1]}/courses"
    [second] = api.call("GET", path).body["items"]
    api.call("PATCH", f"{path}/{second['course_id']}", {"status": "cancelled"})
    enrol(api, clinic_id, api.patient(clinic_id, phone="+15551230003"), boosters["template_id"], later=1)

    found = api.call("GET", f"/admin/clinics/{clinic_id}/outcomes").body

    [first, other] = found["courses"]
    assert (first["name"], first["planned_sessions"]) == ("Induction", 3)
    assert first["courses"] == {"active": 1, "paused": 0, "finished": 0, "cancelled": 1}
    [gad7] = first["instruments"]
    assert gad7["patients_measured"] == 2
    assert gad7["by_session"] == [
        {"session": 1, "patients": 2, "average_change": 0.0},
        {"session": 2, "patients": 2, "average_change": -3.0},
        {"session": 3, "patients": 2, "average_change": -5.5},
    ], "no baseline survey: each course's first score is its baseline, at the session it followed"
    assert (gad7["responders"], gad7["response_rate"], gad7["remitters"]) == (1, 0.5, 0)
    assert (other["name"], other["courses"]["active"], other["instruments"]) == ("Boosters", 1, [])


def test_courses_of_another_clinics_patient_are_not_found(api: Api) -> None:
    mine, other = api.clinic(), api.clinic(sender="+15557770888")
    patient_id = api.patient(other, phone="+15551230077")
    template_id = template(api, mine)["template_id"]

    assert enrol(api, mine, patient_id, template_id).status == 404
    assert enrol(api, other, patient_id, template_id).status == 404, "a template of another clinic"


def completed(api: Api, clinic_id: str, patient_id: str, appointment: dict[str, Any], score: int) -> None:
    session_at = parse_utc(appointment["starts_at"])
    survey = Survey(
        f"sv_{appointment['appointment_id'][3:]}",
        clinic_id,
        patient_id,
        appointment["appointment_id"],
        "gad7",
        SurveyStatus.COMPLETED,
        answers=(score,),
        invited_at=session_at + timedelta(hours=4),
        expires_at=session_at + timedelta(days=2),
        session_at=session_at,
        score=score,
        severity=None,
        completed_at=session_at + timedelta(hours=5),
        course_id=appointment.get("course_id"),
        session=appointment.get("session"),
    )
    api.dynamodb.put_item(TableName=api.table.name, Item=to_attributes(survey_items.to_item(survey)))
    assert session_at > NOW
