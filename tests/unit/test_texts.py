"""Reminder texts: what they say, that they fit one GSM-7 segment, and discretion."""

import re
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, local, settings
from touchpoint.domain.gsm7 import fits_one_segment, gsm7_length
from touchpoint.domain.texts import SENSITIVE_TERMS, is_discreet, reminder_text
from touchpoint.domain.wording import wording

STARTS = local(NEW_YORK, 2026, 12, 1, 15, 0)  # Tuesday
ACTIONS = "Reply C to confirm or R to reschedule. Reply STOP to opt out."

FIRST_NAMES = [
    "Ana",
    "Jo",
    "José",
    "Renée",
    "Björn",
    "Søren",
    "Åsa",
    "Mary-Kate",
    "O'Brien",
    "Jean Luc",
    "Ngozi",
    "Muhammad",
    "Alexandria",
    "Christopher",
    "Bartholomew",
    "A" * 40,
    "B" * 50,
    "Maximiliano Alejandro de la Cruz Fernandes",
]
CLINIC_NAMES = [
    "Calm Waters",
    "Riverside Wellness & Recovery",
    "St. Mary's Integrative Health",
    "Brightside Health Partners of Greater Boston",
    "Dr. Okafor's Office",
    "C" * 100,
    "North Shore Center for Integrative Medicine and Wellbeing, Suite 200, Building B, Main St Campus",
]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
]


@pytest.mark.parametrize("discreet", [True, False])
@pytest.mark.parametrize("clinic_name", CLINIC_NAMES)
@pytest.mark.parametrize("first_name", FIRST_NAMES)
def test_every_reminder_fits_one_gsm7_segment_and_ends_with_the_actions(
    first_name: str, clinic_name: str, discreet: bool
) -> None:
    for zone in ZONES:
        text = reminder_text(
            first_name, settings(name=clinic_name, discreet=discreet), STARTS, ZoneInfo(zone)
        )

        assert fits_one_segment(text), (len(text), text)
        assert text.endswith(ACTIONS)


def test_the_actions_sentence_is_exactly_the_contracts() -> None:
    assert all(form.endswith(ACTIONS) for form in wording("en").texts["reminder"])


def test_a_reminder_holds_first_name_day_and_local_time() -> None:
    text = reminder_text("Ana", settings(), STARTS, NEW_YORK)

    assert "Ana" in text
    assert "Tue Dec 1 at 3:00 PM" in text
    assert ACTIONS in text


@pytest.mark.parametrize(
    ("hour", "minute", "clock"),
    [(0, 5, "12:05 AM"), (9, 30, "9:30 AM"), (12, 0, "12:00 PM"), (23, 45, "11:45 PM")],
)
def test_the_time_is_a_twelve_hour_clock(hour: int, minute: int, clock: str) -> None:
    text = reminder_text("Ana", settings(), local(NEW_YORK, 2027, 1, 9, hour, minute), NEW_YORK)

    assert f"Sat Jan 9 at {clock}." in text


def test_a_long_first_name_is_kept_whole_when_it_fits() -> None:
    name = "Bartholomew-Alexander Montgomery-Smythe"

    assert name in reminder_text(name, settings(name="C" * 100, discreet=False), STARTS, NEW_YORK)


@pytest.mark.parametrize("first_name", ["Ana", "A" * 40, "A" * 50])
@pytest.mark.parametrize("clinic_name", ["Calm Waters", "C" * 100])
def test_no_reminder_asks_to_reply_cancel(first_name: str, clinic_name: str) -> None:
    text = reminder_text(first_name, settings(name=clinic_name, discreet=False), STARTS, NEW_YORK)

    assert "cancel" not in text.lower()


@pytest.mark.parametrize(
    "clinic_name",
    [
        "Ketamine Wellness Center",
        "Infusion Therapy Associates",
        "Anxiety & Depression Center",
        "Mental Health Partners",
        "Psychiatric Associates of Ohio",
        "Spravato Clinic",
    ],
)
def test_in_discreet_mode_a_clinic_whose_name_reveals_the_treatment_is_not_named(clinic_name: str) -> None:
    text = reminder_text("Ana", settings(name=clinic_name, discreet=True), STARTS, NEW_YORK)

    assert clinic_name not in text
    assert is_discreet(text)
    assert not any(term in text.lower() for term in SENSITIVE_TERMS)
    assert "Tue Dec 1 at 3:00 PM" in text


def test_in_discreet_mode_a_neutral_clinic_name_is_still_given() -> None:
    assert "Calm Waters" in reminder_text(
        "Ana", settings(name="Calm Waters", discreet=True), STARTS, NEW_YORK
    )


@pytest.mark.parametrize(
    "clinic_name",
    [
        "Calm Mental-Health Center",
        "MentalHealth Clinic",
        "Mental_Health Partners",
        "Mental/Health Partners",
        "Mental  Health   Partners",
        "KETAMINE-CARE",
        "KetamineCare",
        "BetterTherapy Group",
        "Anti-Anxiety Center",
        "NeuroPsychiatric Partners",
    ],
)
def test_in_discreet_mode_a_condition_word_written_hyphenated_or_joined_still_hides_the_name(
    clinic_name: str,
) -> None:
    text = reminder_text("Ana", settings(name=clinic_name, discreet=True), STARTS, NEW_YORK)

    assert not is_discreet(clinic_name)
    assert clinic_name not in text
    assert is_discreet(text)


@pytest.mark.parametrize("term", SENSITIVE_TERMS)
def test_every_sensitive_term_is_caught_spaced_hyphenated_joined_and_in_capitals(term: str) -> None:
    for written in (term, term.replace(" ", "-"), term.replace(" ", ""), term.upper().replace(" ", "")):
        assert not is_discreet(f"Calm {written}Center"), written
        assert not is_discreet(f"Calm-{written}-Center"), written


@pytest.mark.parametrize("text", ["Calm Waters", "Riverside Wellness & Recovery", "Dr. Okafor's Office", ""])
def test_a_neutral_text_is_discreet(text: str) -> None:
    assert is_discreet(text)


def test_without_discreet_mode_the_clinic_is_named_whatever_its_name() -> None:
    text = reminder_text("Ana", settings(name="Ketamine Wellness Center", discreet=False), STARTS, NEW_YORK)

    assert "Ketamine Wellness Center" in text


def test_the_zone_abbreviation_is_given_when_the_patient_lives_in_another_zone() -> None:
    text = reminder_text("Ana", settings(timezone="America/New_York"), STARTS, ZoneInfo("America/Chicago"))

    assert "Tue Dec 1 at 2:00 PM CST" in text


def test_the_zone_abbreviation_follows_daylight_saving_time() -> None:
    summer = local(NEW_YORK, 2026, 7, 1, 15, 0)

    text = reminder_text("Ana", settings(), summer, ZoneInfo("America/Los_Angeles"))

    assert "at 12:00 PM PDT" in text


def test_no_zone_abbreviation_when_the_patient_lives_in_the_clinics_zone() -> None:
    text = reminder_text("Ana", settings(), STARTS, NEW_YORK)

    assert "EST" not in text
    assert "at 3:00 PM." in text


def test_a_zone_whose_abbreviation_is_numeric_is_still_shown() -> None:
    text = reminder_text("Ana", settings(), STARTS, ZoneInfo("America/Sao_Paulo"))

    assert re.search(r"5:00 PM (UTC|GMT)?[+-]0?3\b", text), text


@pytest.mark.parametrize("first_name", ["D\u2019Angelo", "Zo\u00eb", "Siobh\u00e1n"])
def test_a_first_name_typed_with_curly_quotes_or_accents_outside_gsm7_still_fits_one_segment(
    first_name: str,
) -> None:
    text = reminder_text(first_name, settings(), STARTS, NEW_YORK)

    assert fits_one_segment(text), text


def test_a_clinic_name_with_gsm7_extension_characters_still_fits_one_segment() -> None:
    plain = reminder_text("Ana", settings(name="Calm Waters", discreet=False), STARTS, NEW_YORK)
    # Long enough that the text is exactly 160 characters, with four two-septet characters.
    name = "Calm Waters [West] {Mid}"
    name += "x" * (160 - len(plain) + len("Calm Waters") - len(name))

    text = reminder_text("Ana", settings(name=name, discreet=False), STARTS, NEW_YORK)

    assert fits_one_segment(text), (gsm7_length(text), text)


# ---- GSM-7 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "septets"),
    [
        ("", 0),
        ("Hello", 5),
        ("José Renée Björn Søren Åsa Ñ ü à", 32),
        ("@£$¥_!?#%&'()*+,-./:;<=>", 24),
        ("line\nbreak", 10),
        ("€", 2),
        ("[x]", 5),
        ("{}", 4),
        ("^~|\\", 8),
        ("Price: 5€ [net]", 18),
    ],
)
def test_gsm7_length_counts_basic_chars_once_and_extension_chars_twice(text: str, septets: int) -> None:
    assert gsm7_length(text) == septets


@pytest.mark.parametrize(
    "text",
    ["See you soon \U0001f600", "It\u2019s time", "\u201cquoted\u201d", "\u2014 dash", "ç", "Zoë", "中文"],
)
def test_gsm7_length_is_none_for_text_that_needs_ucs2(text: str) -> None:
    assert gsm7_length(text) is None
    assert not fits_one_segment(text)


def test_one_segment_is_160_septets() -> None:
    assert fits_one_segment("a" * 160)
    assert not fits_one_segment("a" * 161)
    assert fits_one_segment("a" * 158 + "€")
    assert not fits_one_segment("a" * 159 + "€")
