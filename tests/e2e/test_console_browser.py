"""The clinic console in headless Chromium (Debian's, driven by Playwright) against the local
stack: patients booked and answering by SMS through the signed webhook, then every view
checked as a clinic admin and a clinician would use it, an axe-core check of each, and a
screenshot of each written to .screenshots/console/ (the run's summary prints the folder)."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.support import (
    ROOT,
    Api,
    Clinic,
    RunningStack,
    local,
    parse_instant,
)
from tests.e2e.webhooks import Webhooks, twiml_reply
from tests.fakes.twilio_server import FakeTwilio, Reply

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / ".screenshots" / "console"
# As docs/DESIGN.md says Chromium must start here: no background traffic on a closed network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GAD7_ANSWERS = ("2222223", "1112112", "0101011")  # 15, 9 and 4: severe, mild, minimal
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@dataclass
class World:
    clinic: Clinic
    admin_token: str
    clinician_token: str
    day: date
    ana: dict[str, Any]
    ben: dict[str, Any]
    cy: dict[str, Any]


def user(api: Api, name: str, role: str, clinic_id: str) -> str:
    response = api.post("/_local/users", {"name": name, "role": role, "clinics": [clinic_id]})
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def sms(webhooks: Webhooks, clinic: Clinic, patient: dict[str, Any], text: str) -> str:
    response = webhooks.sms(patient["phone"], clinic.sender, text)
    assert response.status_code == 200, response.text
    return twiml_reply(response.text) or ""


@pytest.fixture(scope="module")
def world(local_stack: RunningStack, twilio: FakeTwilio) -> World:
    """A clinic whose admin sees: Ana's three GAD-7 check-ins (15, 9, 4), then a day with Ana
    confirmed, Ben in crisis and Cy's reminder failed."""
    api = Api(local_stack.base_url, local_stack.admin_token)
    webhooks = Webhooks(local_stack)
    clinic = api.clinic(
        reminders=[{"before": "PT2H"}],
        follow_ups=[{"after": "PT4H", "survey": "gad7"}],
        escalation_minutes=30,
    )
    ana, ben, cy = clinic.patient("Ana"), clinic.patient("Ben"), clinic.patient("Cy")
    # Ana's check-ins follow the sessions of a course (no baseline survey: nothing more is sent).
    course_template = api.post(
        f"/admin/clinics/{clinic.clinic_id}/course-templates",
        {"name": "Induction", "planned_sessions": 3, "measures": ["gad7"]},
    ).json()
    enrolled = api.post(
        f"/admin/clinics/{clinic.clinic_id}/patients/{ana['patient_id']}/courses",
        {"template_id": course_template["template_id"]},
    )
    assert enrolled.status_code == 201, enrolled.text
    first = clinic.first_day_after(2)
    for session, answers in enumerate(GAD7_ANSWERS):
        starts_at = local(first + timedelta(days=2 * session), 10)
        booked = clinic.appointment(ana, starts_at, duration_minutes=60)
        [due] = [parse_instant(m["due_at"]) for m in booked["messages"] if m["kind"] == "follow_up"]
        api.tick(due)
        assert sms(webhooks, clinic, ana, "Y").startswith("Q1/7")
        assert "Thank you" in sms(webhooks, clinic, ana, answers)
    day = first + timedelta(days=7)
    clinic.appointment(ana, local(day, 10))
    clinic.appointment(ben, local(day, 12))
    clinic.appointment(cy, local(day, 15))
    api.tick(local(day, 8))
    assert sms(webhooks, clinic, ana, "C")
    api.tick(local(day, 12, 59))  # everything due before Cy's reminder goes first
    twilio.script(Reply.INVALID_TO)
    api.tick(local(day, 13))
    assert "988" in sms(webhooks, clinic, ben, "I want to end it all")
    return World(
        clinic,
        user(api, "admin-lee", "clinic_admin", clinic.clinic_id),
        user(api, "dr-ray", "clinician", clinic.clinic_id),
        day,
        ana,
        ben,
        cy,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: make test installs it (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert problems == [], problems  # no script error, no CSP violation, no failed request


def sign_in(page: Any, stack: RunningStack, token: str, hash_: str = "") -> None:
    page.goto(f"{stack.base_url}/console/#token={token}")
    page.get_by_role("navigation", name="Views").wait_for()
    assert "token" not in page.url, "the token is taken out of the address bar"
    if hash_:
        page.evaluate(f"location.hash = {json.dumps(hash_)}")


def check_accessibility(page: Any, view: str) -> None:
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])})"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{view}: {serious}"


def screenshot(page: Any, view: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{view}.png"), full_page=True)


def test_the_day_view_shows_the_days_appointments_in_clinic_time_and_marks_one_completed(
    page: Any, local_stack: RunningStack, world: World, api: Api
) -> None:
    sign_in(page, local_stack, world.admin_token, f"#/day/{world.day.isoformat()}")
    rows = page.get_by_test_id("day-table").locator("tbody tr")
    rows.first.wait_for()

    assert rows.count() == 3
    assert [rows.nth(n).locator("td").first.inner_text()[:5] for n in range(3)] == ["10:00", "12:00", "15:00"]
    assert rows.nth(0).locator(".status").inner_text() == "confirmed"
    assert "failed" in rows.nth(2).locator(".chip.trouble").inner_text()
    assert page.get_by_text("3 appointments, 1 confirmed").is_visible()
    failed = page.get_by_test_id("failed-texts")
    failed.wait_for()
    assert "Hi Cy" in failed.inner_text(), "the week's failed texts, whatever their day"
    check_accessibility(page, "day")
    screenshot(page, "day")

    page.get_by_role("button", name="Mark Ben at 12:00 completed").click()
    rows.nth(1).locator(".status-completed").wait_for()
    listed = api.get(
        f"/admin/clinics/{world.clinic.clinic_id}/appointments",
        params={"patient_id": world.ben["patient_id"]},
    ).json()["items"]
    assert [appointment["status"] for appointment in listed] == ["completed"]
    page.get_by_role("button", name="Next day →").click()
    page.get_by_text("No appointments this day.").wait_for()
    assert world.day.isoformat() not in page.url
    assert "#/day/" in page.url


def test_an_alert_is_acknowledged_with_a_note_and_moves_below(
    page: Any, local_stack: RunningStack, world: World, api: Api
) -> None:
    sign_in(page, local_stack, world.admin_token, "#/alerts")
    alert = page.get_by_test_id("open-alert").filter(has_text="Ben")
    alert.wait_for()

    assert "I want to end it all" in alert.inner_text()
    assert "crisis" in alert.inner_text()
    assert world.ben["phone"] not in page.content(), "phone numbers are masked in lists"
    check_accessibility(page, "alerts")
    screenshot(page, "alerts")
    alert.get_by_label("What was done (required)").fill("Called Ben; safe with his brother tonight.")
    alert.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("cell", name="Called Ben; safe with his brother tonight.").wait_for()

    stored = api.get(f"/admin/clinics/{world.clinic.clinic_id}/alerts", params={"kind": "crisis"}).json()
    assert [(a["state"], a["acknowledged_by"]) for a in stored["items"]] == [("acknowledged", "admin-lee")]
    screenshot(page, "alerts-acknowledged")


def test_a_patient_is_found_by_name_and_shows_thread_surveys_and_trend(
    page: Any, local_stack: RunningStack, world: World, api: Api
) -> None:
    sign_in(page, local_stack, world.admin_token, "#/patients")
    page.get_by_label("Name, phone or EHR id").fill("ana")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ana").click()
    page.get_by_test_id("surveys").locator("tbody tr").nth(2).wait_for()

    assert page.url.endswith(f"#/patients/{world.ana['patient_id']}"), "only ids in the URL"
    assert "ana" not in page.url.lower().split("#")[0]
    surveys = page.get_by_test_id("surveys").locator("tbody tr")
    assert [surveys.nth(n).locator("td").nth(3).inner_text().split()[0] for n in range(3)] == ["15", "9", "4"]
    gad7 = page.get_by_test_id("outcomes").get_by_role("row").filter(has_text="GAD-7")
    gad7.wait_for()
    outcome = gad7.inner_text()
    assert re.search(r"15\s+severe\s+4\s+minimal\s+-73%\s+yes\s+yes", outcome), outcome
    assert page.locator("figure canvas").count() >= 1, "the GAD-7 chart is drawn"
    assert page.get_by_text("minimal 0-4 · mild 5-9 · moderate 10-14 · severe 15-21").is_visible()
    thread = page.get_by_test_id("thread").inner_text()
    assert "Reply C to confirm" in thread
    assert world.ana["phone"] not in page.content()
    check_accessibility(page, "patient")
    screenshot(page, "patient")

    clinic_default = api.get(f"/admin/clinics/{world.clinic.clinic_id}").json()["default_language"]
    language = page.get_by_label("Language", exact=True)
    playwright_api.expect(language).to_have_value("")  # Ana has none of her own
    default_option = language.locator("option[value='']").inner_text()
    assert default_option == f"Clinic default ({LANGUAGE_NAMES[clinic_default]})"
    language.select_option("es")
    page.get_by_role("button", name="Save language").click()
    page.get_by_text("Saved: Spanish.").wait_for()
    patient_path = f"/admin/clinics/{world.clinic.clinic_id}/patients/{world.ana['patient_id']}"
    assert api.get(patient_path).json()["language"] == "es"
    page.reload()
    playwright_api.expect(language).to_have_value("es")
    assert page.get_by_role("button", name="Save language").is_disabled(), "nothing to save"


def test_a_settings_change_is_previewed_then_saved(
    page: Any, local_stack: RunningStack, world: World, api: Api
) -> None:
    sign_in(page, local_stack, world.admin_token, "#/settings")
    page.get_by_label("before (ISO 8601, e.g. PT2H, P1D)").fill("PT1H")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    preview.wait_for()

    rows = preview.locator("tbody tr")
    assert "reminder" in rows.first.inner_text()
    assert "09:00" in rows.first.inner_text(), "an hour before the sample's 10:00"
    assert "Reply C to confirm" in rows.first.inner_text()
    assert "check-in" in rows.nth(1).inner_text()
    page.get_by_label("Preview for a patient who reads").select_option("es")
    page.get_by_role("button", name="Preview").click()
    playwright_api.expect(rows.first).to_contain_text("Responda C para confirmar")
    assert "cuestionario" in rows.nth(1).inner_text(), "the check-in's invitation, in Spanish"
    check_accessibility(page, "settings")
    screenshot(page, "settings")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: reminders.").wait_for()
    stored = api.get(f"/admin/clinics/{world.clinic.clinic_id}").json()
    assert stored["reminders"] == [{"before": "PT1H"}]
    assert stored["follow_ups"] == [{"after": "PT4H", "survey": "gad7"}], "only the changed field"

    page.reload()  # a fresh draft from the saved clinic
    default_language = page.get_by_label("Default language (texts to a patient without their own)")
    playwright_api.expect(default_language).to_have_value("en")
    default_language.select_option("es")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: default language.").wait_for()
    stored = api.get(f"/admin/clinics/{world.clinic.clinic_id}").json()
    assert stored["default_language"] == "es"
    assert stored["reminders"] == [{"before": "PT1H"}], "only the changed field"
    page.reload()
    playwright_api.expect(default_language).to_have_value("es")
    page.evaluate(f"location.hash = '#/patients/{world.ben['patient_id']}'")
    ben_language = page.get_by_label("Language", exact=True)
    playwright_api.expect(ben_language).to_have_value("")
    assert ben_language.locator("option[value='']").inner_text() == "Clinic default (Spanish)"


def test_the_outcomes_view_charts_the_change_by_session(
    page: Any, local_stack: RunningStack, world: World
) -> None:
    sign_in(page, local_stack, world.admin_token, "#/outcomes")
    page.get_by_role("heading", name="GAD-7", exact=True).wait_for()

    article = page.get_by_role("article", name="GAD-7", exact=True)
    assert "1 patient measured" in article.inner_text()
    assert "response 100%" in article.inner_text()
    assert [row.inner_text().split("\t")[-1] for row in article.locator("tbody tr").all()] == [
        "0",
        "-6",
        "-11",
    ]
    assert article.locator("canvas").count() >= 1
    course = page.get_by_role("article", name="Induction: GAD-7", exact=True)
    assert "1 active" in page.get_by_test_id("course-outcomes").inner_text()
    assert [row.inner_text().split("\t") for row in course.locator("tbody tr").all()] == [
        ["1", "1", "0"],
        ["2", "1", "-6"],
        ["3", "1", "-11"],
    ], "a course without a baseline survey: its first score is the baseline, at session 1"
    check_accessibility(page, "outcomes")
    screenshot(page, "outcomes")
    page.get_by_label("from", exact=True).fill((world.day - timedelta(days=30)).isoformat())
    page.get_by_label("to", exact=True).fill(world.day.isoformat())  # the stack's clock runs ahead
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Scores for a chart review (CSV)").click()
    exported = Path(downloading.value.path()).read_text().splitlines()
    assert exported[0].startswith("survey_id,patient_id,"), exported[0]
    assert len([line for line in exported[1:] if world.ana["patient_id"] in line]) == 3
    page.get_by_text("scores.csv: ").wait_for()


def test_a_clinician_reads_and_acknowledges_but_changes_no_settings(
    page: Any, local_stack: RunningStack, world: World
) -> None:
    sign_in(page, local_stack, world.clinician_token, f"#/day/{world.day.isoformat()}")
    page.get_by_test_id("day-table").wait_for()

    assert page.get_by_role("button", name=re.compile("^Mark ")).count() == 0
    page.evaluate("location.hash = '#/settings'")
    page.get_by_text("Only a clinic admin can change these.").wait_for()
    assert page.get_by_role("button", name="Save").count() == 0
    assert page.get_by_role("button", name="Preview").is_enabled()
    page.evaluate(f"location.hash = '#/patients/{world.cy['patient_id']}'")
    page.get_by_label("Language", exact=True).wait_for()
    assert page.get_by_label("Language", exact=True).is_disabled(), "a clinician changes no patient"
    assert page.get_by_role("button", name="Save language").count() == 0


def test_fifteen_idle_minutes_sign_out_and_the_token_is_gone(
    page: Any, local_stack: RunningStack, world: World
) -> None:
    page.clock.install()
    sign_in(page, local_stack, world.admin_token)

    page.clock.run_for(16 * 60 * 1000)

    page.get_by_text("Signed out after 15 minutes idle.").wait_for()
    assert page.evaluate("sessionStorage.getItem('touchpoint.token')") is None
    screenshot(page, "signed-out")


def test_the_console_is_served_with_a_strict_content_security_policy(local_stack: RunningStack) -> None:
    import requests

    answer = requests.get(f"{local_stack.base_url}/console/", timeout=10)
    missing = requests.get(f"{local_stack.base_url}/console/../../pyproject.toml", timeout=10)

    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-cache"
    assert missing.status_code == 404
