"""The course's rules (domain/courses.py): its state machine and how sessions are numbered."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from touchpoint.domain.courses import (
    FINAL,
    TRANSITIONS,
    Course,
    CourseStatus,
    next_session,
    parse_course_change,
    parse_course_template,
)
from touchpoint.domain.errors import Conflict, InvalidInput

NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)
KNOWN = frozenset({"gad7", "phq9", "anxiety-now"})


def course(status: CourseStatus = CourseStatus.ACTIVE, sessions: int = 0, planned: int = 3) -> Course:
    template = parse_course_template(
        {"name": "Induction", "planned_sessions": planned},
        template_id="ct_1",
        clinic_id="cl_1",
        instruments=KNOWN,
        now=NOW,
    )
    return Course("co_1", "cl_1", "pt_1", template, status, NOW, NOW, sessions)


@pytest.mark.parametrize("start", list(CourseStatus))
@pytest.mark.parametrize("wanted", list(CourseStatus))
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    start: CourseStatus, wanted: CourseStatus
) -> None:
    current = course(start)
    later = datetime(2026, 12, 2, tzinfo=UTC)
    if wanted is start:
        assert parse_course_change({"status": wanted.value}, current, later) == current
    elif wanted in TRANSITIONS[start]:
        assert parse_course_change({"status": wanted.value}, current, later) == replace(
            current, status=wanted, updated_at=later
        )
    else:
        assert start in FINAL
        with pytest.raises(Conflict):
            parse_course_change({"status": wanted.value}, current, later)


def test_sessions_are_numbered_until_the_planned_count_and_only_while_active() -> None:
    first, one = next_session(course())
    second, two = next_session(first)
    third, three = next_session(second)

    assert (one, two, three) == (1, 2, 3)
    assert not third.takes_bookings
    with pytest.raises(Conflict):
        next_session(third)
    assert not course(CourseStatus.PAUSED).takes_bookings
    assert not course(CourseStatus.FINISHED).takes_bookings


def test_a_status_that_is_not_one_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_course_change({"status": "done"}, course(), NOW)
    assert refused.value.field == "status"


def test_the_no_improvement_checkpoint_defaults_within_the_planned_sessions() -> None:
    assert course(planned=2).template.checkpoints.no_improvement_after_sessions == 2
    assert course(planned=6).template.checkpoints.no_improvement_after_sessions == 3
