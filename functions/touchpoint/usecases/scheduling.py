"""One scheduler pass: claim every due job and queue it for the sender; escalate the open crisis
alerts whose time has come."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from touchpoint.domain.appointment import Job
from touchpoint.domain.delivery import Interrupted, JobRef
from touchpoint.domain.ports.jobs import JobQueue, JobRepository
from touchpoint.usecases.escalation import Escalation, EscalationResult
from touchpoint.usecases.sending import settle_interrupted

# Jobs due this long before `now` are still picked up, e.g. after an outage.
DEFAULT_LOOKBACK = timedelta(hours=24)
MAX_JOBS_PER_PASS = 2000
# Claims queued together: one SQS batch.
QUEUE_BATCH = 10


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
) -> PassResult:
    """Queue the due jobs, then escalate the crisis alerts that are due, whatever became of the jobs."""
    try:
        result = _queue_due_jobs(jobs, queue, now, lookback)
    finally:
        # A crisis alert's escalation never waits on the send queue being up.
        escalations = escalation.run(now) if escalation else EscalationResult()
    return replace(result, escalations=escalations)


def _queue_due_jobs(jobs: JobRepository, queue: JobQueue, now: datetime, lookback: timedelta) -> PassResult:
    """Claim the due jobs (conditionally, so that a concurrent pass claims none twice) and queue
    each small batch as soon as it is claimed; settle the sends a sender left unfinished."""
    due = queued = released = 0
    claimed: list[JobRef] = []
    interrupted: list[Job] = []
    for ref in jobs.due(now, lookback):
        due += 1
        outcome = jobs.claim_for_queue(ref, now)
        if isinstance(outcome, Interrupted):
            interrupted.append(outcome.job)
        elif outcome is not None:
            claimed.append(outcome)
        if len(claimed) == QUEUE_BATCH:
            queued, released = _enqueue(jobs, queue, claimed, queued, released)
            claimed = []
        if due >= MAX_JOBS_PER_PASS:
            break  # the rest stay where they are and are picked up by the next pass
    queued, released = _enqueue(jobs, queue, claimed, queued, released)
    # Too late to send (the scheduler was down longer than the look-back): say so, rather
    # than leave them pending for ever. Each pass reads one such hour, so the cost stays flat.
    missed = 0
    for ref in jobs.missed(now, lookback):
        skipped = jobs.skip_missed(ref, now)
        if isinstance(skipped, Interrupted):
            interrupted.append(skipped.job)
        else:
            missed += skipped
    settled = sum(settle_interrupted(jobs, job, now) for job in interrupted)
    return PassResult(due=due, queued=queued, released=released, missed=missed, interrupted=settled)


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
