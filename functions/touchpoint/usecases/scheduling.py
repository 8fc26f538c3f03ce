"""One scheduler pass: claim every due job and queue it for the sender; escalate the open crisis
alerts whose time has come."""

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from touchpoint.domain.appointment import Job
from touchpoint.domain.delivery import Interrupted, JobRef
from touchpoint.domain.ports.jobs import JobQueue, JobRepository
from touchpoint.usecases.escalation import Escalation, EscalationResult
from touchpoint.usecases.sending import settle_interrupted

# Jobs due this long before `now` are still picked up, e.g. after an outage.
DEFAULT_LOOKBACK = timedelta(hours=24)
# What every pass reads: the current and the previous hour (a due job is found by the first pass
# after it falls due). The older hours of the look-back are read only by every FULL_LOOKBACK_EVERY-th
# pass (the minutes of `now` divisible by it), and by those passes only the `missed` hour.
RECENT = timedelta(hours=1)
FULL_LOOKBACK_EVERY = 10
# Claimed per shard (per stream of due jobs) and pass: the shards are claimed in parallel, so a
# pass takes up to this times the streams, 18,000 with 8 shards and the unsharded bucket.
MAX_JOBS_PER_SHARD = 2000
# Claims queued together: one SQS batch.
QUEUE_BATCH = 10


@runtime_checkable
class ShardedDue(Protocol):
    """A repository whose due jobs come as one stream per shard of the due index."""

    def due_by_shard(self, now: datetime, lookback: timedelta) -> Sequence[Iterable[JobRef]]: ...


@dataclass(frozen=True)
class PassResult:
    due: int
    queued: int
    released: int
    missed: int = 0
    interrupted: int = 0  # sends a sender left unfinished, settled `unknown`
    escalations: EscalationResult = field(default_factory=EscalationResult)

    def to_dict(self) -> dict[str, int]:
        return {
            "due": self.due,
            "queued": self.queued,
            "released": self.released,
            "missed": self.missed,
            "interrupted": self.interrupted,
            "escalated": self.escalations.escalated,
            "escalations_not_published": len(self.escalations.not_published),
        }


def run_scheduler_pass(
    jobs: JobRepository,
    queue: JobQueue,
    now: datetime,
    lookback: timedelta = DEFAULT_LOOKBACK,
    escalation: Escalation | None = None,
    full_lookback_every: int = 1,
) -> PassResult:
    """Queue the due jobs, then escalate the crisis alerts that are due, whatever became of the jobs.
    The whole look-back is read when `now`'s minute is a multiple of `full_lookback_every`
    (every pass by default), else only the current and the previous hour."""
    try:
        full = now.minute % full_lookback_every == 0
        result = _queue_due_jobs(jobs, queue, now, lookback, full)
    finally:
        # A crisis alert's escalation never waits on the send queue being up.
        escalations = escalation.run(now) if escalation else EscalationResult()
    return replace(result, escalations=escalations)


@dataclass
class _Tally:
    due: int = 0
    queued: int = 0
    released: int = 0
    interrupted: list[Job] = field(default_factory=list)


def _queue_due_jobs(
    jobs: JobRepository, queue: JobQueue, now: datetime, lookback: timedelta, full: bool
) -> PassResult:
    """Claim the due jobs (conditionally, so that a concurrent pass claims none twice), each
    shard's in a thread of its own, and queue each small batch as soon as it is claimed; settle
    the sends a sender left unfinished."""
    read = lookback if full else min(lookback, RECENT)
    streams = jobs.due_by_shard(now, read) if isinstance(jobs, ShardedDue) else [jobs.due(now, read)]
    stop = threading.Event()  # one shard failed: the others stop at their next job
    if len(streams) == 1:
        tallies = [_drain(jobs, queue, streams[0], now, stop)]
    else:
        with ThreadPoolExecutor(max_workers=len(streams), thread_name_prefix="shard") as pool:
            futures = [pool.submit(_drain, jobs, queue, stream, now, stop) for stream in streams]
        failed = [future.exception() for future in futures if future.exception() is not None]
        if failed:
            raise failed[0]  # type: ignore[misc]
        tallies = [future.result() for future in futures]
    interrupted = [job for tally in tallies for job in tally.interrupted]
    # Too late to send (the scheduler was down longer than the look-back): say so, rather
    # than leave them pending for ever. Each full pass reads one such hour, so the cost stays flat.
    missed = 0
    for ref in jobs.missed(now, lookback) if full else ():
        skipped = jobs.skip_missed(ref, now)
        if isinstance(skipped, Interrupted):
            interrupted.append(skipped.job)
        else:
            missed += skipped
    settled = sum(settle_interrupted(jobs, job, now) for job in interrupted)
    return PassResult(
        due=sum(tally.due for tally in tallies),
        queued=sum(tally.queued for tally in tallies),
        released=sum(tally.released for tally in tallies),
        missed=missed,
        interrupted=settled,
    )


def _drain(
    jobs: JobRepository, queue: JobQueue, due: Iterable[JobRef], now: datetime, stop: threading.Event
) -> _Tally:
    """One stream of due jobs: claim each, queue every batch of QUEUE_BATCH claims at once."""
    tally = _Tally()
    claimed: list[JobRef] = []
    try:
        for ref in due:
            if stop.is_set():
                break  # what is left is picked up by the next pass
            tally.due += 1
            outcome = jobs.claim_for_queue(ref, now)
            if isinstance(outcome, Interrupted):
                tally.interrupted.append(outcome.job)
            elif outcome is not None:
                claimed.append(outcome)
            if len(claimed) == QUEUE_BATCH:
                tally.queued, tally.released = _enqueue(jobs, queue, claimed, tally.queued, tally.released)
                claimed = []
            if tally.due >= MAX_JOBS_PER_SHARD:
                break  # the rest stay where they are and are picked up by the next pass
        tally.queued, tally.released = _enqueue(jobs, queue, claimed, tally.queued, tally.released)
    except BaseException:
        stop.set()
        raise
    return tally


def _enqueue(
    jobs: JobRepository, queue: JobQueue, claimed: list[JobRef], queued: int, released: int
) -> tuple[int, int]:
    """Queue one batch of claims; a claim the queue refused goes back to pending at once (one
    lost with a crash here is claimed again when its lease ends)."""
    if not claimed:
        return queued, released
    try:
        not_queued = queue.enqueue(claimed)
    except BaseException:
        for ref in claimed:
            jobs.release_to_pending(ref)
        raise
    for ref in not_queued:
        jobs.release_to_pending(ref)
    return queued + len(claimed) - len(not_queued), released + len(not_queued)
