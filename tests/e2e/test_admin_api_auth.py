"""The admin bearer token and the local tick endpoint of the local stack, over HTTP."""

from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.e2e.support import Api, RunningStack, local, utc_iso

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

TICK_COUNTS = {"queued", "sent", "skipped", "failed"}


def call(
    stack: RunningStack, method: str, path: str, headers: dict[str, str], body: Any = None
) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    return session.request(method, stack.base_url + path, headers=headers, json=body, timeout=30)


def assert_error_shape(response: requests.Response) -> None:
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]


BAD_CREDENTIALS = {
    "no header": {},
    "wrong token": {"Authorization": "Bearer not-the-admin-token"},
    "token without scheme": {"Authorization": "e2e-admin-token"},
    "basic scheme": {"Authorization": "Basic e2e-admin-token"},
    "empty bearer": {"Authorization": "Bearer "},
}


@pytest.mark.parametrize("headers", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/clinics/cl_unknown"),
        ("POST", "/admin/clinics"),
        ("POST", "/_local/tick"),
    ],
)
def test_admin_and_tick_endpoints_refuse_a_missing_or_wrong_token_with_401(
    local_stack: RunningStack, headers: dict[str, str], method: str, path: str
) -> None:
    response = call(local_stack, method, path, headers, {} if method == "POST" else None)

    assert response.status_code == 401
    assert_error_shape(response)


def test_a_clinic_posted_with_a_wrong_token_is_not_created(api: Api, local_stack: RunningStack) -> None:
    body = {
        "name": "Uninvited",
        "timezone": "America/New_York",
        "sender": "+15009990001",
        "phone": "+12125550100",
    }

    refused = call(local_stack, "POST", "/admin/clinics", {"Authorization": "Bearer nope"}, body)
    accepted = api.post("/admin/clinics", body)

    assert refused.status_code == 401
    assert accepted.status_code == 201, accepted.text  # the sender was still free


def test_the_right_token_is_accepted(api: Api) -> None:
    response = api.get("/admin/clinics/cl_does_not_exist")

    assert response.status_code == 404
    assert_error_shape(response)


def test_tick_answers_queued_sent_skipped_and_failed_counts(api: Api) -> None:
    clinic = api.clinic()
    patient = clinic.patient("Kim")
    starts_at = local(clinic.first_day_after(3), 15)
    appointment = clinic.appointment(patient, starts_at)
    due = starts_at - timedelta(hours=2)
    assert appointment["messages"][0]["due_at"] == utc_iso(due)

    counts = api.tick(due)

    assert set(counts) >= TICK_COUNTS
    assert all(isinstance(counts[name], int) and counts[name] >= 0 for name in TICK_COUNTS)
    assert counts["queued"] >= 1
    assert counts["sent"] >= 1


def test_tick_with_a_now_that_is_not_an_instant_is_refused_with_the_error_shape(api: Api) -> None:
    response = api.post("/_local/tick", {"now": "next tuesday"})

    assert 400 <= response.status_code < 500
    assert_error_shape(response)


# ---- local users: roles and clinics over HTTP (contract section 8) ----


def local_user(api: Api, role: str, clinics: list[str], name: str = "dr-lee") -> Api:
    response = api.post("/_local/users", {"name": name, "role": role, "clinics": clinics})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["name"], created["role"], created["clinics"]) == (name, role, sorted(clinics))
    return Api(api.base_url, created["token"])


def test_a_clinician_reads_its_clinic_and_acknowledges_but_changes_no_settings(api: Api) -> None:
    clinic = api.clinic()
    patient = clinic.patient()
    clinician = local_user(api, "clinician", [clinic.clinic_id])

    assert clinician.get(f"/admin/clinics/{clinic.clinic_id}").status_code == 200
    assert (
        clinician.get(f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}").status_code
        == 200
    )
    refused = clinician.request("PUT", f"/admin/clinics/{clinic.clinic_id}", clinic.body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "forbidden"
    opted_out = clinician.post(f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}/opt-out")
    assert opted_out.status_code == 200, opted_out.text


def test_a_clinic_admin_sees_its_clinic_only(api: Api) -> None:
    mine, theirs = api.clinic(), api.clinic()
    admin = local_user(api, "clinic_admin", [mine.clinic_id], name="front-desk")

    listed = admin.get("/admin/clinics").json()["items"]
    assert [clinic["clinic_id"] for clinic in listed] == [mine.clinic_id]
    other = admin.get(f"/admin/clinics/{theirs.clinic_id}")
    assert other.status_code == 403
    assert set(other.json()) == {"error"}
    assert admin.post("/admin/clinics", mine.body | {"sender": "+15557770321"}).status_code == 403


def test_only_a_platform_admin_adds_users_or_ticks(api: Api) -> None:
    clinic = api.clinic()
    admin = local_user(api, "clinic_admin", [clinic.clinic_id])

    assert admin.post("/_local/users", {"name": "x", "role": "platform_admin"}).status_code == 403
    assert admin.post("/_local/tick", {}).status_code == 403
    platform = local_user(api, "platform_admin", [], name="ops")
    assert platform.post("/_local/tick", {}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "dr lee", "role": "clinician", "clinics": ["cl_1"]}, "name"),
        ({"name": "dr-lee", "role": "owner", "clinics": ["cl_1"]}, "role"),
        ({"name": "dr-lee", "role": "clinician", "clinics": []}, "clinics"),
        ({"name": "dr-lee", "role": "clinician", "clinics": ["../cl_1"]}, "clinics"),
        ({"name": "dr-lee", "role": "clinician", "clinics": ["cl_1"], "admin": True}, "admin"),
        (["dr-lee"], "body"),
    ],
)
def test_a_bad_local_user_is_a_422_naming_the_field(api: Api, body: Any, field: str) -> None:
    response = api.post("/_local/users", body)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
