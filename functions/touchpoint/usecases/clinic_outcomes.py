"""A clinic's outcomes per instrument, from its completed surveys (the by_clinic index, by
completion, a page at a time: no Scan), and per course template, from its courses (the same
index, by enrolment)."""

from dataclasses import dataclass, field

from touchpoint.domain.clinic_outcomes import InstrumentOutcomes, clinic_outcomes
from touchpoint.domain.course_outcomes import TemplateOutcomes, course_outcomes
from touchpoint.domain.courses import Course
from touchpoint.domain.instruments import instruments
from touchpoint.domain.paging import PageQuery, parse_range
from touchpoint.domain.ports.lists import ClinicLists
from touchpoint.domain.ports.stores import ClinicRepository
from touchpoint.domain.surveys import Survey

# The answer reads at most this many surveys, the earliest completed first (some 40 queries and
# a few seconds): past it `complete` is false, and `from`/`to` narrow the range.
MAX_SURVEYS = 20_000
SURVEY_PAGE = 500


# The treatment courses read, the earliest enrolled first, a page at a time.
MAX_COURSES = 5_000
COURSE_PAGE = 500


@dataclass(frozen=True)
class ClinicOutcomes:
    instruments: list[InstrumentOutcomes]
    surveys: int  # completed surveys read
    complete: bool  # False: MAX_SURVEYS (or MAX_COURSES) were read and more were left
    courses: list[TemplateOutcomes] = field(default_factory=list)  # by course template


class Outcomes:
    def __init__(self, clinics: ClinicRepository, lists: ClinicLists) -> None:
        self.clinics = clinics
        self.lists = lists

    def of_clinic(self, clinic_id: str, *, since: str | None, until: str | None) -> ClinicOutcomes:
        """`since`/`until` bound the completion time: an instant, or a clinic-local date."""
        clinic = self.clinics.get(clinic_id)
        start, stop = parse_range(since, until, clinic.settings.timezone)
        read: list[Survey] = []
        cursor: str | None = None
        while True:
            room = min(SURVEY_PAGE, MAX_SURVEYS - len(read))
            page = self.lists.completed_surveys(clinic_id, PageQuery(room, cursor), since=start, until=stop)
            read.extend(page.items[:room])
            cursor = page.next_cursor
            if cursor is None or len(read) >= MAX_SURVEYS:
                break
        courses, all_courses = self._courses(clinic_id)
        return ClinicOutcomes(
            clinic_outcomes(read, instruments()),
            len(read),
            complete=cursor is None and all_courses,
            courses=course_outcomes(courses, read, instruments()),
        )

    def _courses(self, clinic_id: str) -> tuple[list[Course], bool]:
        found: list[Course] = []
        cursor: str | None = None
        while True:
            page = self.lists.courses(
                clinic_id, PageQuery(min(COURSE_PAGE, MAX_COURSES - len(found)), cursor)
            )
            found.extend(page.items)
            cursor = page.next_cursor
            if cursor is None or len(found) >= MAX_COURSES:
                return found[:MAX_COURSES], cursor is None
