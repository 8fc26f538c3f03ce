"""Every default text a patient can get, in each language, with what it costs in segments: the
table of docs/languages.md. Rendered by the domain's own functions for a patient Ana of Calm
Waters, with a session on Tuesday 1 December at 3:00 PM, and again on the days and hours whose
names are longest (a Spanish "sábado" or "miércoles" takes UCS-2 or more room).

Run: make bench (or `PYTHONPATH=functions:. python tests/bench/texts.py`)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from touchpoint.domain import checklist_text as checklist
from touchpoint.domain import conversation, surveys
from touchpoint.domain.appointment import Appointment, AppointmentStatus
from touchpoint.domain.checklist import DEFAULT_ITEMS
from touchpoint.domain.clinic import parse_clinic_settings
from touchpoint.domain.gsm7 import segments
from touchpoint.domain.instruments import instrument_in, instruments
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.texts import reminder_text
from touchpoint.domain.wording import wordings

ZONE = ZoneInfo("America/New_York")
SESSION = datetime(2026, 12, 1, 20, tzinfo=UTC)  # Tue Dec 1, 3:00 PM in New York
# Every weekday of a September (the longest Spanish month), at 12:00 PM (the widest clock).
LONGEST = tuple(datetime(2026, 9, 21 + day, 16, tzinfo=UTC) for day in range(7))
SETTINGS = parse_clinic_settings(
    {
        "name": "Calm Waters",
        "timezone": "America/New_York",
        "sender": "+15005550006",
        "phone": "+12125550100",
        "discreet": False,
        "checklist": {},
    }
)
BUDGET = {"en": 1, "es": 2}  # the most segments a reminder may take


def _patient(language: str) -> Patient:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return Patient("pt_1", "cl_1", "Ana", "+15551230001", ZONE, False, created_at=created, language=language)


def every_text(language: str) -> Iterator[tuple[str, str]]:
    """(what it is, the text) for every default text, as sent."""
    patient = _patient(language)
    appointment = Appointment(
        "ap_1", "cl_1", "pt_1", SESSION, 60, AppointmentStatus.SCHEDULED, created_at=SESSION
    )
    yield "reminder", reminder_text("Ana", SETTINGS, SESSION, ZONE, language)
    worst = max((reminder_text("Ana", SETTINGS, when, ZONE, language) for when in LONGEST), key=_cost)
    yield "reminder, longest day", worst
    yield "confirmed (C)", conversation.confirmed_reply(patient, SETTINGS, appointment)
    yield "reschedule asked (R)", conversation.reschedule_reply(patient, SETTINGS)
    yield "not understood", conversation.not_understood_reply(patient, SETTINGS, appointment)
    yield "no prompt", conversation.no_prompt_reply(SETTINGS, language)
    yield "help (HELP)", conversation.help_reply(SETTINGS, language)
    yield "opted out (STOP)", conversation.opt_out_reply(SETTINGS, language)
    yield "opted in (START)", conversation.opt_in_reply(SETTINGS, language)
    yield "crisis", conversation.crisis_reply(language)
    for instrument_id, instrument in sorted(instruments().items()):
        questions = len(instrument.items)
        yield f"invitation ({instrument_id})", surveys.invitation_text("Ana", SETTINGS, questions, language)
    gad7 = len(instruments()["gad7"].items)
    yield (
        "baseline invitation",
        surveys.course_invitation_text("Ana", SETTINGS, gad7, baseline=True, language=language),
    )
    yield (
        "end-of-course invitation",
        surveys.course_invitation_text("Ana", SETTINGS, gad7, baseline=False, language=language),
    )
    open_until = SESSION + timedelta(days=1)
    invited = Survey(
        "sv_1", "cl_1", "pt_1", "ap_1", "gad7", SurveyStatus.INVITED, (), SESSION, open_until, SESSION
    )
    yield "invitation nudge", surveys.nudge_text(invited, instrument_in("gad7", language), "Ana", language)
    later = surveys.answer(invited, instrument_in("gad7", language), "later", "Ana", SESSION, language)
    yield "invitation, later", later.reply
    yield (
        "invitation, unclear",
        surveys.answer(invited, instrument_in("gad7", language), "?", "Ana", SESSION, language).reply,
    )
    for instrument_id in sorted(instruments()):
        instrument = instrument_in(instrument_id, language)
        for index in range(len(instrument.items)):
            yield f"{instrument_id} question {index + 1}", instrument.question(index)
    started = Survey(
        "sv_1", "cl_1", "pt_1", "ap_1", "gad7", SurveyStatus.IN_PROGRESS, (), SESSION, open_until, SESSION
    )
    yield (
        "answer unclear (gad7, Q1)",
        surveys.answer(started, instrument_in("gad7", language), "maybe", "Ana", SESSION, language).reply,
    )
    yield "survey closed", surveys.closed_note("Ana", language)
    yield "survey completed", surveys.completed_note("Ana", language)
    yield (
        "checklist",
        checklist.checklist_text(
            DEFAULT_ITEMS, "Ana", SESSION, ZONE, ZONE, SESSION - timedelta(days=1), language
        ),
    )
    yield "checklist, unclear", checklist.unclear_reply(DEFAULT_ITEMS, language)
    yield "checklist, ready", checklist.ready_reply("Ana", language)
    yield "checklist, not ready", checklist.not_ready_reply("Ana", SETTINGS.phone, language)


def _cost(text: str) -> tuple[int, int]:
    count, _ = segments(text)
    return count, len(text)


def table() -> list[tuple[str, dict[str, tuple[int, str, int]]]]:
    """Per text: per language, (segments, encoding, characters)."""
    rows: dict[str, dict[str, tuple[int, str, int]]] = {}
    for language in sorted(wordings()):
        for name, text in every_text(language):
            count, encoding = segments(text)
            rows.setdefault(name, {})[language] = (count, encoding, len(text))
    return list(rows.items())


def main() -> int:
    languages = sorted(wordings())
    print("text                          " + "".join(f"{language:>22}" for language in languages))
    totals = dict.fromkeys(languages, 0)
    for name, costs in table():
        cells = []
        for language in languages:
            count, encoding, length = costs[language]
            totals[language] += count
            cells.append(f"{count} ({encoding}, {length:>3} ch)".rjust(22))
        print(f"{name:<30}" + "".join(cells))
    print(f"{'total segments':<30}" + "".join(f"{totals[language]:>22}" for language in languages))
    reminders = {
        language: max(costs[language][0] for name, costs in table() if name.startswith("reminder"))
        for language in languages
    }
    held = all(reminders[language] <= BUDGET[language] for language in languages)
    print(f"\n{'ok  ' if held else 'FAIL'} every reminder within its budget {BUDGET}: {reminders}")
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
