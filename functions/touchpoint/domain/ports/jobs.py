"""The planned messages' way out: the due index the scheduler reads, the queue, the sender's
state changes."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypedDict, Unpack

from touchpoint.domain.alerts import Alert
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.caps import RecentSend
from touchpoint.domain.delivery import Interrupted, JobRef, NotQueued, SendContext, SentSms
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.reconciling import UnknownSend
from touchpoint.domain.surveys import Survey


class SentOptions(TypedDict, total=False):
    survey: Survey | None  # the survey a follow-up opened, or the one a nudge reminded of
    nudge: Job | None  # the one nudge of the survey it opened
    outcome: JobState  # `sent` unless said otherwise: `unknown` when Twilio may have it
    counted: RecentSend | None  # to remember for the frequency caps
    forget: tuple[str, ...]  # the remembered sends (job ids) now past the caps' week
    deadline: Job | None  # a checklist's: when its answer falls due


class OutcomeOptions(TypedDict, total=False):
    reason: str | None
    message: MessageRecord | None


class JobRepository(Protocol):
    def due(self, now: datetime, lookback: timedelta) -> Iterable[JobRef]: ...
    def missed(self, now: datetime, lookback: timedelta) -> Iterable[JobRef]:
        """Jobs still pending that fell due just before the look-back window."""
        ...

    def claim_for_queue(self, ref: JobRef, now: datetime) -> JobRef | Interrupted | None:
        """Lease a due job (pending, or queued past its lease) to a new claim: the claim, for the
        queue; Interrupted for a job found `sending` past its lease; None when there is nothing
        to claim (another pass has it, it moved, or it failed after too many claims)."""
        ...

    def skip_missed(self, ref: JobRef, now: datetime) -> bool | Interrupted:
        """A job left behind by the look-back to `skipped` (`missed`); Interrupted if sending."""
        ...

    def release_to_pending(self, ref: JobRef) -> None:
        """A claim the queue refused back to `pending`, if the job is still under it."""
        ...

    def start_sending(self, ref: JobRef, now: datetime) -> Job | NotQueued:
        """Move the job from `queued` (under `ref`'s claim) to `sending`, leased, and return it."""
        ...

    def context(self, job: Job) -> SendContext: ...
    def record_sent(self, job: Job, message: MessageRecord, **sent: Unpack[SentOptions]) -> None:
        """The job `sent` (or `unknown`: Twilio may have it), its message logged; a follow-up's
        survey opened (or a nudged one marked), with the job of its one nudge."""
        ...

    def hold(self, job: Job, until: datetime, reason: str) -> None:
        """A `sending` job back to `pending`, due at `until`."""
        ...

    def close_unsent(self, job: Job, reason: str, *, alert: Alert | None, no_answer: bool = False) -> None:
        """A `sending` job that sends nothing (a checklist's deadline, a course's check) to
        `skipped` with `reason`, with `alert`; with `no_answer`, its appointment's checklist, if
        still pending for this deadline, to `no_answer`."""
        ...

    def record_outcome(self, job: Job, state: JobState, **outcome: Unpack[OutcomeOptions]) -> None:
        """Move a `sending` job to a final state (skipped, failed, unknown), with the reason and
        the message logged, if any."""
        ...

    def back_to_queue(self, job: Job, now: datetime) -> None:
        """A `sending` job back to `queued` under its claim, for its queue message to bring back."""
        ...


class JobQueue(Protocol):
    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        """Queue the jobs for sending; returns those that could not be queued."""
        ...


class UnknownSends(Protocol):
    """Sends whose outcome is unknown, on their way to being settled."""

    def unknown_due(self, now: datetime, lookback: timedelta) -> Iterable[JobRef]:
        """The unknown sends due for a look by `now`."""
        ...

    def unknown_send(self, ref: JobRef) -> UnknownSend | None:
        """The send with its logged message and context; None once settled."""
        ...

    def adopt(self, send: UnknownSend, found: SentSms) -> bool: ...
    def send_again(self, send: UnknownSend, now: datetime) -> bool: ...
    def give_up(self, send: UnknownSend, reason: str) -> bool: ...
    def look_again(self, send: UnknownSend, at: datetime) -> None: ...
