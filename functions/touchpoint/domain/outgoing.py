"""What a planned message says when it goes out: the sender and the settings preview both render
through here, so that the preview shows the very text a patient gets."""

from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.appointment import JobKind
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
) -> str:
    """A reminder of the session at `starts_at`, or the first SMS of a follow-up's check-in."""
    if kind is JobKind.REMINDER:
        return reminder_text(first_name, settings, starts_at, zone)
    assert instrument is not None, "a follow-up names its instrument"
    return opening_text(instrument, settings, first_name)
