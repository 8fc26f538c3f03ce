"""The inbound webhook's cost: imports at cold start (against a bare `import boto3`, in the same
run) and warm latency of a valid, signed request, in-process on the embedded AWS emulation."""

import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.bench.checks import offline_aws

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7
REQUESTS = 300
TOKEN = "bench-auth-token"
PUBLIC_URL = "https://touchpoint.example.test"
CLINIC_NUMBER = "+15005550006"
PATIENT_PHONE = "+15551230001"


def import_microseconds(statement: str) -> int:
    """Cumulative import time of the statement's module, from `python -X importtime`."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    last = [line for line in result.stderr.splitlines() if line.startswith("import time:")][-1]
    return int(last.split("|")[1])


def import_ratio() -> tuple[float, float, float]:
    bare, inbound = [], []
    for _ in range(RUNS):  # interleaved, so that disk and CPU noise hit both alike
        bare.append(import_microseconds("import boto3"))
        inbound.append(import_microseconds("import touchpoint.handlers.inbound"))
    boto3_ms, inbound_ms = statistics.median(bare) / 1000, statistics.median(inbound) / 1000
    return boto3_ms, inbound_ms, inbound_ms / boto3_ms


def signed_event(body: str, sid: str) -> dict[str, Any]:
    from twilio.request_validator import RequestValidator

    from infra.local_http import http_api_event

    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": PATIENT_PHONE,
        "To": CLINIC_NUMBER,
        "Body": body,
    }
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC_URL}/twilio/inbound", form)
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    from datetime import UTC, datetime

    event = http_api_event(
        "POST", "/twilio/inbound", "", headers, urlencode(form).encode(), datetime.now(UTC)
    )
    assert event["isBase64Encoded"], "HTTP API hands form bodies over base64-encoded"
    return event


def warm_latency() -> tuple[float, float, Counter[str]]:
    import boto3
    from moto import mock_aws

    from infra.local_http import LambdaContext
    from infra.template import create_aws_resources

    with mock_aws():
        created = create_aws_resources(boto3.session.Session(), "touchpoint-bench", "touchpoint-bench-send")
        os.environ.update(TABLE_NAME=created["table_name"], PUBLIC_URL=PUBLIC_URL, TWILIO_AUTH_TOKEN=TOKEN)
        from datetime import UTC, datetime

        from touchpoint import bootstrap
        from touchpoint.handlers import inbound

        bootstrap.reset()
        bootstrap.printed_alerts().stream = open(os.devnull, "w")  # noqa: SIM115
        admin = bootstrap.admin()
        now = datetime.now(UTC)
        clinic = admin.create_clinic(
            {
                "name": "Bench",
                "timezone": "America/New_York",
                "sender": CLINIC_NUMBER,
                "phone": "+12125550100",
            },
            now,
        )
        admin.create_patient(clinic.clinic_id, {"first_name": "Ana", "phone": PATIENT_PHONE}, now)
        calls: Counter[str] = Counter()
        bootstrap.table_named(created["table_name"]).client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.update([model.name])
        )
        bodies = ["C", "hello", "HELP", "what time is it?"]
        events = [
            signed_event(bodies[index % len(bodies)], f"SM{index:032x}") for index in range(REQUESTS + 20)
        ]
        for event in events[:20]:  # warm-up
            inbound.handler(event, LambdaContext("touchpoint-inbound"))
        calls.clear()
        timings = []
        for event in events[20:]:
            started = time.perf_counter()
            response = inbound.handler(event, LambdaContext("touchpoint-inbound"))
            timings.append((time.perf_counter() - started) * 1000)
            assert response["statusCode"] == 200, response
        cuts = statistics.quantiles(timings, n=100)
        return cuts[49], cuts[98], calls


def main() -> int:
    offline_aws()
    boto3_ms, inbound_ms, ratio = import_ratio()
    p50, p99, calls = warm_latency()
    print(
        f"inbound cold-start imports: {inbound_ms:.0f} ms vs bare boto3 {boto3_ms:.0f} ms -> {ratio:.2f}x "
        f"(median of {RUNS} interleaved runs; target at most 1.5x)"
    )
    print(
        f"inbound warm latency over {REQUESTS} signed requests, in-process on moto: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(f"DynamoDB requests per inbound message: {sum(calls.values()) / REQUESTS:.2f} {dict(calls)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
