"""The words patients read. Short (one GSM-7 segment) and, in discreet mode, revealing nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.clinic import ClinicSettings

SEGMENT_LIMIT = 160

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

_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = "^{}\\[~]|€\f"

REMINDER_ACTIONS = "Reply C to confirm or R to reschedule. Reply STOP to opt out."


def gsm7_length(text: str) -> int | None:
    """Septets the text takes in GSM-7, or None when it needs UCS-2 (emoji, curly quotes...)."""
    length = 0
    for char in text:
        if char in _GSM7_BASIC:
            length += 1
        elif char in _GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def fits_one_segment(text: str) -> bool:
    length = gsm7_length(text)
    return length is not None and length <= SEGMENT_LIMIT


def is_discreet(text: str) -> bool:
    lowered = text.lower()
    return not any(term in lowered for term in SENSITIVE_TERMS)


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
    abbreviation = local.tzname() or ""
    if zone.key != clinic_zone.key and abbreviation.isalpha():
        clock = f"{clock} {abbreviation}"
    return day, clock


def reminder_text(first_name: str, settings: ClinicSettings, starts_at: datetime, zone: ZoneInfo) -> str:
    day, clock = local_day_and_time(starts_at, zone, settings.timezone)
    label = clinic_label(settings)
    candidates = []
    if label:
        candidates.append(f"Hi {first_name}, reminder: your appointment at {label} is {day} at {clock}. ")
    candidates.append(f"Hi {first_name}, reminder: your appointment is {day} at {clock}. ")
    for lead in candidates:
        text = lead + REMINDER_ACTIONS
        if len(text) <= SEGMENT_LIMIT:
            return text
    lead = f"Reminder: your appointment is {day} at {clock}. "
    room = SEGMENT_LIMIT - len(lead + REMINDER_ACTIONS) - len("Hi , ")
    return f"Hi {first_name[:room]}, {lead[0].lower()}{lead[1:]}{REMINDER_ACTIONS}"
