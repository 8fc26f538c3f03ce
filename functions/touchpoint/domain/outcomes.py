"""Measurement-based care: per instrument, how a patient's scores move session by session."""

from dataclasses import dataclass
from datetime import datetime

from touchpoint.domain.instruments import Instrument
from touchpoint.domain.surveys import Survey, SurveyStatus


@dataclass(frozen=True)
class OutcomePoint:
    """A score at one session: the baseline or the latest."""

    score: int
    severity: str | None
    session_at: datetime


@dataclass(frozen=True)
class SeriesPoint:
    appointment_id: str
    session_at: datetime
    score: int | None
    severity: str | None


@dataclass(frozen=True)
class Outcome:
    survey: str  # the instrument id
    baseline: OutcomePoint
    latest: OutcomePoint
    change_percent: float | None
    response: bool
    remission: bool | None
    series: tuple[SeriesPoint, ...]


def outcomes(surveys: list[Survey], instruments: dict[str, Instrument]) -> list[Outcome]:
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
            Outcome(
                survey=instrument_id,
                baseline=OutcomePoint(baseline.score, baseline.severity, baseline.session_at),
                latest=OutcomePoint(latest.score, latest.severity, latest.session_at),
                change_percent=change,
                response=change is not None and len(series) > 1 and change <= -drop,
                remission=None if remission_below is None else latest.score < remission_below,
                series=tuple(
                    SeriesPoint(survey.appointment_id, survey.session_at, survey.score, survey.severity)
                    for survey in series
                ),
            )
        )
    return result
