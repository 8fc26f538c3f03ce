"""What Touchpoint answers to a patient's SMS, and what the reply changes. Pure: no I/O.

Order matters and is fixed: crisis language first, in every state (opted out included);
then opt-out, opt-in, silence for the opted out, HELP; then what the pending prompt asks.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.appointment import Appointment, AppointmentStatus
from touchpoint.domain.checklist import ANSWERABLE, ChecklistState
from touchpoint.domain.checklist_text import (
    not_ready_alert,
    not_ready_reply,
    read_answer,
    ready_reply,
    unclear_reply,
)
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.crisis import explain
from touchpoint.domain.gsm7 import fits_one_segment, greeting_name, to_gsm7
from touchpoint.domain.instruments import instruments
from touchpoint.domain.lexicon import Intent, lexicon
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import OPEN, Survey, SurveyStatus, answer
from touchpoint.domain.texts import clinic_label, local_day_and_time

CRISIS_HELP = {
    "en": (
        "If you are thinking of harming yourself, call or text 988 (Suicide & Crisis Lifeline) now. "
        "In danger, call 911."
    ),
    # The 988 Lifeline's own Spanish wording; its accents make it a UCS-2 text of two segments.
    "es": "Llama o envía un mensaje de texto al 988 (Línea de Crisis) si piensas hacerte daño. En peligro, llama al 911.",
}
CRISIS_ALERTED = {"en": " Your clinic has been alerted.", "es": " Avisamos a tu clínica."}
PHQ9_ITEM9 = "phq9_item9"  # the rule a PHQ-9 item 9 answer above 0 fires


def crisis_reply(language: str = "en", clinic_alerted: bool = True) -> str:
    """The help given in the same response as a crisis message, in the language it was written in."""
    return CRISIS_HELP[language] + (CRISIS_ALERTED[language] if clinic_alerted else "")


CRISIS_REPLY = crisis_reply()


def _crisis_language(written_in: str, patient: Patient | None, settings: ClinicSettings) -> str:
    """Spanish for Spanish text, and for a patient who reads Spanish (theirs, or their clinic's
    default) whatever they wrote in."""
    return "es" if patient is not None and patient.language_in(settings) == "es" else written_in


@dataclass(frozen=True)
class Decision:
    intent: Intent
    reply: str | None
    opt_out: bool = False
    opt_in: bool = False
    appointment_status: AppointmentStatus | None = None
    alerts: tuple[AlertKind, ...] = field(default=())
    crisis_rule: str | None = None  # why a `crisis` alert fires: a crisis-net rule id, or phq9_item9
    clear_prompt: bool = False
    survey: Survey | None = None  # the open survey, with what the reply did to it
    checklist: ChecklistState | None = None  # the awaited checklist's new state
    alert_text: str | None = None  # what the alerts say, when not the reply itself


def decide(
    text: str,
    settings: ClinicSettings,
    patient: Patient | None,
    awaiting: Appointment | None,
    now: datetime,
    survey: Survey | None = None,
    checklist: Appointment | None = None,
) -> Decision:
    """The answer to one inbound SMS. `awaiting` is the appointment a reminder asked to confirm;
    `survey` the one a follow-up opened, which takes precedence while it is open; `checklist` the
    appointment whose pre-session checklist awaits an answer."""
    words = lexicon()
    keyword = words.keyword(text)
    crisis = explain(text)
    # Bare numbers answering an open survey are the survey's to judge: it knows which is item 9.
    answering = survey is not None and survey.status_at(now) in OPEN and not any(c.isalpha() for c in text)
    if crisis is not None and not answering:
        # The help first, whatever else the reply says; a "stop texting me" in it is heard too.
        opting_out = patient is not None and not patient.opted_out and words.is_opt_out(text)
        return Decision(
            Intent.CRISIS,
            crisis_reply(_crisis_language(crisis.language, patient, settings)),
            alerts=(AlertKind.CRISIS,),
            crisis_rule=crisis.rule,
            opt_out=opting_out,
        )
    if patient is None:
        if words.is_opt_out(text):
            return Decision(Intent.OPT_OUT, None)  # nobody to opt out: this number is never texted
        return Decision(Intent.OTHER, unknown_number_reply(settings))
    if words.is_opt_out(text):
        if patient.opted_out:
            return Decision(Intent.OPT_OUT, None)  # one confirmation only, then silence
        return Decision(Intent.OPT_OUT, opt_out_reply(settings), opt_out=True, clear_prompt=True)
    if patient.opted_out:
        if keyword in words.opt_in_keywords:
            return Decision(Intent.OPT_IN, opt_in_reply(settings), opt_in=True)
        return Decision(Intent.OTHER, None)
    if keyword in words.help_keywords:
        return Decision(Intent.HELP, help_reply(settings))
    if (checked := _checklist(text, settings, patient, checklist, awaiting, survey, now)) is not None:
        return checked
    if survey is not None:
        still_open = survey.status_at(now) in OPEN
        confirming = _awaits_confirmation(awaiting, now)
        # A reminder sent after the survey opened takes the C or R meant for it.
        for_the_reminder = (
            confirming
            and keyword in words.confirm_keywords | words.reschedule_keywords
            and patient.awaiting_since is not None
            and patient.awaiting_since > survey.invited_at
        )
        if not for_the_reminder and (still_open or not confirming):
            step = answer(survey, instruments()[survey.instrument_id], text, patient.first_name, now)
            # A PHQ-9 item 9 above 0 gets the same help at once as crisis words do.
            item9 = AlertKind.CRISIS in step.alerts
            return Decision(
                Intent.SURVEY_ANSWER,
                crisis_reply(_crisis_language("en", patient, settings)) if item9 else step.reply,
                alerts=step.alerts,
                crisis_rule=PHQ9_ITEM9 if item9 else None,
                survey=step.survey,
            )
        if not still_open:  # expired, and a reminder came since: the survey closes as it is
            closed = replace(survey, status=SurveyStatus.EXPIRED)
            return replace(_about_appointment(text, settings, patient, awaiting, now), survey=closed)
    return _about_appointment(text, settings, patient, awaiting, now)


def _checklist(
    text: str,
    settings: ClinicSettings,
    patient: Patient,
    checklist: Appointment | None,
    awaiting: Appointment | None,
    survey: Survey | None,
    now: datetime,
) -> Decision | None:
    """The reply as an answer to the awaited checklist, until the session starts; None when it is
    another prompt's. The newest prompt takes a YES, an open check-in whatever it can read; a
    NO, a number or an item named is the checklist's otherwise."""
    if (
        checklist is None
        or settings.checklist is None
        or checklist.checklist not in ANSWERABLE
        or not _awaits_confirmation(checklist, now)
    ):
        return None
    items = settings.checklist.items
    survey_open = survey is not None and survey.status_at(now) in OPEN
    others = [survey.invited_at] if survey is not None and survey_open else []
    if _awaits_confirmation(awaiting, now) and patient.awaiting_since is not None:
        others.append(patient.awaiting_since)
    since = patient.checklist_since
    newest = since is not None and all(since > other for other in others)
    found = read_answer(text, items)
    if found is None:
        words = lexicon()
        if newest and words.keyword(text) not in words.confirm_keywords | words.reschedule_keywords:
            return Decision(Intent.OTHER, unclear_reply(items))
        return None
    if not newest and (found.ready or survey_open):
        return None
    if found.ready:
        return Decision(
            Intent.CHECKLIST_ANSWER, ready_reply(patient.first_name), checklist=ChecklistState.READY
        )
    return Decision(
        Intent.CHECKLIST_ANSWER,
        not_ready_reply(patient.first_name, settings.phone),
        alerts=(AlertKind.CHECKLIST,),
        checklist=ChecklistState.NOT_READY,
        alert_text=not_ready_alert(items, found, text),
    )


def _awaits_confirmation(awaiting: Appointment | None, now: datetime) -> bool:
    return awaiting is not None and awaiting.is_open and now < awaiting.starts_at


def _about_appointment(
    text: str, settings: ClinicSettings, patient: Patient, awaiting: Appointment | None, now: datetime
) -> Decision:
    words = lexicon()
    keyword = words.keyword(text)
    if awaiting is not None and _awaits_confirmation(awaiting, now):
        if keyword in words.confirm_keywords:
            return Decision(
                Intent.CONFIRM,
                confirmed_reply(patient, settings, awaiting),
                appointment_status=AppointmentStatus.CONFIRMED,
                clear_prompt=True,
            )
        if keyword in words.reschedule_keywords:
            return Decision(
                Intent.RESCHEDULE,
                reschedule_reply(patient, settings),
                appointment_status=AppointmentStatus.RESCHEDULE_REQUESTED,
                alerts=(AlertKind.RESCHEDULE_REQUEST,),
                clear_prompt=True,
            )
        return Decision(Intent.OTHER, not_understood_reply(patient, settings, awaiting))
    return Decision(Intent.OTHER, no_prompt_reply(settings))


def _when(appointment: Appointment, zone: ZoneInfo, settings: ClinicSettings) -> str:
    day, clock = local_day_and_time(appointment.starts_at, zone, settings.timezone)
    return f"{day} at {clock}"


def confirmed_reply(patient: Patient, settings: ClinicSettings, appointment: Appointment) -> str:
    when = _when(appointment, patient.timezone, settings)
    return f"Thanks {greeting_name(patient.first_name)}, your appointment on {when} is confirmed. Reply R if you need to reschedule."


def reschedule_reply(patient: Patient, settings: ClinicSettings) -> str:
    return f"Thanks {greeting_name(patient.first_name)}, the clinic will call you to find a new time. To reach us sooner, call {settings.phone}."


def not_understood_reply(patient: Patient, settings: ClinicSettings, appointment: Appointment) -> str:
    when = _when(appointment, patient.timezone, settings)
    return f"Sorry, we did not understand. Reply C to confirm your appointment on {when}, R to reschedule, or HELP for help."


def no_prompt_reply(settings: ClinicSettings) -> str:
    return f"Thanks for your message. This number cannot answer questions: please call {settings.phone}. Reply HELP for help, STOP to opt out."


def unknown_number_reply(settings: ClinicSettings) -> str:
    return f"Sorry, we could not match your number. Please call {settings.phone}."


def help_reply(settings: ClinicSettings) -> str:
    """Names the clinic even in discreet mode: the patient asked who is texting (a carrier rule too)."""
    return _with_name(
        lambda name: f"{name}: for help call {settings.phone}. Reply STOP to opt out, START to opt back in.",
        settings.name,
    )


def opt_out_reply(settings: ClinicSettings) -> str:
    return _with_name(
        lambda name: (
            f"You are unsubscribed and will get no more texts from {name}. Reply START to resubscribe."
        ),
        clinic_label(settings) or "us",
    )


def opt_in_reply(settings: ClinicSettings) -> str:
    return _with_name(
        lambda name: f"You are resubscribed to texts from {name}. Reply HELP for help, STOP to opt out.",
        clinic_label(settings) or "your clinic",
    )


def _with_name(text: Callable[[str], str], name: str) -> str:
    """The text with the clinic's name in GSM-7, shortened as much as one segment needs."""
    name = to_gsm7(name).strip()
    while len(name) > 1 and not fits_one_segment(text(name)):
        name = name[:-1]
    return text(name.strip())
