"""The console's budget (issue: the first load's JavaScript at most 200 KB gzipped; a day of 300
appointments and a patient with 100 scores render without a visible stall), measured:

- the JavaScript and CSS the first load fetches (index.html's scripts, module preloads and
  styles), raw and gzipped;
- in headless Chromium against a fresh local stack: how long after navigation the day view of
  300 appointments and the page of a patient with 100 completed check-ins are drawn, and the
  longest main-thread task (PerformanceObserver "longtask": over 50 ms each) while they render.
"""

import gzip
import json
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "console" / "dist"
BUDGET_GZIP_BYTES = 200 * 1024
APPOINTMENTS = int(os.environ.get("BENCH_CONSOLE_APPOINTMENTS", "300"))
SCORES = int(os.environ.get("BENCH_CONSOLE_SCORES", "100"))

# Long tasks from the start of the page, kept on window for the bench to read.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""


def first_load_assets() -> list[Path]:
    html = (DIST / "index.html").read_text()
    names = re.findall(r'(?:src|href)="/console/(assets/[^"]+\.(?:js|css))"', html)
    return [DIST / name for name in dict.fromkeys(names)]


def bundle_report() -> tuple[int, list[str]]:
    lines, script_gzip = [], 0
    for asset in first_load_assets():
        raw = asset.read_bytes()
        packed = len(gzip.compress(raw, compresslevel=9))
        if asset.suffix == ".js":
            script_gzip += packed
        lines.append(f"  {asset.name}: {len(raw) / 1024:.1f} KB, {packed / 1024:.1f} KB gzipped")
    return script_gzip, lines


def seed(api: Any) -> tuple[str, str, str, str]:
    """A clinic with 300 appointments on one day, and one patient with 100 sessions, each followed
    by a completed 0-10 check-in. The stack runs in this process: the check-ins are written straight
    to its table (answering 100 of them by SMS takes a tick each, over 20 minutes on moto)."""
    from tests.e2e.support import local

    clinic = api.clinic(reminders=[], follow_ups=[{"after": "PT1H", "survey": "anxiety-now"}])
    rosa = clinic.patient("Rosa")
    first = clinic.first_day_after(2)
    for session in range(SCORES):
        booked = clinic.appointment(rosa, local(first + timedelta(days=session), 9), duration_minutes=60)
        completed_check_in(clinic.clinic_id, rosa["patient_id"], booked, score=(10 - session // 10))
    day = clinic.first_day_after(SCORES + 3)
    for n in range(APPOINTMENTS):
        patient = clinic.patient(f"Pat{n}")
        clinic.appointment(patient, local(day, 8 + n // 30, (n % 30) * 2), duration_minutes=10)
    token = api.post(
        "/_local/users", {"name": "bench", "role": "clinic_admin", "clinics": [clinic.clinic_id]}
    )
    return clinic.clinic_id, day.isoformat(), rosa["patient_id"], token.json()["token"]


def completed_check_in(clinic_id: str, patient_id: str, appointment: dict[str, Any], score: int) -> None:
    """The 0-10 check-in after `appointment`, as the survey use case stores it once answered."""
    import boto3

    from infra.local_stack import TABLE_NAME
    from touchpoint.adapters.dynamo import surveys as survey_items
    from touchpoint.adapters.dynamo.table import to_attributes
    from touchpoint.domain.surveys import Survey, SurveyStatus
    from touchpoint.domain.timeutil import parse_utc

    session_at = parse_utc(appointment["starts_at"])
    survey = Survey(
        f"sv_{appointment['appointment_id'][3:]}",
        clinic_id,
        patient_id,
        appointment["appointment_id"],
        "anxiety-now",
        SurveyStatus.COMPLETED,
        answers=(score,),
        invited_at=session_at + timedelta(hours=2),
        expires_at=session_at + timedelta(hours=26),
        session_at=session_at,
        score=score,
        severity=None,
        completed_at=session_at + timedelta(hours=2, minutes=5),
    )
    item = to_attributes(survey_items.to_item(survey))
    boto3.client("dynamodb").put_item(TableName=TABLE_NAME, Item=item)


def render_times(base_url: str, token: str, day: str, patient_id: str) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_console_browser import CHROMIUM, CHROMIUM_FLAGS

    measured: dict[str, dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(LONG_TASKS)
        page.goto(f"{base_url}/console/#token={token}")
        page.get_by_role("navigation", name="Views").wait_for()
        views = {
            # The rows, then every row's message states (loaded after them).
            f"day of {APPOINTMENTS} appointments": (
                f"#/day/{day}",
                f"[data-testid=day-table] tbody tr:nth-child({APPOINTMENTS})",
                f"[data-testid=day-table] tbody tr:nth-child({APPOINTMENTS}) .chip",
            ),
            # The table of scores, then the chart.
            f"patient with {SCORES} scores": (
                f"#/patients/{patient_id}",
                f"[data-testid=surveys] tbody tr:nth-child({SCORES})",
                "canvas",
            ),
        }
        for label, (hash_, drawn, completed) in views.items():
            page.goto(f"{base_url}/console/{hash_}")
            page.reload()  # a fresh load of the view: its requests and its first render
            page.wait_for_selector(drawn, timeout=120_000)
            drawn_ms = page.evaluate("performance.now()")
            page.wait_for_selector(completed, timeout=120_000)
            timings = page.evaluate(
                """() => ({
                    complete_ms: performance.now(),
                    longest_task_ms: Math.max(0, ...window.__longTasks),
                    long_tasks: window.__longTasks.length,
                })"""
            )
            measured[label] = {"drawn_ms": drawn_ms, **timings}
        browser.close()
    return measured


def main() -> int:
    sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]
    if not (DIST / "index.html").is_file():
        print("console/dist is not built: make bench builds it (make console)", file=sys.stderr)
        return 1
    script_gzip, lines = bundle_report()
    print("console, first load:")
    print("\n".join(lines))
    verdict = "within" if script_gzip <= BUDGET_GZIP_BYTES else "OVER"
    print(f"  JavaScript: {script_gzip / 1024:.1f} KB gzipped, {verdict} the 200 KB budget")

    from infra.local_stack import LocalConfig, LocalStack
    from infra.quick_moto import quick_moto
    from tests.e2e.support import ADMIN_TOKEN, AUTH_TOKEN, PUBLIC_URL, Api, free_port

    port = free_port()
    config = LocalConfig(
        port=port,
        public_url=PUBLIC_URL,
        admin_token=ADMIN_TOKEN,
        auto_tick=False,
        twilio_auth_token=AUTH_TOKEN,
    )
    base_url = f"http://127.0.0.1:{port}"
    # moto with its table-wide copies and index walks taken out (infra/quick_moto.py): the
    # browser waits on the API's answers, and DynamoDB pays neither.
    with quick_moto(), LocalStack(config) as stack, stack.serving():
        _, day, patient_id, token = seed(Api(base_url, ADMIN_TOKEN))
        measured = render_times(base_url, token, day, patient_id)
    print("console, in headless Chromium (local stack, this machine):")
    for label, timings in measured.items():
        print(
            f"  {label}: drawn {timings['drawn_ms']:.0f} ms after navigation, complete at "
            f"{timings['complete_ms']:.0f} ms, longest task {timings['longest_task_ms']:.0f} ms "
            f"({timings['long_tasks']:.0f} over 50 ms)"
        )
    print(json.dumps({"script_gzip_bytes": script_gzip, "views": measured}))
    return 0 if script_gzip <= BUDGET_GZIP_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
