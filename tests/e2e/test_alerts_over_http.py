"""Alerts a clinician must close, end to end: crisis replies through the signed webhook, the
clinician's acknowledgement over the admin API, and the escalation of the alert left open by a
later tick of the local stack's scheduler."""

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.support import Api, RunningStack, parse_instant
from tests.e2e.webhooks import Webhooks, twiml_reply

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]


@pytest.fixture
def webhooks(local_stack: RunningStack) -> Webhooks:
    return Webhooks(local_stack)


def alerts(api: Api, clinic_id: str, query: str = "") -> list[dict[str, Any]]:
    response = api.get(f"/admin/clinics/{clinic_id}/alerts" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_clinician_acknowledges_one_crisis_alert_and_the_one_left_open_is_escalated(
    api: Api, webhooks: Webhooks, local_stack: RunningStack
) -> None:
    clinic = api.clinic(escalation_minutes=5)
    ana, ben = clinic.patient("Ana"), clinic.patient("Ben")
    for patient, text in ((ana, "I want to end it all"), (ben, "i want to die")):
        reply = twiml_reply(webhooks.sms(patient["phone"], clinic.sender, text).text)
        assert reply is not None
        assert "988" in reply
    ben_alert, ana_alert = alerts(api, clinic.clinic_id, "kind=crisis&state=open")
    assert (ana_alert["patient_id"], ana_alert["first_name"], ana_alert["state"]) == (
        ana["patient_id"],
        "Ana",
        "open",
    )
    assert ben_alert["first_name"] == "Ben"
    acknowledge = f"/admin/clinics/{clinic.clinic_id}/alerts/{ana_alert['alert_id']}/acknowledge"

    done = api.post(acknowledge, {"note": "Called Ana; she is safe with her sister tonight."})

    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["acknowledged_by"], done.json()["note"]) == (
        "acknowledged",
        "local-admin",
        "Called Ana; she is safe with her sister tonight.",
    )
    assert parse_instant(done.json()["acknowledged_at"]) >= parse_instant(ana_alert["at"])
    assert api.post(acknowledge, {"note": "again"}).status_code == 409
    assert api.post(acknowledge, {"note": 5}).status_code == 422
    not_json = api.request("POST", acknowledge, data=b"{", headers={"Content-Type": "application/json"})
    assert (not_json.status_code, not_json.json()["error"]["field"]) == (400, "body")
    unknown = api.post(
        f"/admin/clinics/{clinic.clinic_id}/alerts/al_00000000000000000000/acknowledge", {"note": "x"}
    )
    assert unknown.status_code == 404
    bad_filter = api.get(f"/admin/clinics/{clinic.clinic_id}/alerts?state=closed")
    assert (bad_filter.status_code, bad_filter.json()["error"]["field"]) == (400, "state")
    assert [a["alert_id"] for a in alerts(api, clinic.clinic_id, "state=open")] == [ben_alert["alert_id"]]

    due = parse_instant(ben_alert["at"]) + timedelta(minutes=5, seconds=1)
    api.tick(due - timedelta(minutes=1))
    assert escalations(api, clinic.clinic_id) == {"Ana": 0, "Ben": 0}
    assert api.tick(due)["escalated"] >= 1  # other tests' open alerts may fall due too
    api.tick(due + timedelta(minutes=1))  # within the interval: not again

    assert escalations(api, clinic.clinic_id) == {"Ana": 0, "Ben": 1}
    printed = [
        line for line in local_stack.output.read_text().splitlines() if line.startswith("[alert] ESCALATION")
    ]
    assert [line for line in printed if ben_alert["alert_id"] in line]
    assert not [line for line in printed if ana_alert["alert_id"] in line]
    assert not [line for line in printed if ben["phone"] in line or "want to die" in line]


def escalations(api: Api, clinic_id: str) -> dict[str, int]:
    return {alert["first_name"]: alert["escalations"] for alert in alerts(api, clinic_id)}
