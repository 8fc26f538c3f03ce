"""The pre-session checklist end to end: the local stack sends it to the fake Twilio on a tick,
the patient's answer comes back as a webhook signed with the SDK's RequestValidator, and the
admin API shows the appointment's `checklist` and the clinic's `checklist` alert."""

from typing import Any

import pytest

from tests.e2e.support import Api, RunningStack, local, parse_instant
from tests.e2e.webhooks import Webhooks, twiml_reply
from tests.fakes.twilio_server import FakeTwilio

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]


@pytest.fixture
def webhooks(local_stack: RunningStack) -> Webhooks:
    return Webhooks(local_stack)


def test_a_checklist_answered_with_an_item_is_not_ready_with_an_alert_over_http(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic = api.clinic(reminders=[], checklist={"alert_no_answer": True})
    patient = clinic.patient("Noa")
    appointment = clinic.appointment(patient, local(clinic.first_day_after(3), 15))
    [checklist] = [message for message in appointment["messages"] if message["kind"] == "checklist"]

    api.tick(parse_instant(checklist["due_at"]))
    [sent] = twilio.messages_to(patient["phone"])
    response = webhooks.sms(patient["phone"], clinic.sender, "no ride home yet")

    assert (
        "1 a ride home, 2 nothing to eat for 6 hours before, 3 no alcohol since yesterday?"
        in sent.form["Body"]
    )
    assert response.status_code == 200, response.text
    reply = twiml_reply(response.text)
    assert reply is not None
    assert reply.startswith("Thanks Noa, we have told the clinic.")
    assert clinic.get_appointment(appointment)["checklist"] == "not_ready"
    alerts: list[dict[str, Any]] = api.get(f"/admin/clinics/{clinic.clinic_id}/alerts?kind=checklist").json()[
        "items"
    ]
    assert [alert["text"] for alert in alerts] == [
        "Checklist not ready: 1 a ride home. The patient replied: no ride home yet"
    ]
