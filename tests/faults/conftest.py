"""The fault suite's rig: a persistent moto server (a `moto_server` subprocess), the local stack
as a real process on it (AWS_ENDPOINT_URL), and the fake Twilio server in the test process,
its clock following the simulated time the test drives with `POST /_local/tick`.

Every test gets its own moto server, stack and fake Twilio (function scope): a scheduler pass
sees every clinic's due jobs, so tests sharing a stack would send each other's reminders. That
also keeps the suite `pytest -n 2` friendly (free ports, nothing shared between workers).
"""

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.support import (
    ACCOUNT_SID,
    ADMIN_TOKEN,
    AUTH_TOKEN,
    PUBLIC_URL,
    ROOT,
    Api,
    Clinic,
    RunningStack,
    free_port,
    local,
    parse_instant,
    spawn_stack,
    stack_environment,
    stop_process,
    tail,
    utc_iso,
    wait_until_serving,
)
from tests.fakes.twilio_server import FakeTwilio
from tests.faults.table import TABLE_ROW

FINAL = frozenset({"sent", "skipped", "cancelled", "failed"})
MOTO_STARTUP_SECONDS = 30
# Longer than the sender's Twilio timeout (10 s): a stalled send is still in flight when killed.
STALL_SECONDS = 60.0
# A tick may send a few hundred messages through moto_server, one HTTP request per DynamoDB call,
# and concurrent ticks wait for each other (the stack runs one invocation at a time).
TICK_SECONDS = 600


class SimClock:
    """The simulated "now": the latest tick's instant plus the wall time elapsed since, as the
    stack's own LocalClock counts it. The fake Twilio stamps what it takes with it, so the
    reconciler finds Twilio's records in the window of the (simulated) attempt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._base: datetime | None = None
        self._since = 0.0

    def set_to(self, instant: datetime) -> None:
        with self._lock:
            self._base, self._since = instant.astimezone(UTC), time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            if self._base is None:
                return datetime.now(UTC)
            return self._base + timedelta(seconds=time.monotonic() - self._since)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], output: Path, what: str) -> None:
    deadline = time.monotonic() + MOTO_STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{tail(output)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # polling for the port, not timing anything
    pytest.fail(f"{what} did not answer within {MOTO_STARTUP_SECONDS} s:\n{tail(output)}")


def _log_file(prefix: str) -> Path:
    with tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False) as log:
        return Path(log.name)


@dataclass
class Rig:
    """One moto server, one fake Twilio, and the local stack process (killable, restartable)."""

    twilio: FakeTwilio
    clock: SimClock
    moto_url: str
    stack: RunningStack | None = None
    api: Api | None = None
    port: int = 0
    logs: list[Path] = field(default_factory=list)
    restarts: int = 0

    # ---- the stack's process ----

    def start_stack(self) -> Api:
        self.port = free_port()
        env = stack_environment(
            self.port,
            TOUCHPOINT_ADMIN_TOKEN=ADMIN_TOKEN,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_API_BASE_URL=self.twilio.base_url,
            AWS_ENDPOINT_URL=self.moto_url,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
            # Two shards, not eight: every idle tick reads each shard of each hour through
            # moto_server, and the sharded reads are the lease matrix's (tests/integration).
            DUE_SHARDS="2",
        )
        process, output = spawn_stack(env, "touchpoint-faults-stack-")
        self.logs.append(output)
        base_url = f"http://127.0.0.1:{self.port}"
        wait_until_serving(self.port, process, output)
        self.stack = RunningStack(base_url, PUBLIC_URL, ADMIN_TOKEN, process, output)
        self.api = Api(base_url, ADMIN_TOKEN)
        return self.api

    def kill_stack(self) -> None:
        """SIGKILL: no shutdown, no cleanup, whatever it was doing."""
        assert self.stack is not None
        os.kill(self.stack.process.pid, signal.SIGKILL)
        self.stack.process.wait(timeout=10)

    def restart_stack(self) -> Api:
        self.restarts += 1
        return self.start_stack()

    # ---- simulated time ----

    def tick(self, now: datetime) -> dict[str, Any]:
        assert self.api is not None, "the stack is not running"
        self.clock.set_to(now)
        return self.api.tick(now, timeout=TICK_SECONDS)

    def tick_in_background(self, now: datetime) -> threading.Thread:
        """A tick whose answer nobody waits for (the stack is about to be killed under it)."""
        assert self.stack is not None
        self.clock.set_to(now)
        url = self.stack.base_url + "/_local/tick"

        def post() -> None:
            session = requests.Session()
            session.trust_env = False
            with contextlib.suppress(requests.RequestException):  # killed under it: the connection drops
                session.post(
                    url,
                    json={"now": utc_iso(now)},
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                    timeout=TICK_SECONDS,
                )

        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        return thread

    @functools.cached_property
    def _client(self) -> Any:
        """One client for the rig's reads (a kill test polls job_states every 10 ms)."""
        return boto3.client(
            "dynamodb",
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def job_states(self) -> Counter[str]:
        """Every planned message's state, read straight from the moto server (the stack may be
        busy or dead): what the clinic would see."""
        client = self._client
        states: Counter[str] = Counter()
        for page in client.get_paginator("scan").paginate(
            TableName=self._table_name(client),
            FilterExpression="#type = :job",
            ExpressionAttributeNames={"#type": "type", "#state": "state"},
            ExpressionAttributeValues={":job": {"S": "job"}},
            ProjectionExpression="#state",
        ):
            states.update(item["state"]["S"] for item in page["Items"])
        return states

    def _table_name(self, client: Any) -> str:
        [name] = client.list_tables()["TableNames"]
        return str(name)

    def output(self) -> str:
        return "\n\n".join(f"--- {log.name}\n{tail(log, 30)}" for log in self.logs if log.exists())


@dataclass
class Booked:
    clinic: Clinic
    patients: list[dict[str, Any]]
    appointments: list[dict[str, Any]]  # one per patient
    due: datetime  # the latest due instant: a tick then finds every reminder due

    @property
    def planned(self) -> int:
        return sum(len(appointment["messages"]) for appointment in self.appointments)


def book_reminders(api: Api, patients: int, *, rules: int = 1, days_ahead: int = 2, hour: int = 14) -> Booked:
    """`patients` patients, each with one appointment `days_ahead` local days from the stack's
    clock at `hour`:00 New York, and `rules` reminders each (2 h before, 2 h 1 min, ...): all
    due within `rules` minutes of each other, none in quiet hours."""
    reminders = [{"before": f"PT2H{minute}M" if minute else "PT2H"} for minute in range(rules)]
    # Several reminders a day to one patient: what the fault tests drive, past the default caps.
    clinic = api.clinic(reminders=reminders, frequency_caps=None)
    starts_at = local(clinic.first_day_after(days_ahead), hour)
    booked_patients, appointments = [], []
    for index in range(patients):
        patient = clinic.patient(f"Pat{index}")
        appointment = clinic.appointment(patient, starts_at)
        assert len(appointment["messages"]) == rules, appointment
        assert {message["state"] for message in appointment["messages"]} == {"pending"}, appointment
        booked_patients.append(patient)
        appointments.append(appointment)
    due = max(parse_instant(message["due_at"]) for message in appointments[0]["messages"])
    assert due == starts_at - timedelta(hours=2)
    return Booked(clinic, booked_patients, appointments, due)


@dataclass
class Outcome:
    planned: int
    states: Counter[str]
    reasons: Counter[str]
    twilio_messages: int  # messages Twilio took (each reached a phone)
    duplicates: dict[str, int]  # number -> messages Twilio took beyond its `sent` jobs
    lost: list[str]  # jobs not final, or `sent` with nothing at Twilio
    unknown: int

    def summary(self) -> str:
        return (
            f"planned={self.planned} states={dict(self.states)} reasons={dict(self.reasons)} "
            f"twilio_messages={self.twilio_messages} duplicates={sum(self.duplicates.values())} "
            f"lost={len(self.lost)} unknown={self.unknown}"
        )


def outcome(api: Api, twilio: FakeTwilio, booked: Booked) -> Outcome:
    """Each job's state from the admin API, against what the fake Twilio took per `To`."""
    # The stack may have been restarted since the booking (a new port): ask the running one.
    old = booked.clinic
    clinic = Clinic(api, old.clinic_id, old.sender, old.now, old.body)
    per_number = Counter(request.form.get("To", "") for request in twilio.messages)
    states: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    lost: list[str] = []
    duplicates: dict[str, int] = {}
    for patient, appointment in zip(booked.patients, booked.appointments, strict=True):
        messages = clinic.get_appointment(appointment)["messages"]
        sent = 0
        for message in messages:
            state = message["state"]
            states[state] += 1
            if message.get("reason"):
                reasons[f"{state}:{message['reason']}"] += 1
            sent += state == "sent"
            if state not in FINAL and state != "unknown":
                lost.append(f"{message['job_id']} {patient['phone']} {state} {message.get('reason')}")
        taken = per_number.get(patient["phone"], 0)
        unknown = sum(message["state"] == "unknown" for message in messages)
        if taken > sent + unknown:
            duplicates[patient["phone"]] = taken - sent - unknown
        if taken < sent:
            lost.append(f"{patient['phone']}: {sent} sent, Twilio took {taken}")
    return Outcome(
        planned=booked.planned,
        states=states,
        reasons=reasons,
        twilio_messages=sum(per_number.values()),
        duplicates=duplicates,
        lost=lost,
        unknown=states.get("unknown", 0),
    )


def assert_contract(result: Outcome) -> None:
    """Every planned message final, none sent twice, none lost, no `unknown` left."""
    print(result.summary())
    assert result.duplicates == {}, result.summary()
    assert result.lost == [], result.summary()
    assert result.unknown == 0, result.summary()
    assert sum(result.states.values()) == result.planned, result.summary()


Contract = Callable[..., None]


@pytest.fixture
def contract(record_property: Callable[[str, object], None]) -> Contract:
    """`contract(fault, result, ticks)`: the result as a row of the fault table printed at the
    end of the run (recorded before the checks, so a failing fault shows too), then checked."""

    def check(
        fault: str, result: Outcome, ticks: list[dict[str, Any]], at_fault: Counter[str] | None = None
    ) -> None:
        """`at_fault`: the messages' states as the clinic saw them right after the fault."""
        during = {
            name: sum(tick.get(name, 0) for tick in ticks) for name in ("unknown", "retried", "reconciled")
        }
        record_property(
            TABLE_ROW,
            {
                "fault": fault,
                "planned": result.planned,
                "sent": result.states.get("sent", 0),
                "duplicates": sum(result.duplicates.values()),
                "lost": len(result.lost),
                "unknown_left": result.unknown,
                **during,
                "other": ", ".join(f"{n} {reason}" for reason, n in sorted(result.reasons.items())),
                "at_fault": ", ".join(f"{n} {state}" for state, n in sorted((at_fault or {}).items())),
            },
        )
        assert_contract(result)

    return check


# The minutes after a fault at which a test ticks: each minute for a few, then past a queue
# lease (5 min), past the reconciler's first look (5 min after a send) and Twilio's list being
# complete (10 min), and two passes more for a message sent once more: every promise of
# docs/architecture.md's "Leases" falls within these ticks.
SETTLE_MINUTES = (0, 1, 2, 6, 12, 18, 24)


def settle(rig: Rig, start: datetime, minutes: tuple[int, ...] = SETTLE_MINUTES) -> list[dict[str, Any]]:
    """Tick at `start` plus each of `minutes`, as the scheduler's rate would, skipping idle ones."""
    return [rig.tick(start + timedelta(minutes=minute)) for minute in minutes]


@pytest.fixture
def moto_server() -> Iterator[str]:
    port = free_port()
    output = _log_file("touchpoint-faults-moto-")
    with output.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own moto server, from the venv
            # `moto_server`, with its table-sized costs taken out (infra/quick_moto.py).
            [sys.executable, "-m", "infra.quick_moto", "server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, process, output, "moto_server")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)
        output.unlink(missing_ok=True)


@pytest.fixture
def rig(moto_server: str) -> Iterator[Rig]:
    clock = SimClock()
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, stall_seconds=STALL_SECONDS) as twilio:
        twilio.clock = clock.now
        rig = Rig(twilio, clock, moto_server)
        try:
            rig.start_stack()
            yield rig
        finally:
            if rig.stack is not None:
                stop_process(rig.stack.process)
            for log in rig.logs:
                log.unlink(missing_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test's report ends with what the stack printed (each run of it)."""
    report = yield
    found = getattr(item, "funcargs", {}).get("rig")
    if report.failed and isinstance(found, Rig):
        report.sections.append(("local stack output", found.output()))
    return report
