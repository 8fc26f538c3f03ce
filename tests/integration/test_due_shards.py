"""The due index's shards: each hour's bucket is split by a stable hash of the job id, a pass reads
every shard (and the unsharded buckets of the items written before the shards), claims the
shards in parallel and each job once, and reads the older hours of its look-back every tenth pass."""

import threading
import zlib
from collections import Counter
from datetime import timedelta

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.moto_table import empty, module_table_fixture
from tests.integration.test_dynamodb_repositories import NOW, Repos, job, seeded
from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.reconciliation import DynamoReconciliation
from touchpoint.adapters.dynamo.table import to_attributes
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.timeutil import parse_utc
from touchpoint.settings import DEFAULT_DUE_SHARDS
from touchpoint.usecases.scheduling import run_scheduler_pass

moto_table = module_table_fixture()


@pytest.fixture
def repos(moto_table: tuple[DynamoDBClient, str]) -> Repos:
    client, table_name = moto_table
    empty(client, table_name)
    return Repos(client, table_name)


class RecordingQueue:
    """Accepts every batch, from any thread, and keeps what it was given."""

    def __init__(self) -> None:
        self.batches: list[list[JobRef]] = []
        self._lock = threading.Lock()

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        with self._lock:
            self.batches.append(list(refs))
        return []

    def job_ids(self) -> Counter[str]:
        return Counter(ref.job_id for batch in self.batches for ref in batch)


def ids_in_every_shard(per_shard: int = 1) -> list[str]:
    """Job ids that fill every shard of the default count `per_shard` times."""
    found: dict[int, list[str]] = {}
    index = 0
    while any(len(found.get(shard, [])) < per_shard for shard in range(DEFAULT_DUE_SHARDS)):
        job_id = f"jb_{index:05d}"
        found.setdefault(keys.due_shard(job_id, DEFAULT_DUE_SHARDS), []).append(job_id)
        index += 1
    return [job_id for shard in range(DEFAULT_DUE_SHARDS) for job_id in found[shard][:per_shard]]


def to_unsharded_bucket(repos: Repos, appointment_id: str, job_id: str) -> None:
    """Put a job back on the unsharded bucket of its hour, as it was stored before the shards."""
    key = keys.job(appointment_id, job_id)
    item = repos.table.get(key)
    assert item is not None
    repos.client.update_item(
        TableName=repos.table.name,
        Key=to_attributes(key),  # type: ignore[arg-type]
        UpdateExpression="SET due_bucket = :bucket",
        ExpressionAttributeValues=to_attributes({":bucket": keys.due_bucket(parse_utc(item["due_at"]))}),  # type: ignore[arg-type]
    )


# ---- the keys ---------------------------------------------------------------------------------


def test_due_keys_are_sharded_by_a_stable_hash_of_the_job_id() -> None:
    at = parse_utc("2026-12-01T14:20:00Z")

    due = keys.due(at, "ap_1", "jb_1", shards=DEFAULT_DUE_SHARDS)

    shard = zlib.crc32(b"jb_1") % DEFAULT_DUE_SHARDS
    assert due["due_bucket"] == f"{keys.due_bucket(at)}#{shard}"
    assert due["due_bucket"].startswith("DUE#2026-12-01T14#")
    # Stable across processes and releases: crc32, not Python's salted hash().
    assert keys.due_shard("jb_1", 8) == 4
    assert keys.due_shard("jb_1", 8) == keys.due_shard("jb_1", 8)
    # Another time of the same job: the same shard; the reconciler's keys too.
    assert keys.due(at + timedelta(hours=3), "ap_1", "jb_1", shards=DEFAULT_DUE_SHARDS)[
        "due_bucket"
    ].endswith(f"#{shard}")
    assert (
        keys.reconcile(at, "ap_1", "jb_1", shards=DEFAULT_DUE_SHARDS)["due_bucket"]
        == f"{keys.reconcile_bucket(at)}#{shard}"
    )
    assert keys.due_bucket(at) == "DUE#2026-12-01T14"  # the unsharded bucket, of the old items


def test_job_ids_spread_evenly_over_the_shards() -> None:
    shards = Counter(keys.due_shard(f"jb_{index}", DEFAULT_DUE_SHARDS) for index in range(8_000))

    assert set(shards) == set(range(DEFAULT_DUE_SHARDS))
    mean = 8_000 / DEFAULT_DUE_SHARDS
    assert max(shards.values()) < 1.1 * mean
    assert keys.bucket_shards(DEFAULT_DUE_SHARDS) == (*range(DEFAULT_DUE_SHARDS), None)


# ---- a pass ------------------------------------------------------------------------------------


def test_a_pass_finds_due_jobs_in_every_shard_and_in_an_old_unsharded_bucket(repos: Repos) -> None:
    sharded = ids_in_every_shard()
    jobs = [job(job_id, NOW - timedelta(minutes=index)) for index, job_id in enumerate(sharded)]
    jobs += [job("jb_old_style", NOW - timedelta(hours=3)), job("jb_old_recent", NOW - timedelta(minutes=2))]
    seeded(repos, jobs, with_context=False)
    to_unsharded_bucket(repos, "ap_1", "jb_old_style")
    to_unsharded_bucket(repos, "ap_1", "jb_old_recent")
    buckets = {
        item["due_bucket"]
        for planned in jobs
        if (item := repos.table.get(keys.job(planned.appointment_id, planned.job_id)))
    }
    assert len(buckets) == DEFAULT_DUE_SHARDS + 2  # every shard of NOW's hour, and two unsharded hours

    queue = RecordingQueue()
    result = run_scheduler_pass(repos.jobs, queue, NOW, timedelta(hours=24))

    assert queue.job_ids() == Counter(planned.job_id for planned in jobs)
    assert (result.due, result.queued) == (len(jobs), len(jobs))
    assert sorted(ref.job_id for ref in repos.jobs.due(NOW, timedelta(hours=24))) == []


def test_a_pass_over_many_due_jobs_across_the_shards_claims_each_once(repos: Repos) -> None:
    ids = ids_in_every_shard(per_shard=12)
    jobs = [
        job(job_id, NOW - timedelta(minutes=index % 90), appointment_id=f"ap_{index % 7}")
        for index, job_id in enumerate(ids)
    ]
    seeded(repos, jobs, with_context=False)

    queue = RecordingQueue()
    result = run_scheduler_pass(repos.jobs, queue, NOW, timedelta(hours=24))
    again = run_scheduler_pass(repos.jobs, queue, NOW + timedelta(seconds=30), timedelta(hours=24))

    assert queue.job_ids() == Counter(job_id for job_id in ids)  # each once, none twice
    assert (result.due, result.queued, result.released) == (len(ids), len(ids), 0)
    assert (again.due, again.queued) == (0, 0)
    assert all(len(batch) <= 10 for batch in queue.batches)


def test_a_queue_failure_in_one_shard_fails_the_pass_and_releases_its_claims(repos: Repos) -> None:
    ids = ids_in_every_shard(per_shard=2)
    seeded(repos, [job(job_id, NOW - timedelta(minutes=5)) for job_id in ids], with_context=False)

    class DownQueue:
        def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
            raise ConnectionError("SQS is down")

    with pytest.raises(ConnectionError):
        run_scheduler_pass(repos.jobs, DownQueue(), NOW, timedelta(hours=24))

    # Every claim made went back to pending: the next pass finds them all.
    assert sorted(ref.job_id for ref in repos.jobs.due(NOW, timedelta(hours=24))) == sorted(ids)


# ---- the look-back, read in full every tenth pass --------------------------------------------


def test_the_older_hours_are_read_every_tenth_pass_and_recent_ones_every_pass(repos: Repos) -> None:
    at = parse_utc("2026-12-01T12:36:00Z")
    lookback = timedelta(hours=24)
    seeded(
        repos,
        [
            job("jb_20h", at - timedelta(hours=20)),  # after an outage
            job("jb_recent", at - timedelta(minutes=40)),  # the previous hour
            job("jb_missed", at - lookback - timedelta(minutes=50)),
        ],
        with_context=False,
    )

    queue = RecordingQueue()
    cheap = run_scheduler_pass(repos.jobs, queue, at, lookback, full_lookback_every=10)
    assert set(queue.job_ids()) == {"jb_recent"}
    assert (cheap.queued, cheap.missed) == (1, 0)

    full = run_scheduler_pass(
        repos.jobs, queue, parse_utc("2026-12-01T12:40:00Z"), lookback, full_lookback_every=10
    )
    assert set(queue.job_ids()) == {"jb_recent", "jb_20h"}
    assert (full.queued, full.missed) == (1, 1)


# ---- the reconciler ----------------------------------------------------------------------------


def test_unknown_due_reads_every_shard_and_the_unsharded_bucket(repos: Repos) -> None:
    ids = ids_in_every_shard()
    at = NOW - timedelta(hours=2)
    seeded(repos, [job(job_id, at) for job_id in [*ids, "jb_old_style"]], with_context=False)
    for job_id in [*ids, "jb_old_style"]:
        reconcile = keys.reconcile(at, "ap_1", job_id, shards=DEFAULT_DUE_SHARDS)
        if job_id == "jb_old_style":
            reconcile["due_bucket"] = keys.reconcile_bucket(at)
        repos.client.update_item(
            TableName=repos.table.name,
            Key=to_attributes(keys.job("ap_1", job_id)),  # type: ignore[arg-type]
            UpdateExpression="SET due_bucket = :bucket, due_sk = :sk",
            ExpressionAttributeValues=to_attributes(  # type: ignore[arg-type]
                {":bucket": reconcile["due_bucket"], ":sk": reconcile["due_sk"]}
            ),
        )

    found = list(DynamoReconciliation(repos.table).unknown_due(NOW, timedelta(hours=24)))

    assert sorted(ref.job_id for ref in found) == sorted([*ids, "jb_old_style"])
    assert list(repos.jobs.due(NOW, timedelta(hours=24))) == []  # never on the scheduler's buckets
