"""Treatment courses (contract section 11): a clinic's course templates (an induction of 6
infusions within 21 days, boosters...), a patient enrolled in one, and the appointments booked
while enrolled numbered as its sessions. Pure: parsing, the course's state machine, numbering.

A course is `active` (bookings join it), `paused` (bookings do not), `finished` or `cancelled`
(final: nothing joins it again). A patient has at most one course that is not final.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from touchpoint.domain.errors import Conflict, InvalidInput
from touchpoint.domain.json_input import json_object
from touchpoint.domain.timeutil import format_duration, parse_duration

MAX_SESSIONS = 52
MAX_WITHIN_DAYS = 366
MAX_NAME_CHARS = 80
MAX_REUSE_DAYS = 90
MAX_CHECKPOINT_DAYS = 90
# How long before the first session the baseline is asked, and after the last one the
# end-of-course assessment: by default two days before, and a day after.
BASELINE_BEFORE = timedelta(days=2)
END_OF_COURSE_AFTER = timedelta(days=1)
MAX_COURSE_SURVEY_OFFSET = timedelta(days=14)


class CourseStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


FINAL = frozenset({CourseStatus.FINISHED, CourseStatus.CANCELLED})
# Which status may follow which: a final course stays final.
TRANSITIONS: dict[CourseStatus, frozenset[CourseStatus]] = {
    CourseStatus.ACTIVE: frozenset({CourseStatus.PAUSED, CourseStatus.FINISHED, CourseStatus.CANCELLED}),
    CourseStatus.PAUSED: frozenset({CourseStatus.ACTIVE, CourseStatus.FINISHED, CourseStatus.CANCELLED}),
    CourseStatus.FINISHED: frozenset(),
    CourseStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class Checkpoints:
    """When a course raises an alert: too little improvement after some sessions, a score that
    rose above baseline, no next session booked in time."""

    no_improvement_after_sessions: int = 3
    no_improvement_below_percent: int = 20
    worsening_points: int = 5
    drop_out_days: int = 14


@dataclass(frozen=True)
class CourseTemplate:
    template_id: str
    clinic_id: str
    name: str
    planned_sessions: int
    within_days: int
    baseline: str | None  # the instrument measured before the first session
    baseline_reuse_days: int  # a score of it this recent stands in for the baseline
    measures: tuple[str, ...]  # the instruments the course's outcome reports
    end_of_course: str | None  # the instrument assessed after the last planned session
    checkpoints: Checkpoints
    created_at: datetime
    baseline_before: timedelta = BASELINE_BEFORE
    end_of_course_after: timedelta = END_OF_COURSE_AFTER


@dataclass(frozen=True)
class SessionPlan:
    """What a course adds to one of its sessions' messages, fixed when the session is booked
    (from the template as it was at enrolment): a baseline survey before the first session, an
    end-of-course assessment after the last planned one, and, after every other, the day by
    which the next session must be booked."""

    baseline: str | None = None
    baseline_before: timedelta = BASELINE_BEFORE
    baseline_reuse_days: int = 0
    end_of_course: str | None = None
    end_of_course_after: timedelta = END_OF_COURSE_AFTER
    drop_out_days: int | None = None


def session_plan(template: CourseTemplate, number: int) -> SessionPlan:
    """The plan of the course's session `number` (from 1)."""
    last = number >= template.planned_sessions
    return SessionPlan(
        baseline=template.baseline if number == 1 else None,
        baseline_before=template.baseline_before,
        baseline_reuse_days=template.baseline_reuse_days,
        end_of_course=template.end_of_course if number == template.planned_sessions else None,
        end_of_course_after=template.end_of_course_after,
        drop_out_days=None if last else template.checkpoints.drop_out_days,
    )


@dataclass(frozen=True)
class Course:
    course_id: str
    clinic_id: str
    patient_id: str
    template: CourseTemplate  # as it was at enrolment: a later edit changes no running course
    status: CourseStatus
    enrolled_at: datetime
    updated_at: datetime
    sessions: int = 0  # appointments booked into it so far

    @property
    def takes_bookings(self) -> bool:
        return self.status is CourseStatus.ACTIVE and self.sessions < self.template.planned_sessions


_TEMPLATE_FIELDS = {
    "name",
    "planned_sessions",
    "within_days",
    "baseline",
    "baseline_reuse_days",
    "measures",
    "end_of_course",
    "checkpoints",
    "baseline_before",
    "end_of_course_after",
}
_CHECKPOINT_FIELDS = {
    "no_improvement_after_sessions",
    "no_improvement_below_percent",
    "worsening_points",
    "drop_out_days",
}


def _whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{field} must be a whole number from {low} to {high}", field)
    return value


def _instrument(value: object, field: str, known: frozenset[str]) -> str:
    if not isinstance(value, str) or value not in known:
        raise InvalidInput(f"{field} must be one of {', '.join(sorted(known))}", field)
    return value


def parse_course_template(
    body: object, *, template_id: str, clinic_id: str, instruments: frozenset[str], now: datetime
) -> CourseTemplate:
    """A template as a clinic writes it; InvalidInput names the first field that is wrong."""
    data = json_object(body, allowed=_TEMPLATE_FIELDS)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"name is required, 1 to {MAX_NAME_CHARS} characters", "name")
    planned = _whole(data.get("planned_sessions"), "planned_sessions", 1, MAX_SESSIONS)
    within = _whole(data.get("within_days", 21), "within_days", 1, MAX_WITHIN_DAYS)
    baseline = data.get("baseline")
    if baseline is not None:
        baseline = _instrument(baseline, "baseline", instruments)
    measures_given = data.get("measures", [baseline] if baseline else [])
    if not isinstance(measures_given, list) or len(measures_given) > len(instruments):
        raise InvalidInput("measures must be a list of instrument ids", "measures")
    measures = tuple(dict.fromkeys(_instrument(item, "measures", instruments) for item in measures_given))
    end = data.get("end_of_course")
    if end is not None:
        end = _instrument(end, "end_of_course", instruments)
    return CourseTemplate(
        template_id=template_id,
        clinic_id=clinic_id,
        name=name.strip(),
        planned_sessions=planned,
        within_days=within,
        baseline=baseline,
        baseline_reuse_days=_whole(
            data.get("baseline_reuse_days", 7), "baseline_reuse_days", 0, MAX_REUSE_DAYS
        ),
        measures=measures,
        end_of_course=end,
        checkpoints=_checkpoints(data.get("checkpoints", {}), planned),
        created_at=now,
        baseline_before=_offset(data, "baseline_before", BASELINE_BEFORE),
        end_of_course_after=_offset(data, "end_of_course_after", END_OF_COURSE_AFTER),
    )


def _offset(data: dict[str, object], field: str, default: timedelta) -> timedelta:
    if field not in data:
        return default
    offset = parse_duration(data[field], field, maximum=MAX_COURSE_SURVEY_OFFSET)
    if offset < timedelta(hours=1):
        raise InvalidInput(f"{field} must be from PT1H to {format_duration(MAX_COURSE_SURVEY_OFFSET)}", field)
    return offset


def _checkpoints(value: object, planned: int) -> Checkpoints:
    data = json_object(value, allowed=_CHECKPOINT_FIELDS, field="checkpoints")
    default = Checkpoints()
    return Checkpoints(
        no_improvement_after_sessions=_whole(
            data.get("no_improvement_after_sessions", min(default.no_improvement_after_sessions, planned)),
            "checkpoints.no_improvement_after_sessions",
            1,
            planned,
        ),
        no_improvement_below_percent=_whole(
            data.get("no_improvement_below_percent", default.no_improvement_below_percent),
            "checkpoints.no_improvement_below_percent",
            1,
            100,
        ),
        worsening_points=_whole(
            data.get("worsening_points", default.worsening_points), "checkpoints.worsening_points", 1, 27
        ),
        drop_out_days=_whole(
            data.get("drop_out_days", default.drop_out_days),
            "checkpoints.drop_out_days",
            1,
            MAX_CHECKPOINT_DAYS,
        ),
    )


def parse_enrolment(body: object) -> str:
    """`{"template_id": "ct_..."}`: which template the patient is enrolled in."""
    data = json_object(body, allowed={"template_id"})
    template_id = data.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise InvalidInput("template_id is required: the course template to enrol in", "template_id")
    return template_id


def parse_course_change(body: object, course: Course, now: datetime) -> Course:
    """`{"status": "paused" | "active" | "finished" | "cancelled"}`: the course moved on, if it may."""
    data = json_object(body, allowed={"status"})
    wanted = data.get("status")
    if wanted not in set(CourseStatus):
        raise InvalidInput(f"status must be one of {', '.join(CourseStatus)}", "status")
    status = CourseStatus(str(wanted))
    if status is course.status:
        return course
    if status not in TRANSITIONS[course.status]:
        raise Conflict(f"the course is {course.status.value}: it cannot become {status.value}", "status")
    return replace(course, status=status, updated_at=now)


def next_session(course: Course) -> tuple[Course, int]:
    """The course once one more appointment joins it, and that appointment's session number."""
    if not course.takes_bookings:
        raise Conflict(
            f"course {course.course_id} takes no more bookings ({course.status.value})", "course_id"
        )
    number = course.sessions + 1
    return replace(course, sessions=number), number
