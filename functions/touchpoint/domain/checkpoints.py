"""A course's checkpoints (contract section 11): the alerts it raises when a patient is not
improving, is getting worse, or has stopped coming. Pure.

- `no_improvement`: the score that follows the template's N-th session improved on the
  baseline by less than its percentage;
- `worsening`: a score at least the template's points above the baseline;
- `drop_out`: no next session booked within the template's days of the last one, the course
  still active and short of its planned sessions.

The baseline of an instrument is the course's first score of it: the baseline survey, or a
recent score from before the course that stood in for it (`course_scores`).
"""

from dataclasses import dataclass
from datetime import timedelta

from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.appointment import Appointment
from touchpoint.domain.courses import Course, CourseStatus
from touchpoint.domain.instruments import Instrument
from touchpoint.domain.surveys import Survey, SurveyStatus


@dataclass(frozen=True)
class Checkpoint:
    kind: AlertKind
    text: str
    rule: str


def course_scores(surveys: list[Survey], course: Course) -> list[Survey]:
    """The completed surveys that count for the course: its own, and, when it has no baseline
    survey of its own (one answered before its first session), the patient's latest score of the
    baseline instrument from the `baseline_reuse_days` before that session."""
    completed = [s for s in surveys if s.status is SurveyStatus.COMPLETED and s.score is not None]
    own = [s for s in completed if s.course_id == course.course_id]
    baseline = course.template.baseline
    if baseline is None or not own:
        return own
    first_session_at = min(s.session_at for s in own)
    if any(s.instrument_id == baseline and _before_session(s) for s in own):
        return own
    window = timedelta(days=course.template.baseline_reuse_days)
    earlier = [
        s
        for s in completed
        if s.course_id != course.course_id
        and s.instrument_id == baseline
        and s.completed_at is not None
        and first_session_at - window <= s.completed_at <= first_session_at
    ]
    return [max(earlier, key=lambda s: s.completed_at or s.invited_at), *own] if earlier else own


def _before_session(survey: Survey) -> bool:
    return survey.completed_at is not None and survey.completed_at <= survey.session_at


def session_number(score: Survey, course: Course) -> int:
    """Which of the course's sessions a score of course_scores(...) follows: 0 for one from
    before the first (the baseline survey, or the recent score standing in for it)."""
    if score.course_id != course.course_id or _before_session(score):
        return 0
    return score.session or 0


def score_checkpoints(
    course: Course, scores: list[Survey], survey: Survey, instrument: Instrument
) -> list[Checkpoint]:
    """What `survey`, just completed, raises: `scores` are course_scores(...) with it among them."""
    if survey.score is None or survey.session is None or survey.instrument_id not in course.template.measures:
        return []
    series = sorted(
        (s for s in scores if s.instrument_id == survey.instrument_id),
        key=lambda s: (s.session_at, s.invited_at),
    )
    if not series or series[0].survey_id == survey.survey_id:
        return []  # it is the baseline
    baseline = series[0].score
    assert baseline is not None
    rules = course.template.checkpoints
    name = instrument.name
    found = []
    if survey.score >= baseline + rules.worsening_points:
        found.append(
            Checkpoint(
                AlertKind.WORSENING,
                f"{name} {survey.score} after session {survey.session}: "
                f"{survey.score - baseline} above the baseline of {baseline}.",
                f"worsening: {rules.worsening_points} or more points above baseline",
            )
        )
    if survey.session == rules.no_improvement_after_sessions and baseline > 0:
        improvement = (baseline - survey.score) / baseline * 100
        if improvement < rules.no_improvement_below_percent:
            found.append(
                Checkpoint(
                    AlertKind.NO_IMPROVEMENT,
                    f"{name} {survey.score} after session {survey.session}: {round(improvement)}% "
                    f"better than the baseline of {baseline}.",
                    f"no_improvement: under {rules.no_improvement_below_percent}% better after "
                    f"{rules.no_improvement_after_sessions} sessions",
                )
            )
    return found


def drop_out(course: Course, appointment: Appointment) -> Checkpoint | None:
    """Whether the course's check after `appointment` (its session) finds the patient dropped
    out: still active, short of its planned sessions, and no session booked since this one (a
    later session booked and then cancelled leaves its own check, due after its date)."""
    plan = appointment.course_plan
    if course.status is not CourseStatus.ACTIVE or appointment.session is None or plan is None:
        return None
    if course.sessions > appointment.session or course.sessions >= course.template.planned_sessions:
        return None
    days = plan.drop_out_days
    return Checkpoint(
        AlertKind.DROP_OUT,
        f"No session booked in the {days} days since session {appointment.session} of "
        f"{course.template.planned_sessions} ({course.template.name}).",
        f"drop_out: no next session within {days} days",
    )
