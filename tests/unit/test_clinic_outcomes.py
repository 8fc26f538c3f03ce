"""Clinic-wide outcomes (domain/clinic_outcomes.py): each patient's course as outcomes.outcomes
reads it (baseline, response, remission), added up per instrument and session."""

from datetime import UTC, datetime, timedelta

from touchpoint.domain.clinic_outcomes import SessionChange, clinic_outcomes
from touchpoint.domain.instruments import instruments
from touchpoint.domain.outcomes import outcomes
from touchpoint.domain.surveys import Survey, SurveyStatus

FIRST = datetime(2026, 12, 1, 15, tzinfo=UTC)


def survey(
    patient: str, instrument: str, session: int, score: int, status: SurveyStatus = SurveyStatus.COMPLETED
) -> Survey:
    at = FIRST + timedelta(days=7 * (session - 1))
    return Survey(
        f"sv_{patient}_{instrument}_{session}",
        "cl_1",
        patient,
        f"ap_{patient}_{session}",
        instrument,
        status,
        (),
        invited_at=at + timedelta(hours=4),
        expires_at=at + timedelta(days=1),
        session_at=at,
        score=score,
        completed_at=at + timedelta(hours=5) if status is SurveyStatus.COMPLETED else None,
    )


def test_sessions_average_each_patients_change_from_their_own_baseline() -> None:
    surveys = [
        survey("pt_a", "gad7", 1, 16),
        survey("pt_a", "gad7", 2, 10),
        survey("pt_a", "gad7", 3, 4),
        survey("pt_b", "gad7", 1, 12),
        survey("pt_b", "gad7", 2, 11),
        survey("pt_c", "gad7", 1, 9),
    ]

    [gad7] = clinic_outcomes(reversed(surveys), instruments())

    assert gad7.instrument == "gad7"
    assert gad7.patients_measured == 3
    assert gad7.by_session == (
        SessionChange(1, 3, 0.0),
        SessionChange(2, 2, -3.5),
        SessionChange(3, 1, -12.0),
    )


def test_response_and_remission_are_the_per_patient_routes_verdicts_counted() -> None:
    surveys = [
        survey("pt_a", "gad7", 1, 16),
        survey("pt_a", "gad7", 2, 4),  # a 75% drop, below 5: responds and remits
        survey("pt_b", "gad7", 1, 12),
        survey("pt_b", "gad7", 2, 6),  # a 50% drop: responds, not below 5
        survey("pt_c", "gad7", 1, 4),  # baseline only: remission by its latest score
        survey("pt_d", "gad7", 1, 10),
        survey("pt_d", "gad7", 2, 9),
    ]
    per_patient = [
        outcome
        for patient in ("pt_a", "pt_b", "pt_c", "pt_d")
        for outcome in outcomes([s for s in surveys if s.patient_id == patient], instruments())
    ]

    [gad7] = clinic_outcomes(surveys, instruments())

    assert gad7.responders == sum(o.response for o in per_patient) == 2
    assert gad7.remitters == sum(o.remission is True for o in per_patient) == 2
    assert (gad7.response_rate, gad7.remission_rate) == (0.5, 0.5)


def test_an_instrument_without_remission_has_no_remission_rate_and_instruments_come_by_id() -> None:
    surveys = [
        survey("pt_a", "phq9", 1, 20),
        survey("pt_a", "anxiety-now", 1, 8),
        survey("pt_a", "anxiety-now", 2, 3),
        survey("pt_b", "anxiety-now", 1, 6),
    ]

    found = clinic_outcomes(surveys, instruments())

    assert [summary.instrument for summary in found] == ["anxiety-now", "phq9"]
    anxiety = found[0]
    assert (anxiety.responders, anxiety.response_rate, anxiety.remission_rate) == (1, 0.5, None)
    assert anxiety.remitters == 0


def test_surveys_not_completed_count_for_nothing() -> None:
    surveys = [
        survey("pt_a", "gad7", 1, 10),
        survey("pt_a", "gad7", 2, 2, SurveyStatus.IN_PROGRESS),
        survey("pt_b", "phq9", 1, 3, SurveyStatus.EXPIRED),
    ]

    [gad7] = clinic_outcomes(surveys, instruments())

    assert (gad7.patients_measured, gad7.by_session) == (1, (SessionChange(1, 1, 0.0),))
    assert clinic_outcomes([], instruments()) == []
