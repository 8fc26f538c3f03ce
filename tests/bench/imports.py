"""The import's cost: rows per second and DynamoDB requests per row for a CSV of 200 rows
(a new patient and appointment each), then the same file again (every row unchanged),
through the admin handler a step at a time (each request stops after 20 s), in-process on the
embedded AWS emulation: its rows/s are moto's, its requests per row DynamoDB's."""

import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.bench.checks import offline_aws

ROOT = Path(__file__).resolve().parents[2]
# moto copies the whole table for each transaction (to roll it back), so its time per row grows
# with the table: 200 rows measure the requests per row, which do not depend on the count, in
# about a minute; DynamoDB's own time per request is the same at any table size.
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "200"))
HEADER = "patient_external_id,first_name,phone,appointment_external_id,starts_at,duration_minutes,status"


def csv_file(now: datetime) -> bytes:
    start = (now + timedelta(days=10)).replace(hour=15, minute=0, second=0, microsecond=0)
    lines = [HEADER] + [
        f"MRN{n},Pat{n},+1555{n:07d},AP{n},{(start + timedelta(minutes=n)).isoformat()},60,scheduled"
        for n in range(ROWS)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def run() -> list[tuple[str, float, float, Counter[str], dict[str, int]]]:
    import json

    import boto3
    from moto import mock_aws

    from infra.local_http import LambdaContext, http_api_event
    from infra.template import create_aws_resources

    with mock_aws():
        created = create_aws_resources(boto3.session.Session(), "touchpoint-bench", "touchpoint-bench-send")
        os.environ.update(TABLE_NAME=created["table_name"])
        from touchpoint import bootstrap
        from touchpoint.handlers import admin

        bootstrap.reset()
        service = bootstrap.admin()
        now = datetime.now(UTC)
        clinic = service.create_clinic(
            {
                "name": "Bench",
                "timezone": "America/New_York",
                "sender": "+15005550006",
                "phone": "+12125550100",
            },
            now,
        )
        calls: Counter[str] = Counter()
        bootstrap.table_named(created["table_name"]).client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.update([model.name])
        )
        body = csv_file(now)
        results = []
        for label in ("new rows", "the same file again"):
            calls.clear()
            totals: Counter[str] = Counter()
            query, started = "", time.perf_counter()
            while True:  # a step at a time, as the CLI sends them
                event = http_api_event(
                    "POST",
                    f"/admin/clinics/{clinic.clinic_id}/imports",
                    query,
                    {"content-type": "text/csv"},
                    body,
                    now,
                )
                event["requestContext"]["authorizer"] = {
                    "jwt": {"claims": {"sub": "bench", "cognito:groups": "[platform_admin]"}, "scopes": None}
                }
                response = admin.handler(event, LambdaContext("touchpoint-admin", 29), service=service)
                answer = json.loads(response["body"])
                assert response["statusCode"] == 200, answer
                assert not answer["errors"], answer
                totals.update({name: answer[name] for name in ("rows", "created", "updated", "unchanged")})
                totals["steps"] += 1
                if answer["complete"]:
                    break
                query = f"from_row={answer['next_from_row']}"
            seconds = time.perf_counter() - started
            assert totals["rows"] == ROWS, totals
            counted = Counter(calls)
            counted["PutItem"] -= totals["steps"]  # each request's own audit entry
            results.append((label, ROWS / seconds, sum(counted.values()) / ROWS, +counted, dict(totals)))
        return results


def main() -> int:
    offline_aws(POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true")
    sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]
    for label, rate, per_row, calls, answer in run():
        counts = {name: answer[name] for name in ("created", "updated", "unchanged", "steps")}
        print(
            f"import of {ROWS} CSV rows ({label}), in-process on moto: {rate:.0f} rows/s, "
            f"{per_row:.2f} DynamoDB requests per row {dict(calls)} -> {counts}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
