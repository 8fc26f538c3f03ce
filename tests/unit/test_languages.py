"""Every text in the patient's language (contract section 12): the wording files, the segments
every default text costs in English and Spanish, the Spanish GAD-7, PHQ-9 and 0-10, and Spanish
conversations from the reminder to ALTO."""

import json
from dataclasses import replace
from datetime import timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

import pytest

from tests.bench.texts import every_text
from tests.unit.builders import NEW_YORK, appointment, local, patient, settings
from tests.unit.test_texts import CLINIC_NAMES, FIRST_NAMES, ZONES
from touchpoint.domain import surveys
from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.appointment import AppointmentStatus
from touchpoint.domain.checklist import ChecklistState
from touchpoint.domain.conversation import decide
from touchpoint.domain.gsm7 import GSM7, segments
from touchpoint.domain.instruments import instrument_in, instruments, translations
from touchpoint.domain.lexicon import Intent
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.texts import is_discreet, reminder_text
from touchpoint.domain.wording import WordingError, check_against, parse_wording, wording, wordings

STARTS = local(NEW_YORK, 2026, 12, 1, 15, 0)  # Tuesday 1 December 2026, 3:00 PM
NOW = STARTS - timedelta(days=1)
CLINIC = settings(name="Calm Waters", phone="+12125550100", discreet=False)
SPANISH_LABELS = ["ningún día", "varios días", "más de la mitad de los días", "casi todos los días"]


# ---- the wording files ----


def test_english_and_spanish_have_the_same_texts() -> None:
    assert set(wordings()) == {"en", "es"}
    assert set(wording("es").texts) == set(wording("en").texts)


def test_a_wording_file_missing_a_text_or_using_an_unknown_field_is_refused() -> None:
    english = wording("en")
    source = json.loads(files("touchpoint.wording").joinpath("es.json").read_text(encoding="utf-8"))
    missing = parse_wording(source | {"texts": {k: v for k, v in source["texts"].items() if k != "help"}})
    with pytest.raises(WordingError, match="help"):
        check_against(missing, english)
    misspelt = parse_wording(source | {"texts": source["texts"] | {"help": "{clinica}: llame al {phone}."}})
    with pytest.raises(WordingError, match="clinica"):
        check_against(misspelt, english)


def test_a_language_touchpoint_does_not_text_in_reads_english() -> None:
    assert wording("fr") is wording("en")
    assert wording(None) is wording("en")


# ---- segments of every default text ----


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_default_text_is_counted_and_within_its_language_budget(language: str) -> None:
    texts = dict(every_text(language))
    assert len(texts) > 40
    for name, text in texts.items():
        count, encoding = segments(text)
        if "question" in name or name.startswith("answer unclear"):
            assert count <= (2 if language == "en" else 5), (name, count, text)  # the instruments' own words
        elif name == "crisis":
            assert count <= 2, text
        else:
            assert count <= wording(language).segments, (name, count, text)
            # Fixed wording keeps to GSM-7: Spanish says "Responda", never "Respóndanos".
            assert encoding == GSM7, (name, text)


@pytest.mark.parametrize("discreet", [True, False])
@pytest.mark.parametrize("clinic_name", CLINIC_NAMES)
@pytest.mark.parametrize("first_name", FIRST_NAMES)
def test_every_spanish_reminder_is_at_most_two_segments(
    first_name: str, clinic_name: str, discreet: bool
) -> None:
    clinic = settings(name=clinic_name, discreet=discreet)
    for zone in ZONES:
        for day in range(7):  # each weekday, "sábado" included, at the widest clock
            starts = local(ZoneInfo(zone), 2026, 9, 21 + day, 12, 0)
            text = reminder_text(first_name, clinic, starts, ZoneInfo(zone), "es")
            assert segments(text)[0] <= 2, (len(text), text)
            assert text.endswith("Responda C para confirmar, R para cambiarla o ALTO para darse de baja.")
            assert is_discreet(text) or not discreet


def test_a_spanish_reminder_says_the_day_and_time_in_spanish() -> None:
    assert reminder_text("Ana", CLINIC, STARTS, NEW_YORK, "es") == (
        "Hola Ana: su cita en Calm Waters es el martes 1 de diciembre a las 3:00 p. m. "
        "Responda C para confirmar, R para cambiarla o ALTO para darse de baja."
    )
    one_oclock = local(NEW_YORK, 2026, 12, 2, 13, 0)
    assert "el miércoles 2 de diciembre a la 1:00 p. m." in reminder_text(
        "Ana", CLINIC, one_oclock, NEW_YORK, "es"
    )


def test_on_a_saturday_the_spanish_reminder_drops_the_weekday_rather_than_its_accent() -> None:
    saturday = local(NEW_YORK, 2026, 12, 5, 10, 0)
    text = reminder_text("Ana", CLINIC, saturday, NEW_YORK, "es")
    assert "el 5 de diciembre a las 10:00 a. m." in text
    assert segments(text) == (1, GSM7)


# ---- the Spanish instruments ----


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9", "anxiety-now"])
def test_each_instrument_has_its_spanish_words_and_the_same_scoring(instrument_id: str) -> None:
    english, translated = instruments()[instrument_id], instrument_in(instrument_id, "es")
    assert (instrument_id, "es") in translations()
    assert translated.language == "es"
    assert len(translated.items) == len(english.items)
    assert translated.items != english.items
    assert [c.value for c in translated.choices] == [c.value for c in english.choices]
    assert (translated.bands, translated.alert_rules) == (english.bands, english.alert_rules)
    assert translated.question(0).startswith("P1/")


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9"])
def test_spanish_answers_are_digits_or_the_spanish_labels_accents_or_not(instrument_id: str) -> None:
    instrument = instrument_in(instrument_id, "es")
    assert [choice.label.casefold() for choice in instrument.choices] == SPANISH_LABELS
    for value, label in enumerate(SPANISH_LABELS):
        assert instrument.parse_answers(label, 9) == (value,)
        assert instrument.parse_answers(label.upper(), 9) == (value,)
        unaccented = label.replace("ú", "u").replace("í", "i").replace("á", "a")
        assert instrument.parse_answers(unaccented, 9) == (value,)
        assert instrument.parse_answers(f"{value} {label}", 9) == (value,)
    assert instrument.parse_answers("1 casi todos los días", 9) is None  # number and label disagree
    assert instrument.parse_answers("Several days", 9) == (1,)  # the English labels still count
    assert instrument.parse_answers("0 1 2", 9) == (0, 1, 2)


def test_the_spanish_questions_keep_their_accents_and_the_official_stem() -> None:
    question = instrument_in("gad7", "es").question(0)
    assert question.startswith(
        "P1/7 Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas? "
        "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta. Responda 0 Ningún día, 1 Varios días"
    )
    item8 = instrument_in("phq9", "es").question(7)
    assert "¿Se ha movido o hablado tan lento" in item8
    assert "\u2013" not in item8  # its dash folded to a hyphen, its words and accents kept


def test_the_spanish_0_to_10_asks_for_a_number_and_alto_opts_out_as_stop_does() -> None:
    assert "con un número del 0 (nada) al 10 (muchísimo)" in instrument_in("anxiety-now", "es").question(0)
    survey = Survey(
        "sv_1",
        "cl_1",
        "pt_1",
        "ap_1",
        "anxiety-now",
        SurveyStatus.IN_PROGRESS,
        (),
        NOW,
        NOW + timedelta(days=1),
        NOW,
    )
    asked = replace(patient(language="es"), active_survey_id="sv_1")
    assert decide("7", CLINIC, asked, None, NOW, survey).survey.answers == (7,)  # type: ignore[union-attr]
    stopped = decide("alto", CLINIC, asked, None, NOW, survey)
    assert stopped.intent is Intent.OPT_OUT
    assert stopped.opt_out


# ---- Spanish conversations ----


@pytest.mark.parametrize("text", ["sí", "SI", "Si", "confirmar", "C", "c", "yes"])
def test_a_spanish_speaking_patient_confirms_with_si_confirmar_or_c(text: str) -> None:
    decision = decide(text, CLINIC, patient(language="es"), appointment(STARTS), NOW)
    assert decision.intent is Intent.CONFIRM
    assert decision.reply == (
        "Gracias Ana, su cita del martes 1 de diciembre a las 3:00 p. m. queda confirmada. Responda R si necesita cambiarla."
    )


@pytest.mark.parametrize("text", ["CAMBIAR", "cambiar", "R"])
def test_a_spanish_speaking_patient_asks_to_reschedule_with_cambiar_or_r(text: str) -> None:
    decision = decide(text, CLINIC, patient(language="es"), appointment(STARTS), NOW)
    assert decision.intent is Intent.RESCHEDULE
    assert decision.appointment_status is AppointmentStatus.RESCHEDULE_REQUESTED
    assert decision.reply is not None
    assert decision.reply.startswith("Gracias Ana, le llamaremos")


@pytest.mark.parametrize(
    "text", ["ALTO", "parar", "Cancelar", "BAJA", "no más mensajes", "ya no me escriban", "STOP"]
)
def test_a_spanish_speaking_patient_opts_out_in_spanish_or_with_stop_and_is_told_in_spanish(
    text: str,
) -> None:
    decision = decide(text, CLINIC, patient(language="es"), appointment(STARTS), NOW)
    assert decision.intent is Intent.OPT_OUT
    assert decision.opt_out
    assert decision.reply == (
        "Se dio de baja: no le enviaremos otros mensajes de Calm Waters. Responda COMENZAR para volver a recibirlos."
    )


@pytest.mark.parametrize("text", ["COMENZAR", "inicio", "sí", "START"])
def test_an_opted_out_spanish_speaking_patient_opts_back_in(text: str) -> None:
    decision = decide(text, CLINIC, patient(language="es", opted_out=True), None, NOW)
    assert decision.intent is Intent.OPT_IN
    assert decision.opt_in
    assert decision.reply is not None
    assert decision.reply.startswith("Listo, le enviaremos de nuevo")


@pytest.mark.parametrize("text", ["AYUDA", "ayuda", "HELP"])
def test_ayuda_or_help_answers_in_spanish_naming_the_clinic(text: str) -> None:
    decision = decide(text, CLINIC, patient(language="es"), None, NOW)
    assert decision.intent is Intent.HELP
    assert decision.reply == (
        "Calm Waters: para obtener ayuda llame al +12125550100. "
        "Responda ALTO para darse de baja o COMENZAR para volver a recibir mensajes."
    )


def test_the_clinics_default_language_words_the_replies_of_a_patient_without_one() -> None:
    spanish_clinic = replace(CLINIC, default_language="es")
    assert decide("AYUDA", spanish_clinic, patient(), None, NOW).reply.startswith("Calm Waters: para")  # type: ignore[union-attr]
    english = decide("HELP", spanish_clinic, patient(language="en"), None, NOW)
    assert english.reply is not None
    assert english.reply.startswith("Calm Waters: for help")
    unknown = decide("hola", spanish_clinic, None, None, NOW)
    assert unknown.reply == "Perdone, no encontramos sus datos. Llame al +12125550100, por favor."


def test_a_spanish_gad7_from_invitation_to_score_answered_with_labels() -> None:
    gad7 = instrument_in("gad7", "es")
    survey = Survey(
        "sv_1", "cl_1", "pt_1", "ap_1", "gad7", SurveyStatus.INVITED, (), NOW, NOW + timedelta(days=3), NOW
    )
    asked = replace(patient(language="es"), active_survey_id="sv_1")
    began = decide("sí", CLINIC, asked, None, NOW, survey)
    assert began.reply == gad7.question(0)
    survey = began.survey  # type: ignore[assignment]
    replies = [
        "varios días",
        "Más de la mitad de los días",
        "ningún día",
        "2",
        "casi todos los dias",
        "1",
        "Varios días",
    ]
    for reply in replies:
        step = decide(reply, CLINIC, asked, None, NOW, survey)
        survey = step.survey  # type: ignore[assignment]
    assert survey.status is SurveyStatus.COMPLETED
    assert (survey.answers, survey.score, survey.severity) == ((1, 2, 0, 2, 3, 1, 1), 10, "moderate")
    assert step.reply == "Gracias, Ana. Hemos compartido sus respuestas con su equipo de cuidado."
    unclear = decide(
        "quizás", CLINIC, asked, None, NOW, replace(survey, status=SurveyStatus.IN_PROGRESS, answers=())
    )
    assert unclear.reply == "Perdone, no pudimos leer esa respuesta. " + gad7.question(0)


def test_a_spanish_phq9_item9_answer_gets_the_crisis_help_in_spanish() -> None:
    survey = Survey(
        "sv_1",
        "cl_1",
        "pt_1",
        "ap_1",
        "phq9",
        SurveyStatus.IN_PROGRESS,
        (0,) * 8,
        NOW,
        NOW + timedelta(days=3),
        NOW,
    )
    asked = replace(patient(language="es"), active_survey_id="sv_1")
    decision = decide("varios días", CLINIC, asked, None, NOW, survey)
    assert AlertKind.CRISIS in decision.alerts
    assert decision.reply is not None
    assert decision.reply.startswith("Llama o envía un mensaje de texto al 988")


def test_a_spanish_checklist_is_read_in_spanish_and_alerts_the_clinic_in_its_own_words() -> None:
    checklist_clinic = settings(name="Calm Waters", phone="+12125550100", checklist={})
    booked = replace(
        appointment(STARTS), checklist=ChecklistState.PENDING, checklist_due_at=STARTS - timedelta(hours=2)
    )
    asked = replace(
        patient(language="es"), checklist_appointment_id=booked.appointment_id, checklist_since=NOW
    )
    ready = decide("Sí", checklist_clinic, asked, None, NOW + timedelta(hours=1), checklist=booked)
    assert (ready.checklist, ready.reply) == (ChecklistState.READY, "Gracias Ana, todo listo. Hasta pronto.")
    missing = decide(
        "no tengo transporte", checklist_clinic, asked, None, NOW + timedelta(hours=1), checklist=booked
    )
    assert missing.checklist is ChecklistState.NOT_READY
    assert (
        missing.alert_text == "Checklist not ready: 1 a ride home. The patient replied: no tengo transporte"
    )
    assert missing.reply == "Gracias Ana, ya avisamos a su equipo. Si quiere hablarlo, llame al +12125550100."
    unclear = decide("qué?", checklist_clinic, asked, None, NOW + timedelta(hours=1), checklist=booked)
    assert unclear.reply is not None
    assert unclear.reply.startswith("Perdone, no entendimos. Responda SI")


def test_a_first_name_with_nothing_left_in_gsm7_leaves_a_spanish_greeting_without_a_name() -> None:
    assert reminder_text("李", CLINIC, STARTS, NEW_YORK, "es").startswith(
        "Hola: su cita en Calm Waters es el martes"
    )
    assert reminder_text("李", CLINIC, STARTS, NEW_YORK, "en").startswith("Hi there, reminder:")
    assert (
        surveys.completed_note("李", "es")
        == "Gracias. Hemos compartido sus respuestas con su equipo de cuidado."
    )
    assert surveys.invitation_text("李", CLINIC, 7, "es").startswith(
        "Hola, tiene un cuestionario de Calm Waters"
    )
