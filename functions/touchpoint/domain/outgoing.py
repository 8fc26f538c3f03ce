"""What a planned message says when it goes out: the sender and the settings preview both render
through here, so that the preview shows the very text a patient gets."""

from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.appointment import JobKind
from touchpoint.domain.checklist_text import checklist_text
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.instruments import Instrument
from touchpoint.domain.surveys import course_invitation_text, opening_text
from touchpoint.domain.texts import reminder_text
from touchpoint.domain.wording import ENGLISH

COURSE_SURVEYS = (JobKind.BASELINE, JobKind.END_OF_COURSE)  # each with its own invitation


def planned_text(
    kind: JobKind,
    instrument: Instrument | None,
    settings: ClinicSettings,
    first_name: str,
    starts_at: datetime,
    zone: ZoneInfo,
    sent_at: datetime | None = None,
    language: str = ENGLISH,
) -> str:
    """A reminder of the session at `starts_at`, its checklist ("tomorrow" when `sent_at` is the
    day before), the first SMS of a follow-up's check-in, or a course's invitation; in the
    patient's `language`, with `instrument` in it."""
    if kind is JobKind.REMINDER:
        return reminder_text(first_name, settings, starts_at, zone, language)
    if kind is JobKind.CHECKLIST:
        assert settings.checklist is not None, "a checklist is planned only from the clinic's"
        return checklist_text(
            settings.checklist.items, first_name, starts_at, zone, settings.timezone, sent_at, language
        )
    assert instrument is not None, "a survey's job names its instrument"
    if kind in COURSE_SURVEYS:
        return course_invitation_text(
            first_name, settings, len(instrument.items), baseline=kind is JobKind.BASELINE, language=language
        )
    return opening_text(instrument, settings, first_name, language)
