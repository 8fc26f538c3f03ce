"""The admin API's output is the views' alone: the domain serialises nothing, and each view answers
the fields the contract names (CONTRACT.md sections 3 and 7) for its resource."""

import importlib
import inspect
import pkgutil
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

import touchpoint.domain
from tests.unit.builders import appointment, clinic, job, patient, utc
from touchpoint.domain.alerts import AlertKind, acknowledge, new_alert
from touchpoint.domain.appointment import JobState
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.outcomes import Outcome, OutcomePoint, SeriesPoint
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.handlers.views import (
    alert_view,
    appointment_with_messages_view,
    clinic_view,
    job_view,
    message_view,
    outcome_view,
    patient_view,
    survey_view,
)
from touchpoint.usecases.admin import AppointmentView

AT = utc(2026, 12, 3, 15, 0)


def domain_classes() -> list[type]:
    found: list[type] = []
    for module_info in pkgutil.iter_modules(touchpoint.domain.__path__):
        module = importlib.import_module(f"touchpoint.domain.{module_info.name}")
        found.extend(
            cls for _, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == module.__name__
        )
    return found


def test_no_class_of_the_domain_serialises_itself() -> None:
    classes = domain_classes()

    assert len(classes) > 20  # the walk found the domain
    assert [cls.__qualname__ for cls in classes if hasattr(cls, "to_dict")] == []


def contains(view: dict[str, Any], names: set[str]) -> set[str]:
    """The names the contract lists that the view lacks."""
    return names - set(view)


def test_a_clinic_view_has_its_settings_ids_and_times() -> None:
    view = clinic_view(clinic())

    assert list(view) == [
        "clinic_id",
        "name",
        "timezone",
        "sender",
        "phone",
        "quiet_hours",
        "reminders",
        "follow_ups",
        "discreet",
        "survey_expiry_hours",
        "escalation_minutes",
        "frequency_caps",
        "checklist",
        "default_language",
        "created_at",
        "updated_at",
    ]
    assert view["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert view["frequency_caps"] == {"per_day": 1, "per_week": 3, "kinds": ["reminder"]}
    assert view["created_at"].endswith("Z")


def test_a_patient_view_has_the_phone_zone_and_opt_out() -> None:
    view = patient_view(patient())

    assert not contains(view, {"patient_id", "first_name", "phone", "timezone", "opted_out"})
    assert list(view) == [
        "patient_id",
        "clinic_id",
        "first_name",
        "phone",
        "timezone",
        "opted_out",
        "created_at",
    ]
    assert (view["phone"], view["timezone"], view["opted_out"]) == ("+15551230001", "America/New_York", False)


def test_an_appointment_view_has_its_status_and_planned_messages() -> None:
    skipped = replace(job(AT, JobState.SKIPPED, job_id="jb_2"), reason="opted_out")
    view = appointment_with_messages_view(AppointmentView(appointment(AT), [job(AT), skipped]))

    assert list(view) == [
        "appointment_id",
        "clinic_id",
        "patient_id",
        "starts_at",
        "duration_minutes",
        "status",
        "created_at",
        "messages",
    ]
    assert view["status"] == "scheduled"
    pending, skipped_view = view["messages"]
    assert list(pending) == ["job_id", "kind", "rule", "due_at", "state"]
    assert (pending["kind"], pending["due_at"], pending["state"]) == (
        "reminder",
        "2026-12-03T15:00:00Z",
        "pending",
    )
    assert list(skipped_view) == ["job_id", "kind", "rule", "due_at", "state", "reason"]
    assert skipped_view == job_view(skipped)


def test_a_message_view_has_its_patient_direction_body_status_and_time() -> None:
    message = MessageRecord("ms_1", "cl_1", "pt_1", "inbound", "C", "received", AT)
    sent = MessageRecord(
        "ms_2", "cl_1", "pt_1", "outbound", "Hi", "sent", AT, twilio_sid="SM1", job_id="jb_1"
    )

    assert message_view(message) == {
        "message_id": "ms_1",
        "patient_id": "pt_1",
        "direction": "inbound",
        "body": "C",
        "status": "received",
        "at": "2026-12-03T15:00:00Z",
    }
    assert list(message_view(sent)) == [
        "message_id",
        "patient_id",
        "direction",
        "body",
        "status",
        "at",
        "twilio_sid",
        "job_id",
    ]


def test_a_survey_view_has_its_instrument_status_answers_score_and_severity() -> None:
    survey = Survey(
        "sv_1",
        "cl_1",
        "pt_1",
        "ap_1",
        "gad7",
        SurveyStatus.INVITED,
        (),
        invited_at=AT,
        expires_at=AT + timedelta(hours=24),
        session_at=AT - timedelta(hours=4),
    )

    view = survey_view(survey, AT)

    assert not contains(view, {"survey", "status", "answers", "score", "severity"})
    assert list(view) == [
        "survey_id",
        "survey",
        "status",
        "answers",
        "score",
        "severity",
        "appointment_id",
        "session_at",
        "invited_at",
        "expires_at",
        "completed_at",
        "nudged",
    ]
    assert (view["status"], view["answers"], view["completed_at"]) == ("invited", [], None)
    assert survey_view(survey, AT + timedelta(hours=24))["status"] == "expired"


def test_an_outcome_view_has_baseline_latest_change_response_remission_and_series() -> None:
    first, last = OutcomePoint(18, "severe", AT), OutcomePoint(6, "mild", AT + timedelta(weeks=2))
    outcome = Outcome("gad7", first, last, -66.7, True, False, (SeriesPoint("ap_1", AT, 18, "severe"),))

    view = outcome_view(outcome)

    assert list(view) == ["survey", "baseline", "latest", "change_percent", "response", "remission", "series"]
    assert view["baseline"] == {"score": 18, "severity": "severe", "session_at": "2026-12-03T15:00:00Z"}
    assert view["series"] == [
        {"appointment_id": "ap_1", "session_at": "2026-12-03T15:00:00Z", "score": 18, "severity": "severe"}
    ]


ALERT_FIELDS = {"alert_id", "patient_id", "first_name", "kind", "at", "text", "state"}
ACKNOWLEDGED_FIELDS = {"acknowledged_by", "acknowledged_at", "note"}


@pytest.mark.parametrize("kind", [AlertKind.CRISIS, "severe_score", "reschedule_request"])
def test_an_alert_view_has_the_fields_of_section_7(kind: str) -> None:
    alert = new_alert(
        "al_1",
        "cl_1",
        kind,
        AT,
        "text",
        escalation_interval=timedelta(minutes=15),
        patient_id="pt_1",
        first_name="Ana",
        rule="en.direct.end_it_all" if kind == AlertKind.CRISIS else None,
    )
    view = alert_view(acknowledge(alert, by="dr-lee", note="called her", at=AT + timedelta(minutes=5)))

    assert not contains(view, ALERT_FIELDS | ACKNOWLEDGED_FIELDS | {"rule", "escalations"})
    assert list(view) == [
        "alert_id",
        "clinic_id",
        "patient_id",
        "first_name",
        "kind",
        "rule",
        "at",
        "text",
        "phone",
        "state",
        "acknowledged_by",
        "acknowledged_at",
        "note",
        "escalations",
        "escalated_at",
    ]
    assert (view["state"], view["acknowledged_by"], view["acknowledged_at"], view["note"]) == (
        "acknowledged",
        "dr-lee",
        "2026-12-03T15:05:00Z",
        "called her",
    )
    assert (view["rule"] is not None) is (kind == AlertKind.CRISIS)
    assert alert_view(alert)["state"] == "open"
