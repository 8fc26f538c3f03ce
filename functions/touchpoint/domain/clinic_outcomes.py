"""Measurement-based care across a clinic: per instrument, how its patients' scores move from
session to session, and how many respond and remit.

Each patient's course is outcomes.outcomes' (baseline = first completed survey, response and
remission as the per-patient route says them); this only adds the patients up. Session n is a
patient's n-th completed survey of the instrument, in the order of the sessions they follow.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from touchpoint.domain.instruments import Instrument
from touchpoint.domain.outcomes import Outcome, outcomes
from touchpoint.domain.surveys import Survey


@dataclass(frozen=True)
class SessionChange:
    session: int  # 1 is the baseline (0 in a course's outcomes: domain/course_outcomes.py)
    patients: int  # those with at least this many sessions
    average_change: float  # their mean score change from their own baseline, in points


@dataclass(frozen=True)
class InstrumentOutcomes:
    instrument: str
    patients_measured: int  # with at least one completed survey of the instrument
    by_session: tuple[SessionChange, ...]
    responders: int
    remitters: int
    response_rate: float  # of the patients measured
    remission_rate: float | None  # None: the instrument defines no remission


def clinic_outcomes(surveys: Iterable[Survey], catalogue: dict[str, Instrument]) -> list[InstrumentOutcomes]:
    """By instrument id; surveys not completed are left out, as outcomes.outcomes leaves them."""
    by_patient: dict[str, list[Survey]] = defaultdict(list)
    for survey in surveys:
        by_patient[survey.patient_id].append(survey)
    courses: dict[str, list[Outcome]] = defaultdict(list)
    for patient_surveys in by_patient.values():
        for outcome in outcomes(patient_surveys, catalogue):
            courses[outcome.survey].append(outcome)
    return [summary(instrument, courses[instrument]) for instrument in sorted(courses)]


def summary(
    instrument: str, courses: list[Outcome], sessions: list[list[int]] | None = None
) -> InstrumentOutcomes:
    """The patients' outcomes of one instrument added up; `sessions`, when given, numbers each
    outcome's series (by default 1, 2, 3... from the baseline)."""
    changes: dict[int, list[int]] = defaultdict(list)
    for n, course in enumerate(courses):
        numbers = sessions[n] if sessions else range(1, len(course.series) + 1)
        for session, point in zip(numbers, course.series, strict=True):
            if point.score is not None:
                changes[session].append(point.score - course.baseline.score)
    measured = len(courses)
    responders = sum(course.response for course in courses)
    remitters = sum(course.remission is True for course in courses)
    defines_remission = any(course.remission is not None for course in courses)
    return InstrumentOutcomes(
        instrument=instrument,
        patients_measured=measured,
        by_session=tuple(
            SessionChange(session, len(found), round(sum(found) / len(found), 2))
            for session, found in sorted(changes.items())
        ),
        responders=responders,
        remitters=remitters,
        response_rate=round(responders / measured, 3),
        remission_rate=round(remitters / measured, 3) if defines_remission else None,
    )
