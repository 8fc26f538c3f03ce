"""What Touchpoint answers to a patient's SMS, and what the reply changes. Pure: no I/O.

Order matters and is fixed: crisis language first, in every state (opted out included);
then opt-out, opt-in, silence for the opted out, HELP; then what the pending prompt asks.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.appointment import Appointment, AppointmentStatus
from touchpoint.domain.checklist import ANSWERABLE, ChecklistState
from touchpoint.domain.checklist_text import (
    items_in,
    not_ready_alert,
    not_ready_reply,
    read_answer,
    ready_reply,
    unclear_reply,
)
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.crisis import explain
from touchpoint.domain.gsm7 import to_gsm7
from touchpoint.domain.instruments import instrument_in
from touchpoint.domain.lexicon import Intent, lexicon
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import OPEN, Survey, SurveyStatus, answer
from touchpoint.domain.texts import sender_name, when
from touchpoint.domain.wording import ENGLISH, wording

PHQ9_ITEM9 = "phq9_item9"  # the rule a PHQ-9 item 9 answer above 0 fires


def crisis_reply(language: str = ENGLISH, clinic_alerted: bool = True) -> str:
    """The help given in the same response as a crisis message (988 takes calls and texts in
    Spanish too)."""
    phrasing = wording(language)
    return phrasing.text("crisis_help") + (phrasing.text("crisis_alerted") if clinic_alerted else "")


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
    language = patient.language_in(settings) if patient is not None else settings.default_language
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
        return Decision(Intent.OPT_OUT, opt_out_reply(settings, language), opt_out=True, clear_prompt=True)
    if patient.opted_out:
        if keyword in words.opt_in_keywords:
            return Decision(Intent.OPT_IN, opt_in_reply(settings, language), opt_in=True)
        return Decision(Intent.OTHER, None)
    if keyword in words.help_keywords:
        return Decision(Intent.HELP, help_reply(settings, language))
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
            instrument = instrument_in(survey.instrument_id, language)
            step = answer(survey, instrument, text, patient.first_name, now, language)
            # A PHQ-9 item 9 above 0 gets the same help at once as crisis words do.
            item9 = AlertKind.CRISIS in step.alerts
            return Decision(
                Intent.SURVEY_ANSWER,
                crisis_reply(language) if item9 else step.reply,
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
    language = patient.language_in(settings)
    survey_open = survey is not None and survey.status_at(now) in OPEN
    others = [survey.invited_at] if survey is not None and survey_open else []
    if _awaits_confirmation(awaiting, now) and patient.awaiting_since is not None:
        others.append(patient.awaiting_since)
    since = patient.checklist_since
    newest = since is not None and all(since > other for other in others)
    found = read_answer(text, items_in(items, language))
    if found is None:
        words = lexicon()
        if newest and words.keyword(text) not in words.confirm_keywords | words.reschedule_keywords:
            return Decision(Intent.OTHER, unclear_reply(items, language))
        return None
    if not newest and (found.ready or survey_open):
        return None
    if found.ready:
        return Decision(
            Intent.CHECKLIST_ANSWER, ready_reply(patient.first_name, language), checklist=ChecklistState.READY
        )
    return Decision(
        Intent.CHECKLIST_ANSWER,
        not_ready_reply(patient.first_name, settings.phone, language),
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
    return Decision(Intent.OTHER, no_prompt_reply(settings, patient.language_in(settings)))


def _when(appointment: Appointment, patient: Patient, settings: ClinicSettings) -> dict[str, str]:
    return when(
        appointment.starts_at, patient.timezone, settings.timezone, wording(patient.language_in(settings))
    )


def confirmed_reply(patient: Patient, settings: ClinicSettings, appointment: Appointment) -> str:
    phrasing = wording(patient.language_in(settings))
    return phrasing.text(
        "confirmed", name=phrasing.greeting_name(patient.first_name), **_when(appointment, patient, settings)
    )


def reschedule_reply(patient: Patient, settings: ClinicSettings) -> str:
    phrasing = wording(patient.language_in(settings))
    return phrasing.text(
        "reschedule_requested", name=phrasing.greeting_name(patient.first_name), phone=settings.phone
    )


def not_understood_reply(patient: Patient, settings: ClinicSettings, appointment: Appointment) -> str:
    return wording(patient.language_in(settings)).text(
        "not_understood", **_when(appointment, patient, settings)
    )


def no_prompt_reply(settings: ClinicSettings, language: str = ENGLISH) -> str:
    return wording(language).text("no_prompt", phone=settings.phone)


def unknown_number_reply(settings: ClinicSettings) -> str:
    """To a number no patient has: in the clinic's default language."""
    return wording(settings.default_language).text("unknown_number", phone=settings.phone)


def help_reply(settings: ClinicSettings, language: str = ENGLISH) -> str:
    """Names the clinic even in discreet mode: the patient asked who is texting (a carrier rule too)."""
    return wording(language).fit(
        "help", shorten="clinic", clinic=to_gsm7(settings.name).strip(), phone=settings.phone
    )


def opt_out_reply(settings: ClinicSettings, language: str = ENGLISH) -> str:
    phrasing = wording(language)
    sender = sender_name(settings) or phrasing.text("opted_out_sender")
    return phrasing.fit("opted_out", shorten="clinic", clinic=sender)


def opt_in_reply(settings: ClinicSettings, language: str = ENGLISH) -> str:
    phrasing = wording(language)
    sender = sender_name(settings) or phrasing.text("opted_in_sender")
    return phrasing.fit("opted_in", shorten="clinic", clinic=sender)
