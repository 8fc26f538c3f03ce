"""One scheduler pass: claim every due job and queue it for the sender; escalate the open crisis
alerts whose time has come."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from touchpoint.domain.delivery import JobRef
from touchpoint.domain.ports.jobs import JobQueue, JobRepository
from touchpoint.usecases.escalation import Escalation, EscalationResult

# Jobs due this long before `now` are still picked up, e.g. after an outage.
DEFAULT_LOOKBACK = timedelta(hours=24)
MAX_JOBS_PER_PASS = 2000


@dataclass(frozen=True)
class PassResult:
    due: int
    queued: int
    released: int
    missed: int = 0
    escalations: EscalationResult = field(default_factory=EscalationResult)

    def to_dict(self) -> dict[str, int]:
        return {
            "due": self.due,
            "queued": self.queued,
            "released": self.released,
            "missed": self.missed,
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
    """Claim due jobs (pending -> queued, conditionally) so that a concurrent pass claims none twice."""
    due = 0
    claimed: list[JobRef] = []
    for ref in jobs.due(now, lookback):
        due += 1
        if jobs.claim_for_queue(ref, now):
            claimed.append(ref)
        if due >= MAX_JOBS_PER_PASS:
            break  # the rest stay pending and are picked up by the next pass
    try:
        not_queued = queue.enqueue(claimed) if claimed else []
    except BaseException:
        # Claimed jobs left the due index: put them back, or no later pass would find them.
        # Safe for any that did reach the queue: the sender only takes jobs still `queued`.
        for ref in claimed:
            jobs.release_to_pending(ref)
        raise
    for ref in not_queued:
        jobs.release_to_pending(ref)
    # Too late to send (the scheduler was down longer than the look-back): say so, rather
    # than leave them pending for ever. Each pass reads one such hour, so the cost stays flat.
    missed = sum(jobs.skip_missed(ref, now) for ref in jobs.missed(now, lookback))
    return PassResult(due=due, queued=len(claimed) - len(not_queued), released=len(not_queued), missed=missed)
