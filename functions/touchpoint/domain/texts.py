"""The words patients read: short (one GSM-7 segment in English, two in Spanish), in their
language (touchpoint/wording/*.json) and, in discreet mode, revealing nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.gsm7 import to_gsm7
from touchpoint.domain.lexicon import words
from touchpoint.domain.wording import ENGLISH, Wording, wording

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
    # Spanish (accents are dropped before matching): ketamina, ansiedad, ansioso(a), depresión...
    "ketamina",
    "ansiedad",
    "ansios",
    "depresion",
    "deprimid",
    "salud mental",
    "terapia",
    "psiquiatr",
)


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


def sender_name(settings: ClinicSettings) -> str | None:
    """The clinic's name as a text may say it (GSM-7); None when discreet mode forbids it."""
    label = clinic_label(settings)
    return (to_gsm7(label).strip() or None) if label else None


def local_day_and_time(
    instant: datetime, zone: ZoneInfo, clinic_zone: ZoneInfo, phrasing: Wording | None = None
) -> tuple[str, str]:
    """('Tue Dec 1', '3:00 PM'), in the patient's language: with the zone's abbreviation when
    it differs from the clinic's."""
    phrasing = phrasing or wording()
    local = instant.astimezone(zone)
    day, clock = phrasing.date(local), phrasing.clock(local)
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


def when(instant: datetime, zone: ZoneInfo, clinic_zone: ZoneInfo, phrasing: Wording) -> dict[str, str]:
    """The fields a text names a time with: {day} ("Tue Dec 1"), {date} (without the weekday:
    "Dec 1"), {clock} and {at_clock} ("at 3:00 PM", "a la 1:00 p. m.")."""
    day, clock = local_day_and_time(instant, zone, clinic_zone, phrasing)
    local = instant.astimezone(zone)
    return {
        "day": day,
        "date": phrasing.date(local, weekday=False),
        "clock": clock,
        "at_clock": phrasing.at_clock(clock, local),
    }


def reminder_text(
    first_name: str, settings: ClinicSettings, starts_at: datetime, zone: ZoneInfo, language: str = ENGLISH
) -> str:
    """Within the language's budget (one segment in English, two in Spanish): with the clinic's
    name if it fits, else without, else with the first name cut."""
    phrasing = wording(language)
    return phrasing.fit(
        "reminder",
        shorten="name",
        name=phrasing.greeting_name(first_name),
        clinic=sender_name(settings),
        **when(starts_at, zone, settings.timezone, phrasing),
    )
