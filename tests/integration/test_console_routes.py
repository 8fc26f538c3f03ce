"""The console's own admin routes, on moto through the admin handler: the settings preview
(POST .../preview: the messages a sample appointment would get, nothing stored) and the
clinic-wide outcomes (GET .../outcomes: per instrument, from the completed surveys)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import Api, Booked, staff
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo import surveys as survey_items
from touchpoint.adapters.dynamo.table import to_attributes
from touchpoint.domain.access import Role
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.usecases import clinic_outcomes

moto_table = module_table_fixture()
api = admin_world.api
booked = admin_world.booked

# ---- the settings preview ----


def preview(api: Api, clinic_id: str, body: Any, **options: Any) -> admin_world.Reply:
    return api.call("POST", f"/admin/clinics/{clinic_id}/preview", body, **options)


def test_a_preview_answers_the_sample_appointments_messages_in_send_order_and_stores_nothing(
    api: Api, booked: Booked
) -> None:
    before = api.items()

    reply = preview(api, booked.clinic_id, {"starts_at": "2026-12-01T15:00:00-05:00"})

    assert reply.status == 200, reply.body
    assert api.items() == before
    assert (reply.body["starts_at"], reply.body["starts_at_local"]) == (
        "2026-12-01T20:00:00Z",
        "2026-12-01T15:00:00-05:00",
    )
    messages = reply.body["messages"]
    assert [(m["kind"], m["instrument"], m["due_at"], m["due_at_local"]) for m in messages] == [
        ("reminder", None, "2026-11-29T23:00:00Z", "2026-11-29T18:00:00-05:00"),
        ("reminder", None, "2026-11-30T20:00:00Z", "2026-11-30T15:00:00-05:00"),
        ("reminder", None, "2026-12-01T18:00:00Z", "2026-12-01T13:00:00-05:00"),
        ("follow_up", "anxiety-now", "2026-12-02T01:00:00Z", "2026-12-01T20:00:00-05:00"),
        ("follow_up", "gad7", "2026-12-08T21:00:00Z", "2026-12-08T16:00:00-05:00"),
    ]
    assert messages[0]["body"] == (
        "Hi Alex, reminder: your appointment at Calm Waters is Tue Dec 1 at 3:00 PM. "
        "Reply C to confirm or R to reschedule. Reply STOP to opt out."
    )
    assert messages[3]["body"].startswith("Hi Alex, you have a check-in from Calm Waters (1 question).")
    assert all((m["segments"], m["encoding"]) == (1, "GSM-7") for m in messages)
    assert reply.body["skipped"] == []


def test_a_preview_words_the_texts_for_a_patient_of_the_language_asked_else_the_clinics_default(
    api: Api, booked: Booked
) -> None:
    spanish = preview(api, booked.clinic_id, {"starts_at": "2026-12-01T15:00:00-05:00", "language": "es"})
    default = preview(api, booked.clinic_id, {"starts_at": "2026-12-01T15:00:00-05:00"})
    spanish_default = preview(
        api,
        booked.clinic_id,
        {"starts_at": "2026-12-01T15:00:00-05:00", "settings": {"default_language": "es"}},
    )

    assert spanish.status == 200, spanish.body
    bodies = [message["body"] for message in spanish.body["messages"]]
    assert bodies[0] == (
        "Hola Alex: su cita en Calm Waters es el martes 1 de diciembre a las 3:00 p. m. "
        "Responda C para confirmar, R para cambiarla o ALTO para darse de baja."
    )
    assert bodies[3].startswith("Hola Alex, tiene un cuestionario de Calm Waters (1 pregunta).")
    assert default.body["messages"][0]["body"].startswith("Hi Alex, reminder:")
    assert [m["body"] for m in spanish_default.body["messages"]] == bodies


def test_a_preview_applies_the_changed_settings_as_a_patch_would_without_changing_the_clinic(
    api: Api, booked: Booked
) -> None:
    change = {"discreet": False, "name": "Calm Waters Ketamine", "reminders": [{"before": "P1D"}]}

    reply = preview(api, booked.clinic_id, {"settings": change, "first_name": "Sam"})

    assert reply.status == 200, reply.body
    reminder, anxiety, gad7 = reply.body["messages"]
    assert "Hi Sam" in reminder["body"]
    assert "Calm Waters Ketamine" in reminder["body"]
    assert not anxiety["body"].startswith("Hi ")  # not discreet: the question straight away
    assert gad7["body"].startswith("Q1/7 ")
    assert gad7["segments"] == 2
    clinic = api.call("GET", f"/admin/clinics/{booked.clinic_id}").body
    assert (clinic["name"], clinic["discreet"], len(clinic["reminders"])) == ("Calm Waters", True, 3)


def test_without_a_time_the_sample_is_tomorrow_at_ten_in_the_clinic(api: Api, booked: Booked) -> None:
    late_evening = datetime(2026, 11, 21, 3, 30, tzinfo=UTC)  # 22:30 on the 20th in New York

    reply = preview(api, booked.clinic_id, {}, now=late_evening)

    assert reply.status == 200, reply.body
    assert reply.body["starts_at_local"] == "2026-11-21T10:00:00-05:00"
    skipped = [(s["kind"], s["reason"]) for s in reply.body["skipped"]]
    assert skipped == [("reminder", "overdue")] * 2, "a day before and 2 days before at 18:00 are past"


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"reminders": [{"before": "soon"}]},
        {"follow_ups": [{"after": "PT1H", "survey": "nope"}]},
        {"quiet_hours": {"start": "25:00", "end": "08:00"}},
        {"colour": "blue"},
        ["name"],
    ],
)
def test_bad_settings_get_the_answer_a_patch_gets(api: Api, booked: Booked, settings: Any) -> None:
    path = f"/admin/clinics/{booked.clinic_id}"
    before = api.items()

    patched = api.call("PATCH", path, settings)
    previewed = preview(api, booked.clinic_id, {"settings": settings})

    assert previewed.status == patched.status == 422, previewed.body
    assert previewed.body == patched.body
    assert api.items() == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"starts_at": "next week"}, 422, "starts_at"),
        ({"duration_minutes": "60"}, 422, "duration_minutes"),
        ({"first_name": 7}, 422, "first_name"),
        ({"settings": {}, "extra": 1}, 422, "extra"),
        ({"language": "fr"}, 422, "language"),
        ({"language": None}, 422, "language"),
        ([], 422, "body"),
    ],
)
def test_a_bad_preview_request_is_refused_with_the_field(
    api: Api, booked: Booked, body: Any, status: int, field: str
) -> None:
    reply = preview(api, booked.clinic_id, body)

    assert (reply.status, reply.error["field"]) == (status, field), reply.body


def test_a_body_that_is_not_json_is_a_400(api: Api, booked: Booked) -> None:
    reply = preview(api, booked.clinic_id, None, raw=b"{not json")

    assert reply.status == 400, reply.body


def test_a_clinician_may_preview_but_not_another_clinics_settings(api: Api, booked: Booked) -> None:
    other = api.clinic(sender="+15557770888")
    clinician = staff(Role.CLINICIAN, [booked.clinic_id])

    mine = preview(api, booked.clinic_id, {}, claims=clinician)
    theirs = preview(api, other, {}, claims=clinician)

    assert (mine.status, theirs.status) == (200, 403)


def test_a_preview_of_a_clinic_that_does_not_exist_is_a_404(api: Api) -> None:
    assert preview(api, "cl_missing", {}).status == 404


# ---- clinic-wide outcomes ----

FIRST_SESSION = datetime(2026, 10, 1, 15, tzinfo=UTC)


def completed(clinic_id: str, patient: str, instrument: str, session: int, score: int) -> Survey:
    at = FIRST_SESSION + timedelta(days=7 * (session - 1))
    return Survey(
        f"sv_{patient}_{instrument}_{session}",
        clinic_id,
        patient,
        f"ap_{patient}_{session}",
        instrument,
        SurveyStatus.COMPLETED,
        (),
        invited_at=at + timedelta(hours=4),
        expires_at=at + timedelta(days=1),
        session_at=at,
        score=score,
        severity="moderate",
        completed_at=at + timedelta(hours=5),
    )


def put(api: Api, *surveys: Survey) -> None:
    for survey in surveys:
        item = {k: v for k, v in survey_items.to_item(survey).items() if v is not None}
        api.dynamodb.put_item(TableName=api.table.name, Item=to_attributes(item))


def outcomes(api: Api, clinic_id: str, query: str = "", **options: Any) -> admin_world.Reply:
    return api.call("GET", f"/admin/clinics/{clinic_id}/outcomes", query=query, **options)


@pytest.fixture
def measured(api: Api, booked: Booked) -> str:
    clinic_id = booked.clinic_id
    put(
        api,
        completed(clinic_id, "pt_a", "gad7", 1, 16),
        completed(clinic_id, "pt_a", "gad7", 2, 10),
        completed(clinic_id, "pt_a", "gad7", 3, 4),
        completed(clinic_id, "pt_b", "gad7", 1, 12),
        completed(clinic_id, "pt_b", "gad7", 2, 11),
        completed(clinic_id, "pt_a", "anxiety-now", 1, 7),
    )
    other = api.clinic(sender="+15557770777")
    put(api, completed(other, "pt_z", "gad7", 1, 20), completed(other, "pt_z", "gad7", 2, 1))
    return clinic_id


def test_outcomes_add_up_each_instrument_by_session_for_the_clinic_alone(api: Api, measured: str) -> None:
    reply = outcomes(api, measured)

    assert reply.status == 200, reply.body
    assert reply.body == {
        "instruments": [
            {
                "instrument": "anxiety-now",
                "patients_measured": 1,
                "by_session": [{"session": 1, "patients": 1, "average_change": 0.0}],
                "responders": 0,
                "remitters": 0,
                "response_rate": 0.0,
                "remission_rate": None,
            },
            {
                "instrument": "gad7",
                "patients_measured": 2,
                "by_session": [
                    {"session": 1, "patients": 2, "average_change": 0.0},
                    {"session": 2, "patients": 2, "average_change": -3.5},
                    {"session": 3, "patients": 1, "average_change": -12.0},
                ],
                "responders": 1,
                "remitters": 1,
                "response_rate": 0.5,
                "remission_rate": 0.5,
            },
        ],
        "courses": [],  # no patient is in a treatment course
        "surveys": 6,
        "complete": True,
    }


def test_outcomes_read_only_the_surveys_completed_between_from_and_to(api: Api, measured: str) -> None:
    reply = outcomes(api, measured, "from=2026-10-08&to=2026-10-31")

    assert reply.status == 200, reply.body
    [gad7] = reply.body["instruments"]
    assert (gad7["patients_measured"], reply.body["surveys"]) == (2, 3)
    assert gad7["by_session"][0] == {"session": 1, "patients": 2, "average_change": 0.0}


def test_outcomes_page_through_the_index_and_stop_at_the_cap_saying_so(
    api: Api, measured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clinic_outcomes, "SURVEY_PAGE", 2)
    paged = outcomes(api, measured)
    monkeypatch.setattr(clinic_outcomes, "MAX_SURVEYS", 3)
    capped = outcomes(api, measured)

    assert paged.status == capped.status == 200
    assert (paged.body["surveys"], paged.body["complete"]) == (6, True)
    assert (capped.body["surveys"], capped.body["complete"]) == (3, False)


def test_outcomes_of_a_clinic_without_surveys_are_empty(api: Api, booked: Booked) -> None:
    reply = outcomes(api, booked.clinic_id)

    assert (reply.status, reply.body) == (
        200,
        {"instruments": [], "courses": [], "surveys": 0, "complete": True},
    )


@pytest.mark.parametrize(
    "query", ["from=yesterday", "to=2026-10-01T00:00:00", "from=2026-11-02&to=2026-11-01"]
)
def test_a_bad_range_is_a_400(api: Api, booked: Booked, query: str) -> None:
    reply = outcomes(api, booked.clinic_id, query)

    assert reply.status == 400, reply.body


def test_reading_outcomes_is_audited_as_a_read_of_patients_data(api: Api, measured: str) -> None:
    clinician = staff(Role.CLINICIAN, [measured], name="nurse-1")

    assert outcomes(api, measured, claims=clinician).status == 200

    pages = api.dynamodb.get_paginator("scan").paginate(TableName=api.table.name)
    audited = [item for page in pages for item in page["Items"] if item["pk"]["S"].startswith("AUDIT#")]
    assert any(
        item["action"]["S"] == "read_patient" and item.get("route", {}).get("S", "").endswith("/outcomes")
        for item in audited
    ), audited
