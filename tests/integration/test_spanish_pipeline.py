"""A Spanish-speaking patient through the real pipeline on moto (contract section 12): the
language set by the admin API (the patient's own, or the clinic's default), the scheduler pass
and the sender wording the reminder and the check-in in Spanish, and Twilio's signed webhooks
answering "sí", the Spanish GAD-7 labels, AYUDA and ALTO in Spanish."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import AFTER_REMINDER, DUE_AT, World, world_fixture
from tests.integration.moto_table import module_table_fixture
from touchpoint.domain.gsm7 import segments
from touchpoint.domain.instruments import instrument_in

moto_table = module_table_fixture()

# The session of STARTS_AT (Tuesday 5 March 2030, 15:00-16:00 EST) and its GAD-7 a day later.
GAD7_AT = datetime.fromisoformat("2030-03-06T16:00:00-05:00")
GAD7_ES = instrument_in("gad7", "es")


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


def reply(world: World, body: str, now: datetime) -> str | None:
    response = world.text(body, now=now)
    assert response.status == 200, response.body
    messages = ET.fromstring(response.body).findall("Message")  # noqa: S314 (our own handler's answer)
    return messages[0].text if messages else None


def spanish_patient(world: World, **clinic: object) -> tuple[str, str]:
    clinic_id = world.clinic(**clinic)
    patient_id = world.patient(clinic_id)
    status, body = world.admin(
        "PATCH", f"/admin/clinics/{clinic_id}/patients/{patient_id}", {"language": "es"}
    )
    assert (status, body["language"]) == (200, "es")
    return clinic_id, patient_id


def test_the_reminder_goes_out_in_spanish_and_si_confirms_it(world: World) -> None:
    clinic_id, patient_id = spanish_patient(world, discreet=False)
    appointment_id = world.appointment(clinic_id, patient_id)

    [delivery] = world.send_due(DUE_AT)

    assert delivery.outcome == "sent"
    [sent] = world.outbox.sent
    assert sent.body == (
        "Hola Ana: su cita en Calm Waters es el martes 5 de marzo a las 3:00 p. m. "
        "Responda C para confirmar, R para cambiarla o ALTO para darse de baja."
    )
    assert segments(sent.body) == (1, "GSM-7")
    assert reply(world, "Sí", AFTER_REMINDER) == (
        "Gracias Ana, su cita del martes 5 de marzo a las 3:00 p. m. queda confirmada. "
        "Responda R si necesita cambiarla."
    )
    assert world.appointment_view(clinic_id, appointment_id)["status"] == "confirmed"


def test_a_patient_of_a_spanish_speaking_clinic_gets_spanish_and_ayuda_and_alto_are_answered_in_it(
    world: World,
) -> None:
    clinic_id = world.clinic(default_language="es")
    patient_id = world.patient(clinic_id)
    world.appointment(clinic_id, patient_id)
    world.send_due(DUE_AT)
    [sent] = world.outbox.sent
    assert sent.body.startswith("Hola Ana: su cita en Calm Waters es el martes 5 de marzo")

    help_reply = reply(world, "AYUDA", AFTER_REMINDER)
    stop_reply = reply(world, "ALTO", AFTER_REMINDER + timedelta(minutes=1))

    assert help_reply is not None
    assert help_reply.startswith("Calm Waters: para obtener ayuda llame al +12125550100.")
    assert stop_reply == (
        "Se dio de baja: no le enviaremos otros mensajes de Calm Waters. Responda COMENZAR para volver a recibirlos."
    )
    assert world.patient_view(clinic_id, patient_id)["opted_out"] is True
    assert reply(world, "ALTO", AFTER_REMINDER + timedelta(minutes=2)) is None  # one confirmation only
    assert reply(world, "COMENZAR", AFTER_REMINDER + timedelta(minutes=3)) == (
        "Listo, le enviaremos de nuevo los mensajes de Calm Waters. Responda AYUDA para obtener ayuda o ALTO para darse de baja."
    )


def test_stop_in_english_opts_a_spanish_speaking_patient_out_answered_in_spanish(world: World) -> None:
    clinic_id, patient_id = spanish_patient(world)
    world.appointment(clinic_id, patient_id)
    world.send_due(DUE_AT)

    answer = reply(world, "STOP", AFTER_REMINDER)

    assert answer is not None
    assert answer.startswith("Se dio de baja")
    assert world.patient_view(clinic_id, patient_id)["opted_out"] is True


def test_the_spanish_gad7_is_asked_and_scored_from_its_spanish_labels(world: World) -> None:
    clinic_id, patient_id = spanish_patient(
        world, reminders=[], follow_ups=[{"after": "P1D", "survey": "gad7"}]
    )
    world.appointment(clinic_id, patient_id)

    world.send_due(GAD7_AT)
    [invitation] = world.outbox.sent
    assert invitation.body == (
        "Hola Ana, tiene un cuestionario de Calm Waters (7 preguntas breves). Responda SI para comenzar o ALTO para darse de baja."
    )
    now = GAD7_AT + timedelta(minutes=5)
    assert reply(world, "sí", now) == GAD7_ES.question(0)
    labels = [
        "varios días",
        "Más de la mitad de los días",
        "ningún dia",
        "2",
        "CASI TODOS LOS DÍAS",
        "1",
        "varios días",
    ]
    replies = [reply(world, label, now + timedelta(minutes=n + 1)) for n, label in enumerate(labels)]

    assert replies[:-1] == [GAD7_ES.question(n) for n in range(1, 7)]
    assert replies[-1] == "Gracias, Ana. Hemos compartido sus respuestas con su equipo de cuidado."
    [survey] = world.get(f"/admin/clinics/{clinic_id}/patients/{patient_id}/surveys")["items"]
    assert (survey["survey"], survey["status"], survey["score"], survey["severity"]) == (
        "gad7",
        "completed",
        10,
        "moderate",
    )
