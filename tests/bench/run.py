"""`make bench`: what the reminder pipeline costs, counted (not timed) on the embedded AWS emulation.

- DynamoDB requests per reminder sent (scheduler pass + sender), by operation, with 50 and with
  2,000 due in one pass;
- Scan calls on the scheduler and sender paths (must be 0);
- the DynamoDB requests of a scheduler pass (one that reads the current and previous hour, and
  one that reads the whole look-back) with 100 vs 100,000 future jobs and the same 50 due (must
  be equal: a pass costs the number of due jobs, not the size of the table). The pass is the
  whole of it, the escalation of open crisis alerts included (none is due here: one query);
- two models, computed rather than run: the most writes one partition key of the due index
  takes at 1,000 claims a second, and how many due jobs one pass drains a minute.
"""

import io
import random
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bench.checks import offline_aws, report
from touchpoint.settings import DEFAULT_DUE_SHARDS

DUE = 50
MANY_DUE = 2_000
SIZES = (100, 100_000)
# A pass that reads the current and previous hour (9 in 10 do); the one after it reads all 24.
NOW = datetime(2030, 6, 3, 14, 3, tzinfo=UTC)

# The peak model: DynamoDB takes at most 1,000 write units a second on one partition key.
PEAK_CLAIMS_PER_SECOND = 1_000
PARTITION_KEY_LIMIT = 1_000
PEAK_JOBS = 60_000  # one minute at the peak, all due in one hour
# The drain model's inputs (DynamoDB and SQS in-region latencies, the function's timeout).
CLAIM_MS = 5.0  # one conditional UpdateItem
ENQUEUE_MS = 20.0  # one SendMessageBatch of 10
PASS_TIMEOUT_S = 60


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


def scenario(future_jobs: int, due: int = DUE, *, deliver: bool = True) -> dict[str, Any]:
    """One pass at NOW over `due` due reminders and `future_jobs` pending a month ahead; the
    sender delivers what it queued (`deliver`); then one pass reading the whole look-back.
    The first 50 due are booked through the admin use case, the rest written as jobs of their
    appointments; the future jobs go straight to the table, with their due keys."""
    import boto3
    from moto import mock_aws

    from infra.template import create_aws_resources
    from tests.bench.fast_moto import indexed_queries, put_items
    from touchpoint.adapters.dynamo.alerts import DynamoAlerts
    from touchpoint.adapters.dynamo.appointments import DynamoAppointments, job_to_item
    from touchpoint.adapters.dynamo.audit import DynamoAudit
    from touchpoint.adapters.dynamo.clinics import DynamoClinics
    from touchpoint.adapters.dynamo.courses import DynamoCourses
    from touchpoint.adapters.dynamo.jobs import DynamoJobs
    from touchpoint.adapters.dynamo.lists import DynamoLists
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
    from touchpoint.usecases.scheduling import FULL_LOOKBACK_EVERY, run_scheduler_pass
    from touchpoint.usecases.sending import Sender

    with mock_aws(), indexed_queries():
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
            DynamoAudit(table),
            DynamoLists(table),
            DynamoCourses(table),
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
        booked = []
        for index in range(min(due, DUE)):
            patient = admin.create_patient(
                clinic.clinic_id, {"first_name": f"P{index}", "phone": f"+1555200{index:04d}"}, booked_at
            )
            starts_at = NOW + timedelta(days=1) - timedelta(minutes=index % 30)
            booked.append(
                admin.create_appointment(
                    clinic.clinic_id,
                    {"patient_id": patient.patient_id, "starts_at": starts_at.isoformat()},
                    booked_at,
                )
            )
        # More due reminders: jobs of the booked appointments, each due in the last 50 minutes.
        more_due = [
            job_to_item(
                Job(
                    f"jb_due{index}",
                    booked[index % len(booked)].appointment.appointment_id,
                    clinic.clinic_id,
                    booked[index % len(booked)].appointment.patient_id,
                    JobKind.REMINDER,
                    f"before:PT{index}M",
                    NOW - timedelta(seconds=index * 3000 // max(due, 1)),
                    JobState.PENDING,
                ),
                shards=DEFAULT_DUE_SHARDS,
            )
            for index in range(due - len(booked))
        ]
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
                    far + timedelta(seconds=index * 30),
                    JobState.PENDING,
                ),
                shards=DEFAULT_DUE_SHARDS,
            )
            for index in range(future_jobs)
        ]
        put_items(table.name, [to_attributes(item) for item in [*more_due, *with_future]])

        scheduler_counter, sender_counter = RequestCounter(), RequestCounter()
        scheduler_client, sender_client = boto3.client("dynamodb"), boto3.client("dynamodb")
        scheduler_counter.attach(scheduler_client)
        sender_counter.attach(sender_client)

        sqs = boto3.client("sqs")
        scheduler_table = Table(scheduler_client, table.name)

        def scheduler_pass(at: datetime, full_lookback_every: int = FULL_LOOKBACK_EVERY) -> Any:
            return run_scheduler_pass(
                DynamoJobs(scheduler_table),
                SqsJobQueue(sqs, created["queue_url"]),
                at,
                timedelta(hours=24),
                Escalation(
                    DynamoAlerts(scheduler_table),
                    DynamoClinics(scheduler_table),
                    PrintedAlerts(io.StringIO()),
                ),
                full_lookback_every,
            )

        result = scheduler_pass(NOW)
        scheduler = Counter(scheduler_counter.calls)
        sent = 0
        if deliver:
            sender_table = Table(sender_client, table.name)
            sender = Sender(DynamoJobs(sender_table), DynamoPatients(sender_table), OutboxSms(io.StringIO()))
            while messages := sqs.receive_message(QueueUrl=created["queue_url"], MaxNumberOfMessages=10).get(
                "Messages"
            ):
                for message in messages:
                    sent += (
                        sender.deliver(parse_job_message(message["Body"]), NOW + timedelta(seconds=5)).outcome
                        == "sent"
                    )
                sqs.delete_message_batch(
                    QueueUrl=created["queue_url"],
                    Entries=[
                        {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                        for index, message in enumerate(messages)
                    ],
                )
        # A pass that reads the whole look-back, with nothing due (every job sent, or still leased).
        scheduler_counter.calls.clear()
        scheduler_pass(NOW + timedelta(minutes=1), full_lookback_every=1)
        return {
            "future": future_jobs,
            "due": result.due,
            "queued": result.queued,
            "sent": sent,
            "scheduler": scheduler,
            "full_pass": Counter(scheduler_counter.calls),
            "sender": sender_counter.calls,
        }


def peak_writes(shards: int, rng: random.Random) -> dict[str, float]:
    """The most writes a second one due_bucket value takes at PEAK_CLAIMS_PER_SECOND, from the
    key functions over PEAK_JOBS random job ids due in one hour and claimed over one minute.
    A claim removes the job's entry at its due time and adds one at the end of its lease (two
    writes of the index); the sender then moves it to the end of its send lease (two more) and
    takes it off when the outcome is recorded (one more)."""
    from touchpoint.adapters.dynamo import keys
    from touchpoint.domain.delivery import QUEUE_LEASE, SEND_LEASE

    hour = NOW.replace(minute=0)
    seconds = PEAK_JOBS / PEAK_CLAIMS_PER_SECOND
    claims: Counter[str] = Counter()
    pipeline: Counter[str] = Counter()
    for index in range(PEAK_JOBS):
        job_id = f"jb_{rng.getrandbits(80):020x}"  # the shape of new_id("jb"), reproducibly
        shard = keys.due_shard(job_id, shards)
        due_at = hour + timedelta(seconds=rng.uniform(0, 3_000))
        claimed_at = hour + timedelta(minutes=50, seconds=index / PEAK_CLAIMS_PER_SECOND)
        lease_end, send_end = claimed_at + QUEUE_LEASE, claimed_at + SEND_LEASE
        removed, added = keys.due_bucket(due_at, shard), keys.due_bucket(lease_end, shard)
        claims.update([removed, added])
        # the sender: off the queue lease's entry, onto the send lease's, then off the index
        pipeline.update(
            [removed, added, added, keys.due_bucket(send_end, shard), keys.due_bucket(send_end, shard)]
        )
    return {
        "claims": max(claims.values()) / seconds,
        "pipeline": max(pipeline.values()) / seconds,
    }


def drain_per_minute(streams: int, max_per_stream: int) -> dict[str, float]:
    """What one pass claims and queues, each stream (shard) in a thread of its own: each job one
    conditional UpdateItem, each ten one SendMessageBatch, in series within a stream."""
    per_job_ms = CLAIM_MS + ENQUEUE_MS / 10
    by_timeout = int(PASS_TIMEOUT_S * 1000 / per_job_ms)  # one stream, the whole timeout
    per_stream = min(max_per_stream, by_timeout)
    return {
        "per_job_ms": per_job_ms,
        "per_stream": per_stream,
        "pass_seconds": per_stream * per_job_ms / 1000,
        "per_pass": per_stream * streams,
        "claims_per_second_in_pass": streams * 1000 / per_job_ms,
    }


def main() -> int:
    offline_aws()
    from touchpoint.adapters.dynamo import keys
    from touchpoint.usecases.scheduling import FULL_LOOKBACK_EVERY, MAX_JOBS_PER_SHARD

    # The sender's share is measured at 50 (3 a reminder, whatever the pass); moto's transactions
    # copy the whole table, which makes delivering 2,000 take minutes.
    delivered = [scenario(SIZES[0], DUE), scenario(SIZES[0], MANY_DUE, deliver=False)]
    print(
        f"{'future jobs':>12} {'due':>5} {'sent':>5} {'scheduler requests':>19} {'sender requests':>16} "
        f"{'per reminder':>13} {'Scan':>5}"
    )
    for run in delivered:
        scheduler, sender = sum(run["scheduler"].values()), sum(run["sender"].values())
        scans = run["scheduler"]["Scan"] + run["sender"]["Scan"]
        print(
            f"{run['future']:>12} {run['due']:>5} {run['sent']:>5} {scheduler:>19} {sender:>16} "
            f"{scheduler / max(run['due'], 1) + sum(delivered[0]['sender'].values()) / DUE:>13.2f} {scans:>5}"
        )
    print("\nscheduler pass by operation:", dict(delivered[-1]["scheduler"]))
    print("sender by operation:        ", dict(delivered[-1]["sender"]))

    passes = [delivered[0], scenario(SIZES[1], DUE, deliver=False)]
    print(
        f"\n{'future jobs':>12} {'due':>5} {'recent-hours pass':>18} {'full look-back pass':>20} {'a minute on average':>20}"
    )
    for run in passes:
        recent, full = sum(run["scheduler"].values()), sum(run["full_pass"].values())
        recent_queries = run["scheduler"]["Query"]
        average = ((FULL_LOOKBACK_EVERY - 1) * recent_queries + full) / FULL_LOOKBACK_EVERY
        print(f"{run['future']:>12} {run['due']:>5} {recent:>18} {full:>20} {average:>14.1f} Query")
    print("recent-hours pass by operation:", dict(passes[-1]["scheduler"]))
    print("full look-back pass by operation:", dict(passes[-1]["full_pass"]))

    rng = random.Random(9)
    print(
        f"\nthe most writes a second one due_bucket takes, {PEAK_CLAIMS_PER_SECOND:,} claims/s"
        f" ({PEAK_JOBS:,} random job ids due in one hour):"
    )
    peaks = {}
    for shards in sorted({1, 4, DEFAULT_DUE_SHARDS, 16}):
        peaks[shards] = peak_writes(shards, rng)
        mark = "  <- DUE_SHARDS" if shards == DEFAULT_DUE_SHARDS else ""
        print(
            f"  {shards:>2} shards: claims {peaks[shards]['claims']:>6.0f}/s, claims and the sender's moves"
            f" {peaks[shards]['pipeline']:>6.0f}/s (limit {PARTITION_KEY_LIMIT:,}/s){mark}"
        )
    streams = len(keys.bucket_shards(DEFAULT_DUE_SHARDS))
    drain = drain_per_minute(streams, MAX_JOBS_PER_SHARD)
    print(
        f"\none pass drains {drain['per_pass']:,.0f} due jobs a minute: {streams} streams ({DEFAULT_DUE_SHARDS} shards"
        f" and the unsharded bucket) in parallel, {drain['per_stream']:,} each (MAX_JOBS_PER_SHARD"
        f" {MAX_JOBS_PER_SHARD:,}, or what {PASS_TIMEOUT_S} s allow), {drain['per_job_ms']:.0f} ms a job"
        f" ({CLAIM_MS:.0f} ms a conditional UpdateItem + {ENQUEUE_MS:.0f} ms a SendMessageBatch of 10):"
        f" {drain['pass_seconds']:.0f} s of the {PASS_TIMEOUT_S} s timeout; claims at"
        f" {drain['claims_per_second_in_pass']:,.0f}/s while it runs"
    )

    small, large = (sum(run["scheduler"].values()) for run in passes)
    small_full, large_full = (sum(run["full_pass"].values()) for run in passes)
    checks = {
        "no Scan on the scheduler and sender paths": all(
            run["scheduler"]["Scan"] + run["sender"]["Scan"] + run["full_pass"]["Scan"] == 0
            for run in [*delivered, *passes]
        ),
        f"a scheduler pass costs the same with {SIZES[0]:,} and {SIZES[1]:,} future jobs": small == large
        and small_full == large_full,
        f"all {DUE} due reminders sent once, all {MANY_DUE:,} queued once": (
            delivered[0]["sent"],
            delivered[1]["queued"],
        )
        == (DUE, MANY_DUE),
        f"a pass over {MANY_DUE:,} due costs at most 5 DynamoDB requests a reminder": sum(
            delivered[1]["scheduler"].values()
        )
        / MANY_DUE
        + sum(delivered[0]["sender"].values()) / DUE
        <= 5,
        # The frequency caps (on by default) read the patient's recent sends in the context's
        # BatchGetItem and write them in the send's transaction: no request of their own.
        "a reminder costs the sender 3 DynamoDB requests, frequency caps included": delivered[0]["sender"]
        == Counter({"UpdateItem": DUE, "BatchGetItem": DUE, "TransactWriteItems": DUE}),
        f"no due_bucket over {PARTITION_KEY_LIMIT:,} writes/s at {PEAK_CLAIMS_PER_SECOND:,} claims/s with"
        f" {DEFAULT_DUE_SHARDS} shards": peaks[DEFAULT_DUE_SHARDS]["pipeline"] < PARTITION_KEY_LIMIT,
        f"a pass fits its {PASS_TIMEOUT_S} s timeout": drain["pass_seconds"] < PASS_TIMEOUT_S / 2,
    }
    return report(checks)


if __name__ == "__main__":
    sys.exit(main())
