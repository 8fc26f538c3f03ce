"""A clinic's treatment courses added up, per template: how many courses are in each status, and
per instrument the template measures, the average change from each course's baseline by session
number, and how many respond and remit (each course's outcome as its own report says it).

Session 0 is a baseline from before the first session (the baseline survey, or the recent score
that stood in for it); n is the scores that followed session n, the end-of-course assessment
with the last session's. A course without such a baseline has its first score as baseline, at
the session it followed.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from touchpoint.domain.checkpoints import course_scores, session_number
from touchpoint.domain.clinic_outcomes import InstrumentOutcomes, summary
from touchpoint.domain.courses import Course, CourseStatus, CourseTemplate
from touchpoint.domain.instruments import Instrument
from touchpoint.domain.outcomes import Outcome, outcomes
from touchpoint.domain.surveys import Survey


@dataclass(frozen=True)
class TemplateOutcomes:
    template: CourseTemplate  # as the latest course enrolled in it holds it
    statuses: dict[CourseStatus, int]
    instruments: list[InstrumentOutcomes]


def course_outcomes(
    courses: Iterable[Course], surveys: Iterable[Survey], catalogue: dict[str, Instrument]
) -> list[TemplateOutcomes]:
    """By template, in the order their first course was enrolled (then by name, for courses
    enrolled in the same second)."""
    by_patient: dict[str, list[Survey]] = defaultdict(list)
    for survey in surveys:
        by_patient[survey.patient_id].append(survey)
    by_template: dict[str, list[Course]] = defaultdict(list)
    for course in sorted(courses, key=lambda c: (c.enrolled_at, c.template.name, c.template.template_id)):
        by_template[course.template.template_id].append(course)
    return [_template(group, by_patient, catalogue) for group in by_template.values()]


@dataclass(frozen=True)
class CourseOutcome:
    """One instrument's outcome of a course, and the session number of each point of its series."""

    outcome: Outcome
    sessions: tuple[int, ...]


def course_outcome(
    surveys: list[Survey], course: Course, catalogue: dict[str, Instrument]
) -> list[CourseOutcome]:
    """The course's outcome per instrument it measures, over course_scores(...) of `surveys`
    (the patient's)."""
    measured = set(course.template.measures)
    scores = [
        score for score in course_scores(surveys, course) if not measured or score.instrument_id in measured
    ]
    found = []
    for outcome in outcomes(scores, catalogue):
        series = sorted(
            (score for score in scores if score.instrument_id == outcome.survey),
            key=lambda score: (score.session_at, score.invited_at),  # the order outcomes() keeps
        )
        found.append(CourseOutcome(outcome, tuple(session_number(score, course) for score in series)))
    return found


def _template(
    courses: list[Course], by_patient: dict[str, list[Survey]], catalogue: dict[str, Instrument]
) -> TemplateOutcomes:
    found: dict[str, list[Outcome]] = defaultdict(list)
    numbers: dict[str, list[list[int]]] = defaultdict(list)
    for course in courses:
        for each in course_outcome(by_patient[course.patient_id], course, catalogue):
            found[each.outcome.survey].append(each.outcome)
            numbers[each.outcome.survey].append(list(each.sessions))
    statuses = {status: sum(course.status is status for course in courses) for status in CourseStatus}
    return TemplateOutcomes(
        courses[-1].template,
        statuses,
        [summary(instrument, found[instrument], numbers[instrument]) for instrument in sorted(found)],
    )
