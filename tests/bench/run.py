"""`make bench`: what the reminder pipeline costs, counted (not timed) on the embedded AWS emulation.

- DynamoDB requests per reminder sent (scheduler pass + sender), by operation;
- Scan calls on the scheduler and sender paths (must be 0);
- the DynamoDB requests of one scheduler pass with 100 vs 10,000 future jobs and the same 50
  due (must be equal: a pass costs the number of due jobs, not the size of the table). The pass
  is the whole of it, the escalation of open crisis alerts included (none is due here: one query).
"""

import io
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bench.checks import report

DUE = 50
SIZES = (100, 10_000)
NOW = datetime(2030, 6, 3, 14, 0, tzinfo=UTC)


class RequestCounter:
    """Counts every DynamoDB request a client makes, through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb.*", self)

    def total(self) -> int:
        return sum(self.calls.values())


def scenario(future_jobs: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from infra.template import create_aws_resources
    from touchpoint.adapters.dynamo.alerts import DynamoAlerts
    from touchpoint.adapters.dynamo.appointments import DynamoAppointments, job_to_item
    from touchpoint.adapters.dynamo.clinics import DynamoClinics
    from touchpoint.adapters.dynamo.jobs import DynamoJobs
    from touchpoint.adapters.dynamo.messages import DynamoMessageLog
    from touchpoint.adapters.dynamo.patients import DynamoPatients
    from touchpoint.adapters.dynamo.surveys import DynamoSurveys
    from touchpoint.adapters.dynamo.table import Table, to_attributes
    from touchpoint.adapters.sns_alerts import PrintedAlerts
    from touchpoint.adapters.sqs_queue import SqsJobQueue, parse_job_message
    from touchpoint.adapters.twilio_sms import OutboxSms
    from touchpoint.domain.appointment import Job, JobKind, JobState
    from touchpoint.usecases.admin import Admin
    from touchpoint.usecases.escalation import Escalation
    from touchpoint.usecases.scheduling import run_scheduler_pass
    from touchpoint.usecases.sending import Sender

    with mock_aws():
        created = create_aws_resources(boto3.session.Session(), "touchpoint-bench", "touchpoint-bench-send")
        client = boto3.client("dynamodb")
        table = Table(client, created["table_name"])
        admin = Admin(
            DynamoClinics(table),
            DynamoPatients(table),
            DynamoAppointments(table),
            DynamoMessageLog(table),
            DynamoAlerts(table),
            DynamoSurveys(table),
        )
        booked_at = NOW - timedelta(days=3)
        clinic = admin.create_clinic(
            {
                "name": "Bench Clinic",
                "timezone": "America/New_York",
                "sender": "+15005550006",
                "phone": "+12125550100",
                "quiet_hours": None,
                "reminders": [{"before": "P1D"}],
            },
            booked_at,
        )
        for index in range(DUE):
            patient = admin.create_patient(
                clinic.clinic_id, {"first_name": f"P{index}", "phone": f"+1555200{index:04d}"}, booked_at
            )
            starts_at = NOW + timedelta(days=1) - timedelta(minutes=index % 30)
            admin.create_appointment(
                clinic.clinic_id,
                {"patient_id": patient.patient_id, "starts_at": starts_at.isoformat()},
                booked_at,
            )
        # Future jobs of other appointments, written straight to the table: only their keys matter here.
        far = NOW + timedelta(days=30)
        with_future = [
            job_to_item(
                Job(
                    f"jb_future{index}",
                    f"ap_future{index // 3}",
                    clinic.clinic_id,
                    "pt_x",
                    JobKind.REMINDER,
                    "before:P1D",
                    far + timedelta(minutes=index),
                    JobState.PENDING,
                )
            )
            for index in range(future_jobs)
        ]
        for start in range(0, len(with_future), 25):
            client.batch_write_item(
                RequestItems={
                    table.name: [
                        {"PutRequest": {"Item": to_attributes(item)}}
                        for item in with_future[start : start + 25]
                    ]
                }
            )

        scheduler_counter, sender_counter = RequestCounter(), RequestCounter()
        scheduler_client, sender_client = boto3.client("dynamodb"), boto3.client("dynamodb")
        scheduler_counter.attach(scheduler_client)
        sender_counter.attach(sender_client)

        sqs = boto3.client("sqs")
        scheduler_table = Table(scheduler_client, table.name)
        result = run_scheduler_pass(
            DynamoJobs(scheduler_table),
            SqsJobQueue(sqs, created["queue_url"]),
            NOW,
            timedelta(hours=24),
            Escalation(
                DynamoAlerts(scheduler_table),
                DynamoClinics(scheduler_table),
                PrintedAlerts(io.StringIO()),
            ),
        )
        sender_table = Table(sender_client, table.name)
        sender = Sender(DynamoJobs(sender_table), DynamoPatients(sender_table), OutboxSms(io.StringIO()))
        sent = 0
        while messages := sqs.receive_message(QueueUrl=created["queue_url"], MaxNumberOfMessages=10).get(
            "Messages"
        ):
            for message in messages:
                sent += (
                    sender.deliver(parse_job_message(message["Body"]), NOW + timedelta(seconds=5)).outcome
                    == "sent"
                )
                sqs.delete_message(QueueUrl=created["queue_url"], ReceiptHandle=message["ReceiptHandle"])
        return {
            "future": future_jobs,
            "due": result.due,
            "queued": result.queued,
            "sent": sent,
            "scheduler": scheduler_counter.calls,
            "sender": sender_counter.calls,
        }


def main() -> int:
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    )
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    runs = [scenario(size) for size in SIZES]
    print(
        f"{'future jobs':>12} {'due':>4} {'sent':>5} {'scheduler requests':>19} {'sender requests':>16} "
        f"{'per reminder':>13} {'Scan':>5}"
    )
    for run in runs:
        scheduler, sender = sum(run["scheduler"].values()), sum(run["sender"].values())
        scans = run["scheduler"]["Scan"] + run["sender"]["Scan"]
        print(
            f"{run['future']:>12} {run['due']:>4} {run['sent']:>5} {scheduler:>19} {sender:>16} "
            f"{(scheduler + sender) / max(run['sent'], 1):>13.2f} {scans:>5}"
        )
    print("\nscheduler pass by operation:", dict(runs[-1]["scheduler"]))
    print("sender by operation:        ", dict(runs[-1]["sender"]))
    small, large = (sum(run["scheduler"].values()) for run in runs)
    checks = {
        "no Scan on the scheduler and sender paths": all(
            run["scheduler"]["Scan"] + run["sender"]["Scan"] == 0 for run in runs
        ),
        f"a scheduler pass costs the same with {SIZES[0]} and {SIZES[1]} future jobs": small == large,
        f"all {DUE} due reminders sent once": all(run["sent"] == DUE for run in runs),
    }
    return report(checks)


if __name__ == "__main__":
    sys.exit(main())
