"""Measurement-based care: per instrument, how a patient's scores move session by session."""

from typing import Any

from touchpoint.domain.instruments import Instrument
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.timeutil import utc_iso


def outcomes(surveys: list[Survey], instruments: dict[str, Instrument]) -> list[dict[str, Any]]:
    """Baseline (first completed) and latest score, change, response and remission, and the series."""
    completed = sorted(
        (
            survey
            for survey in surveys
            if survey.status is SurveyStatus.COMPLETED and survey.score is not None
        ),
        key=lambda survey: (survey.session_at, survey.invited_at),
    )
    result = []
    for instrument_id in sorted({survey.instrument_id for survey in completed}):
        series = [survey for survey in completed if survey.instrument_id == instrument_id]
        instrument = instruments.get(instrument_id)
        baseline, latest = series[0], series[-1]
        assert baseline.score is not None
        assert latest.score is not None
        change = (
            None if baseline.score == 0 else round((latest.score - baseline.score) / baseline.score * 100, 1)
        )
        drop = instrument.response_drop_percent if instrument else 50
        remission_below = instrument.remission_below if instrument else None
        result.append(
            {
                "survey": instrument_id,
                "baseline": {
                    "score": baseline.score,
                    "severity": baseline.severity,
                    "session_at": utc_iso(baseline.session_at),
                },
                "latest": {
                    "score": latest.score,
                    "severity": latest.severity,
                    "session_at": utc_iso(latest.session_at),
                },
                "change_percent": change,
                "response": change is not None and len(series) > 1 and change <= -drop,
                "remission": None if remission_below is None else latest.score < remission_below,
                "series": [
                    {
                        "appointment_id": survey.appointment_id,
                        "session_at": utc_iso(survey.session_at),
                        "score": survey.score,
                        "severity": survey.severity,
                    }
                    for survey in series
                ],
            }
        )
    return result
