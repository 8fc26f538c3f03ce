"""What Touchpoint answers to a patient's SMS, in every state of the conversation (`decide`)."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, appointment, local, patient, settings
from touchpoint.domain.appointment import Appointment, AppointmentStatus
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.conversation import CRISIS_REPLY, Decision, crisis_reply, decide
from touchpoint.domain.gsm7 import fits_one_segment
from touchpoint.domain.lexicon import Intent
from touchpoint.domain.patient import Patient
from touchpoint.domain.texts import is_discreet

STARTS = local(NEW_YORK, 2026, 12, 1, 15, 0)  # Tuesday 1 December 2026, 3:00 PM
NOW = STARTS - timedelta(days=1)
CLINIC = settings(name="Calm Waters", phone="+12125550100")

CRISIS_TEXTS = ["I want to kill myself", "i wanna die", "thinking about suicide", "I want to hurt myself"]
CONFIRMS = ["C", "c", "CONFIRM", "confirm", "Confirm", "Y", "y", "YES", "yes", "Yes", "C.", "yes!"]
OPT_INS = ["START", "start", "Start", "UNSTOP", "unstop", "YES", "yes", "Yes please"]


def awaiting(status: AppointmentStatus = AppointmentStatus.SCHEDULED) -> Appointment:
    return appointment(STARTS, status=status)


def opted_out() -> Patient:
    return patient(opted_out=True)


def states() -> dict[str, tuple[Patient | None, Appointment | None]]:
    """(patient, awaiting appointment) for each state a conversation can be in."""
    return {
        "unknown number": (None, None),
        "no prompt": (patient(), None),
        "awaiting confirmation": (patient(), awaiting()),
        "opted out": (opted_out(), None),
        "opted out while awaiting": (opted_out(), awaiting()),
        "appointment started": (patient(), awaiting()),
    }


def at(state: str) -> datetime:
    return STARTS + timedelta(minutes=5) if state == "appointment started" else NOW


def reply_of(decision: Decision) -> str:
    assert decision.reply is not None
    return decision.reply


# ---- crisis first, in every state ----


@pytest.mark.parametrize("state", list(states()))
@pytest.mark.parametrize("text", CRISIS_TEXTS)
def test_crisis_language_gets_988_and_911_and_a_crisis_alert_in_every_state(state: str, text: str) -> None:
    who, prompt = states()[state]
    decision = decide(text, CLINIC, who, prompt, at(state))

    assert decision.intent is Intent.CRISIS
    assert decision.reply == CRISIS_REPLY
    assert decision.alerts == ("crisis",)
    assert decision.appointment_status is None
    assert decision.opt_in is False


@pytest.mark.parametrize(
    "text",
    ["HELP I want to kill myself", "STOP i wanna die", "C but honestly I want to end it all", "Y suicide"],
)
def test_crisis_language_wins_over_any_keyword_in_the_same_reply(text: str) -> None:
    decision = decide(text, CLINIC, patient(), awaiting(), NOW)
    assert decision.intent is Intent.CRISIS
    assert decision.reply == CRISIS_REPLY
    assert "crisis" in decision.alerts
    assert decision.appointment_status is None


def test_crisis_reply_names_the_988_lifeline_and_911() -> None:
    assert "call or text 988" in CRISIS_REPLY
    assert "Suicide & Crisis Lifeline" in CRISIS_REPLY
    assert "911" in CRISIS_REPLY
    assert fits_one_segment(CRISIS_REPLY)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I want to kill myself", "direct.kill_self"),
        ("i keep thinking about hanging myself", "method.hang"),
        ("everyone would be better off without me", "burden.better_without"),
        ("my son said he wants to kill himself", "direct.kill_self"),
    ],
)
def test_a_crisis_decision_names_the_rule_of_the_crisis_net_that_fired(text: str, rule: str) -> None:
    decision = decide(text, CLINIC, patient(), awaiting(), NOW)
    assert decision.crisis_rule == rule


@pytest.mark.parametrize("state", list(states()))
@pytest.mark.parametrize(
    "text", ["quiero morir", "Me quiero matar", "ya no quiero vivir", "pienso en quitarme la vida"]
)
def test_spanish_crisis_language_gets_the_help_in_spanish_in_every_state(state: str, text: str) -> None:
    who, prompt = states()[state]
    decision = decide(text, CLINIC, who, prompt, at(state))

    assert decision.intent is Intent.CRISIS
    assert decision.alerts == ("crisis",)
    reply = reply_of(decision)
    assert "Llama o envía un mensaje de texto al 988" in reply
    assert "911" in reply
    assert reply == crisis_reply("es")


@pytest.mark.parametrize("text", ["I want to kill myself", "quiero morir"])
def test_a_spanish_speaking_patient_gets_the_help_in_spanish_whatever_they_wrote_in(text: str) -> None:
    decision = decide(text, CLINIC, patient(language="es"), None, NOW)

    assert decision.intent is Intent.CRISIS
    assert reply_of(decision) == crisis_reply("es")


def test_a_patient_without_a_language_of_their_own_reads_their_clinics_default() -> None:
    spanish_clinic = settings(name="Calm Waters", phone="+12125550100", default_language="es")

    assert reply_of(decide("I want to kill myself", spanish_clinic, patient(), None, NOW)) == crisis_reply(
        "es"
    )
    english = decide("I want to kill myself", spanish_clinic, patient(language="en"), None, NOW)
    assert reply_of(english) == crisis_reply("en"), "the patient's own language comes first"


def test_an_english_speaking_patient_writing_spanish_crisis_words_gets_the_help_in_spanish() -> None:
    decision = decide("quiero morir", CLINIC, patient(language="en"), None, NOW)

    assert reply_of(decision) == crisis_reply("es")


def test_the_spanish_crisis_reply_fits_two_unicode_segments_and_the_english_one_one_gsm7_segment() -> None:
    spanish = crisis_reply("es")
    assert len(spanish) <= 134  # two UCS-2 segments: its accents are not GSM-7
    assert fits_one_segment(crisis_reply("en"))
    assert fits_one_segment(crisis_reply("en", clinic_alerted=False))


# ---- opt-out, opt-in, silence ----


@pytest.mark.parametrize(
    "text", ["STOP", "stop", "Stop please", "UNSUBSCRIBE", "quit", "opt out", "stop texting me"]
)
def test_opting_out_once_answers_one_confirmation_and_opts_out(text: str) -> None:
    decision = decide(text, CLINIC, patient(), None, NOW)
    assert decision.intent is Intent.OPT_OUT
    assert decision.opt_out is True
    assert decision.opt_in is False
    reply = reply_of(decision)
    assert "unsubscribed" in reply
    assert "START" in reply
    assert "Calm Waters" in reply


def test_opting_out_while_a_confirmation_is_pending_clears_the_prompt_and_leaves_the_appointment() -> None:
    decision = decide("STOP", CLINIC, patient(), awaiting(), NOW)
    assert decision.opt_out is True
    assert decision.clear_prompt is True
    assert decision.appointment_status is None


@pytest.mark.parametrize("text", ["STOP", "stop", "UNSUBSCRIBE", "opt out"])
def test_an_opted_out_patient_saying_stop_again_gets_no_reply_and_no_new_opt_out(text: str) -> None:
    decision = decide(text, CLINIC, opted_out(), None, NOW)
    assert decision.reply is None
    assert decision.opt_out is False
    assert decision.alerts == ()


@pytest.mark.parametrize("text", ["C", "Y", "R", "HELP", "INFO", "hello?", "what time is it", "", "ok"])
def test_an_opted_out_patient_gets_silence_for_anything_but_start_unstop_or_yes(text: str) -> None:
    for prompt in (None, awaiting()):
        decision = decide(text, CLINIC, opted_out(), prompt, NOW)
        assert decision.reply is None, text
        assert decision.opt_in is False
        assert decision.appointment_status is None
        assert decision.alerts == ()


@pytest.mark.parametrize("text", OPT_INS)
def test_start_unstop_or_yes_opts_an_opted_out_patient_back_in(text: str) -> None:
    decision = decide(text, CLINIC, opted_out(), None, NOW)
    assert decision.intent is Intent.OPT_IN
    assert decision.opt_in is True
    assert decision.opt_out is False
    assert "resubscribed" in reply_of(decision)


def test_yes_from_an_opted_out_patient_opts_in_rather_than_confirming() -> None:
    decision = decide("YES", CLINIC, opted_out(), awaiting(), NOW)
    assert decision.opt_in is True
    assert decision.appointment_status is None


def test_start_from_a_subscribed_patient_changes_nothing() -> None:
    decision = decide("START", CLINIC, patient(), None, NOW)
    assert decision.opt_in is False
    assert decision.opt_out is False


# ---- HELP ----


@pytest.mark.parametrize("text", ["HELP", "help", "Help", "INFO", "info", "help please"])
def test_help_and_info_answer_the_clinic_name_phone_and_how_to_opt_out(text: str) -> None:
    for prompt in (None, awaiting()):
        decision = decide(text, CLINIC, patient(), prompt, NOW)
        assert decision.intent is Intent.HELP
        reply = reply_of(decision)
        assert "Calm Waters" in reply
        assert "+12125550100" in reply
        assert "STOP" in reply
        assert decision.appointment_status is None


def test_help_keeps_the_confirmation_pending() -> None:
    decision = decide("HELP", CLINIC, patient(), awaiting(), NOW)
    assert decision.clear_prompt is False


# ---- confirming and rescheduling ----


@pytest.mark.parametrize("text", CONFIRMS)
def test_confirm_replies_confirm_the_appointment_awaiting_confirmation(text: str) -> None:
    decision = decide(text, CLINIC, patient(), awaiting(), NOW)
    assert decision.intent is Intent.CONFIRM
    assert decision.appointment_status is AppointmentStatus.CONFIRMED
    assert decision.clear_prompt is True
    assert decision.alerts == ()
    reply = reply_of(decision)
    assert "confirmed" in reply
    assert "Tue Dec 1" in reply
    assert "3:00 PM" in reply


@pytest.mark.parametrize("text", ["R", "r", "RESCHEDULE", "reschedule", "R please"])
def test_r_requests_a_reschedule_alerts_the_clinic_and_says_it_will_call(text: str) -> None:
    decision = decide(text, CLINIC, patient(), awaiting(), NOW)
    assert decision.intent is Intent.RESCHEDULE
    assert decision.appointment_status is AppointmentStatus.RESCHEDULE_REQUESTED
    assert decision.alerts == ("reschedule_request",)
    assert decision.clear_prompt is True
    reply = reply_of(decision)
    assert "call" in reply
    assert "+12125550100" in reply


@pytest.mark.parametrize("text", ["maybe", "what?", "N", "no", "I'll be 10 min late", "", "\U0001f44d"])
def test_anything_else_while_awaiting_confirmation_lists_the_choices(text: str) -> None:
    decision = decide(text, CLINIC, patient(), awaiting(), NOW)
    assert decision.intent is Intent.OTHER
    assert decision.appointment_status is None
    assert decision.clear_prompt is False
    reply = reply_of(decision)
    assert "Reply C" in reply
    assert "R to reschedule" in reply
    assert "Tue Dec 1" in reply


def test_the_confirmation_names_the_time_in_the_patients_zone_with_its_abbreviation() -> None:
    chicago = patient(zone=ZoneInfo("America/Chicago"))
    reply = reply_of(decide("C", CLINIC, chicago, awaiting(), NOW))
    assert "2:00 PM CST" in reply


@pytest.mark.parametrize("text", ["C", "YES", "R", "hello"])
def test_without_an_appointment_awaiting_confirmation_replies_get_the_generic_answer(text: str) -> None:
    decision = decide(text, CLINIC, patient(), None, NOW)
    assert decision.intent is Intent.OTHER
    assert decision.appointment_status is None
    assert decision.alerts == ()
    reply = reply_of(decision)
    assert "+12125550100" in reply
    assert "HELP" in reply
    assert "STOP" in reply


@pytest.mark.parametrize("text", ["C", "R"])
def test_replies_after_the_appointment_started_change_nothing_and_get_the_generic_answer(text: str) -> None:
    for now in (STARTS, STARTS + timedelta(hours=2)):
        decision = decide(text, CLINIC, patient(), awaiting(), now)
        assert decision.appointment_status is None
        assert decision.alerts == ()
        assert "HELP" in reply_of(decision)


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED])
@pytest.mark.parametrize("text", ["C", "R"])
def test_replies_about_a_cancelled_or_completed_appointment_change_nothing(
    status: AppointmentStatus, text: str
) -> None:
    decision = decide(text, CLINIC, patient(), awaiting(status=status), NOW)
    assert decision.appointment_status is None
    assert decision.alerts == ()


@pytest.mark.parametrize("text", ["C", "R", "hello", "HELP"])
def test_an_unknown_number_gets_a_generic_reply_with_the_clinic_phone(text: str) -> None:
    decision = decide(text, CLINIC, None, None, NOW)
    assert decision.appointment_status is None
    assert decision.opt_out is False
    assert "+12125550100" in reply_of(decision)


@pytest.mark.parametrize("text", ["STOP", "stop texting me", "UNSUBSCRIBE"])
def test_an_unknown_number_that_says_stop_is_not_told_to_reply_stop(text: str) -> None:
    decision = decide(text, CLINIC, None, None, NOW)
    assert decision.reply is None or "STOP" not in decision.reply


# ---- the words of every default reply ----

CLINIC_NAMES = [
    "Calm Waters",
    "Riverside Wellness & Recovery",
    "St. Mary's Integrative Health",
    "Dr. Okafor's Office",
    "North Shore Wellness Partners",
]
FIRST_NAMES = [
    "Ana",
    "Jo",
    "José",
    "Renée",
    "Björn",
    "O'Brien",
    "Mary-Kate",
    "Christopher",
    "Maximilian-Jose",
]
ZONES = ["America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Asia/Kolkata"]


def every_reply(
    clinic: ClinicSettings, first_name: str = "Ana", zone: str = "America/New_York"
) -> dict[str, str]:
    """Each default reply, as decide() gives it, for one clinic and patient."""
    someone = replace(patient(zone=ZoneInfo(zone)), first_name=first_name)
    # The longest day and time: "Wed Sep 30 at 12:00 PM".
    starts = local(zone, 2026, 9, 30, 12, 0)
    pending = appointment(starts)
    now = starts - timedelta(days=1)
    cases = {
        "crisis": decide("I want to die", clinic, someone, pending, now),
        "opt out": decide("STOP", clinic, someone, pending, now),
        "opt in": decide("START", clinic, replace(someone, opted_out=True), None, now),
        "help": decide("HELP", clinic, someone, pending, now),
        "confirmed": decide("C", clinic, someone, pending, now),
        "reschedule": decide("R", clinic, someone, pending, now),
        "not understood": decide("hmm", clinic, someone, pending, now),
        "no prompt": decide("hmm", clinic, someone, None, now),
        "unknown number": decide("hmm", clinic, None, None, now),
    }
    return {name: reply_of(decision) for name, decision in cases.items()}


@pytest.mark.parametrize("clinic_name", CLINIC_NAMES)
@pytest.mark.parametrize("first_name", FIRST_NAMES)
def test_every_default_reply_fits_one_gsm7_segment(clinic_name: str, first_name: str) -> None:
    for zone in ZONES:
        clinic = settings(name=clinic_name, phone="+442071234567")
        for name, reply in every_reply(clinic, first_name, zone).items():
            assert fits_one_segment(reply), f"{name} ({len(reply)} chars): {reply}"


@pytest.mark.parametrize("first_name", ["Zoë", "Siân", "Chloë"])
def test_replies_naming_the_patient_stay_gsm7_whatever_the_first_name(first_name: str) -> None:
    replies = every_reply(CLINIC, first_name)
    for name in ("confirmed", "reschedule"):
        assert fits_one_segment(replies[name]), f"{name}: {replies[name]}"


NON_GSM7_CLINIC_NAMES = ["Clínica Serena", "Zoë's Wellness Studio"]


@pytest.mark.parametrize("clinic_name", NON_GSM7_CLINIC_NAMES)
def test_help_stays_gsm7_whatever_the_clinic_name(clinic_name: str) -> None:
    reply = every_reply(settings(name=clinic_name))["help"]
    assert fits_one_segment(reply), reply


@pytest.mark.parametrize("reply_name", ["opt out", "opt in"])
@pytest.mark.parametrize("clinic_name", NON_GSM7_CLINIC_NAMES)
def test_opt_out_and_opt_in_replies_stay_gsm7_whatever_the_clinic_name(
    clinic_name: str, reply_name: str
) -> None:
    reply = every_reply(settings(name=clinic_name))[reply_name]
    assert fits_one_segment(reply), reply


@pytest.mark.parametrize("clinic_name", CLINIC_NAMES)
def test_no_reply_ever_asks_the_patient_to_reply_cancel(clinic_name: str) -> None:
    for reply in every_reply(settings(name=clinic_name)).values():
        assert "cancel" not in reply.lower(), reply


@pytest.mark.parametrize("clinic_name", CLINIC_NAMES)
def test_replies_in_discreet_mode_name_no_treatment_or_condition(clinic_name: str) -> None:
    clinic = settings(name=clinic_name, discreet=True)
    for name, reply in every_reply(clinic).items():
        if name == "crisis":
            continue  # the lifeline's own name, given in answer to the patient's own words
        assert is_discreet(reply), f"{name}: {reply}"


@pytest.mark.parametrize("reply_name", ["opt out", "opt in"])
def test_discreet_replies_leave_out_a_clinic_name_that_names_the_treatment(reply_name: str) -> None:
    clinic = settings(name="Calm Waters Ketamine Clinic", discreet=True)
    reply = every_reply(clinic)[reply_name]
    assert is_discreet(reply), reply


def test_help_names_the_clinic_even_in_discreet_mode_since_the_patient_asked_who_is_texting() -> None:
    clinic = settings(name="Calm Waters Ketamine Clinic", discreet=True)
    assert "Calm Waters Ketamine Clinic" in every_reply(clinic)["help"]


def test_replies_name_a_clinic_whose_name_is_discreet() -> None:
    replies = every_reply(settings(name="Calm Waters", discreet=True))
    assert all("Calm Waters" in replies[name] for name in ("help", "opt out", "opt in"))


def test_a_crisis_that_also_asks_to_stop_gets_the_help_and_is_opted_out() -> None:
    decision = decide("stop texting me, I want to die", settings(), patient(), None, NOW)

    assert (decision.intent, decision.reply, decision.alerts) == (Intent.CRISIS, CRISIS_REPLY, ("crisis",))
    assert decision.opt_out


def test_a_crisis_from_a_patient_opted_out_already_opts_out_nothing_more() -> None:
    decision = decide("stop texting me, I want to die", settings(), patient(opted_out=True), None, NOW)

    assert decision.reply == CRISIS_REPLY
    assert not decision.opt_out


@pytest.mark.parametrize("text", ["HELP", "STOP"])
def test_a_clinic_name_of_100_characters_is_shortened_to_keep_the_reply_in_one_segment(text: str) -> None:
    long_name = "Calm Waters Wellness " * 5

    reply = decide(text, settings(name=long_name[:100], discreet=False), patient(), None, NOW).reply

    assert reply is not None
    assert fits_one_segment(reply)
    assert reply.startswith("Calm Waters") or "from Calm Waters" in reply


def test_a_clinic_name_of_100_characters_is_shortened_in_the_opt_in_reply_too() -> None:
    reply = decide(
        "START", settings(name="C" * 100, discreet=False), patient(opted_out=True), None, NOW
    ).reply

    assert reply is not None
    assert fits_one_segment(reply)
