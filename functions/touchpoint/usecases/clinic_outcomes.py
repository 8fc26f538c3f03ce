"""A clinic's outcomes per instrument, from its completed surveys (the by_clinic index, by
completion, a page at a time: no Scan)."""

from dataclasses import dataclass

from touchpoint.domain.clinic_outcomes import InstrumentOutcomes, clinic_outcomes
from touchpoint.domain.instruments import instruments
from touchpoint.domain.paging import PageQuery, parse_range
from touchpoint.domain.ports.lists import ClinicLists
from touchpoint.domain.ports.stores import ClinicRepository
from touchpoint.domain.surveys import Survey

# The answer reads at most this many surveys, the earliest completed first (some 40 queries and
# a few seconds): past it `complete` is false, and `from`/`to` narrow the range.
MAX_SURVEYS = 20_000
SURVEY_PAGE = 500


@dataclass(frozen=True)
class ClinicOutcomes:
    instruments: list[InstrumentOutcomes]
    surveys: int  # completed surveys read
    complete: bool  # False: MAX_SURVEYS were read and more were left


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
        return ClinicOutcomes(clinic_outcomes(read, instruments()), len(read), complete=cursor is None)
