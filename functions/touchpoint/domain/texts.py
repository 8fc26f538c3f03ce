"""The words patients read. Short (one GSM-7 segment) and, in discreet mode, revealing nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.gsm7 import fits_one_segment, greeting_name, to_gsm7
from touchpoint.domain.lexicon import words

# Words that would tell whoever glances at the phone what the appointment is for.
SENSITIVE_TERMS = (
    "ketamine",
    "esketamine",
    "spravato",
    "infusion",
    "anxiety",
    "anxious",
    "depression",
    "depressed",
    "psychiatr",
    "mental health",
    "therapy",
    "suicid",
)

REMINDER_ACTIONS = "Reply C to confirm or R to reschedule. Reply STOP to opt out."


def is_discreet(text: str) -> bool:
    """No sensitive term, however written: "Mental-Health", "MentalHealth", "KETAMINE-CARE"."""
    spaced = " ".join(words(text))
    letters = "".join(character for character in spaced if character.isalpha())
    return not any(term in spaced or term.replace(" ", "") in letters for term in SENSITIVE_TERMS)


def clinic_label(settings: ClinicSettings) -> str | None:
    """The clinic's name, unless discreet mode forbids it (a name that names the treatment)."""
    if settings.discreet and not is_discreet(settings.name):
        return None
    return settings.name


def local_day_and_time(instant: datetime, zone: ZoneInfo, clinic_zone: ZoneInfo) -> tuple[str, str]:
    """('Tue Dec 1', '3:00 PM'), with the zone's abbreviation when it differs from the clinic's."""
    local = instant.astimezone(zone)
    day = f"{local:%a %b} {local.day}"
    clock = f"{local.hour % 12 or 12}:{local:%M %p}"
    if zone.key != clinic_zone.key:
        abbreviation = local.tzname() or ""
        # Zones without a letter abbreviation ("-03") read as an offset: "UTC-3".
        if not abbreviation.isalpha():
            offset = local.utcoffset() or timedelta(0)
            hours, seconds = divmod(abs(int(offset.total_seconds())), 3600)
            sign = "-" if offset < timedelta(0) else "+"
            abbreviation = f"UTC{sign}{hours}" + (f":{seconds // 60:02d}" if seconds else "")
        clock = f"{clock} {abbreviation}"
    return day, clock


def reminder_text(first_name: str, settings: ClinicSettings, starts_at: datetime, zone: ZoneInfo) -> str:
    """One segment: with the clinic's name if it fits, else without, else with the first name cut."""
    day, clock = local_day_and_time(starts_at, zone, settings.timezone)
    name = greeting_name(first_name)
    label = clinic_label(settings)
    where = [f" at {to_gsm7(label).strip()}"] if label and to_gsm7(label).strip() else []
    for place in [*where, ""]:
        text = f"Hi {name}, reminder: your appointment{place} is {day} at {clock}. {REMINDER_ACTIONS}"
        if fits_one_segment(text):
            return text
    while name and not fits_one_segment(text):
        name = name[:-1]
        text = f"Hi {name}, reminder: your appointment is {day} at {clock}. {REMINDER_ACTIONS}"
    return text
