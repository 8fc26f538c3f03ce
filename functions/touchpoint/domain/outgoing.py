"""What a planned message says when it goes out: the sender and the settings preview both render
through here, so that the preview shows the very text a patient gets."""

from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.appointment import JobKind
from touchpoint.domain.checklist_text import checklist_text
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.instruments import Instrument
from touchpoint.domain.surveys import opening_text
from touchpoint.domain.texts import reminder_text


def planned_text(
    kind: JobKind,
    instrument: Instrument | None,
    settings: ClinicSettings,
    first_name: str,
    starts_at: datetime,
    zone: ZoneInfo,
    sent_at: datetime | None = None,
) -> str:
    """A reminder of the session at `starts_at`, its checklist ("tomorrow" when `sent_at` is the
    day before), or the first SMS of a follow-up's check-in."""
    if kind is JobKind.REMINDER:
        return reminder_text(first_name, settings, starts_at, zone)
    if kind is JobKind.CHECKLIST:
        assert settings.checklist is not None, "a checklist is planned only from the clinic's"
        return checklist_text(
            settings.checklist.items, first_name, starts_at, zone, settings.timezone, sent_at
        )
    assert instrument is not None, "a follow-up names its instrument"
    return opening_text(instrument, settings, first_name)
