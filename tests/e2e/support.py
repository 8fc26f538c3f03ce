"""Helpers for the end-to-end tests: the local stack as a process, and a small admin API client."""

import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "e2" * 16
AUTH_TOKEN = "e2e-twilio-auth-token"
ADMIN_TOKEN = "e2e-admin-token"
PUBLIC_URL = "https://touchpoint-e2e.example.test"
STARTUP_SECONDS = 40
REQUEST_SECONDS = 30
NEW_YORK = ZoneInfo("America/New_York")

_numbers = itertools.count(1)


def stack_environment(port: int, **settings: str) -> dict[str, str]:
    """The environment of a local stack process on `port`: this one's, without any AWS, Twilio
    or Touchpoint variable of the developer's, plus `settings` (`TOUCHPOINT_ADMIN_TOKEN=...`)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "TWILIO_", "TOUCHPOINT_"))
    }
    return env | {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
        "PYTHONUNBUFFERED": "1",
        "TOUCHPOINT_PORT": str(port),
        "TOUCHPOINT_PUBLIC_URL": PUBLIC_URL,
        "TOUCHPOINT_AUTO_TICK": "0",
        **settings,
    }


def spawn_stack(env: dict[str, str], prefix: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`python -m infra.local_stack` with `env`, its output in a log file named from `prefix`
    (the caller waits until it serves, and removes the log). Started through
    infra/quick_moto.py: the same stack, on a moto whose answers do not change but whose
    transactions and index queries no longer cost the size of the table."""
    with tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False) as log:
        output = Path(log.name)
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.quick_moto", "stack"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return process, output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unique_phone() -> str:
    """A fresh possible US number for each patient of the session."""
    return f"+1555{next(_numbers):07d}"


def unique_sender() -> str:
    """A fresh clinic number: a sender belongs to one clinic only."""
    return f"+1500{next(_numbers):07d}"


def utc_iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@dataclass
class Clinic:
    api: "Api"
    clinic_id: str
    sender: str
    now: datetime  # the stack's "now" when the clinic was created
    body: dict[str, Any]

    def patient(self, first_name: str = "Ana", **extra: Any) -> dict[str, Any]:
        payload = {"first_name": first_name, "phone": unique_phone(), **extra}
        response = self.api.post(f"/admin/clinics/{self.clinic_id}/patients", payload)
        assert response.status_code == 201, response.text
        patient: dict[str, Any] = response.json()
        return patient

    def appointment(self, patient: dict[str, Any], starts_at: datetime, **extra: Any) -> dict[str, Any]:
        payload = {"patient_id": patient["patient_id"], "starts_at": starts_at.isoformat(), **extra}
        response = self.api.post(f"/admin/clinics/{self.clinic_id}/appointments", payload)
        assert response.status_code == 201, response.text
        appointment: dict[str, Any] = response.json()
        return appointment

    def get_appointment(self, appointment: dict[str, Any]) -> dict[str, Any]:
        response = self.api.get(
            f"/admin/clinics/{self.clinic_id}/appointments/{appointment['appointment_id']}"
        )
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def messages_of(self, patient: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.api.get(f"/admin/clinics/{self.clinic_id}/patients/{patient['patient_id']}/messages")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def first_day_after(self, days: int) -> date:
        """A local calendar day at least `days` ahead of the stack's clock."""
        return (self.now.astimezone(NEW_YORK) + timedelta(days=days)).date()


class Api:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # straight to 127.0.0.1, whatever proxy the machine has
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_SECONDS)
        return self.session.request(method, self.base_url + path, json=body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, body, **kwargs)

    def tick(self, now: datetime, timeout: float = REQUEST_SECONDS) -> dict[str, Any]:
        response = self.post("/_local/tick", {"now": utc_iso(now)}, timeout=timeout)
        assert response.status_code == 200, response.text
        counts: dict[str, Any] = response.json()
        return counts

    def clinic(self, **overrides: Any) -> Clinic:
        sender = unique_sender()
        body = {
            "name": "Calm Waters",
            "timezone": "America/New_York",
            "sender": sender,
            "phone": "+12125550100",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
            "reminders": [{"before": "PT2H"}],
            "discreet": True,
        } | overrides
        response = self.post("/admin/clinics", body)
        assert response.status_code == 201, response.text
        created = response.json()
        return Clinic(
            self, created["clinic_id"], created["sender"], parse_instant(created["created_at"]), body
        )


@dataclass(frozen=True)
class RunningStack:
    base_url: str
    public_url: str
    admin_token: str
    process: subprocess.Popen[bytes]
    output: Path


def wait_until_serving(port: int, process: subprocess.Popen[bytes], output: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the local stack exited with {process.returncode}:\n{tail(output)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # polling for the port, not timing anything
    pytest.fail(f"the local stack did not answer within {STARTUP_SECONDS} s:\n{tail(output)}")


def tail(output: Path, lines: int = 40) -> str:
    return "\n".join(output.read_text(errors="replace").splitlines()[-lines:])


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: the stack shuts its server down and exits
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
