"""Leased claims: whatever dies when, every due job ends final within one lease and two passes,
and none is sent twice.

The fault matrix runs the real scheduler pass and the real sender on moto, with a kill switch
on every DynamoDB call, every queue call and both sides of the SMS gateway: for each step k,
the process dies at its k-th call (that call and every later one fail, as after SIGKILL or a
Lambda timeout; no clean-up handler gets through) or only that call fails (an exception, the
process lives on). Then healthy passes and deliveries run once a minute, with every message
the dead process held coming back from the queue, until one queue lease and two passes have
gone by.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.template import AwsClients, create_aws_resources
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.reconciliation import DynamoReconciliation
from touchpoint.adapters.dynamo.table import Table
from touchpoint.adapters.sqs_queue import job_message, parse_job_message
from touchpoint.bootstrap import admin
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.delivery import MAX_CLAIMS, QUEUE_LEASE, SEND_LEASE, JobRef, SentSms, SmsReceipt
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.reconciling import Reconciler, ReconcileResult
from touchpoint.usecases.scheduling import run_scheduler_pass
from touchpoint.usecases.sending import RetryLater, Sender

BOOKED_AT = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
DUE_AT = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)  # the PT2H reminder of a 15:00 EST session
PATIENTS = 2
# The matrix looks back one hour: every kind of step is there, with fewer bucket reads.
LOOKBACK = timedelta(hours=1)
# One queue lease, then two passes: by then every job must be final.
RECOVERY_MINUTES = int(QUEUE_LEASE / timedelta(minutes=1)) + 2
# The contract's bound for settling an unknown send.
RECONCILE_MINUTES = 30


class Killed(BaseException):
    """The process died (SIGKILL, a Lambda timeout): not an error anything may catch."""


@dataclass
class KillSwitch:
    """Counts the calls a process makes to the outside; fails the `at`-th. `kill`: the process
    is dead from then on, every later call fails too; else only that call raises an error."""

    at: int
    kill: bool = True
    calls: int = 0
    dead: bool = False
    fired: bool = False

    def check(self) -> None:
        if self.dead:
            raise Killed
        self.calls += 1
        if self.calls == self.at:
            self.fired = True
            if self.kill:
                self.dead = True
                raise Killed
            raise RuntimeError(f"injected failure at call {self.at}")


class Mortal:
    """A client (or paginator) whose every method call first asks the kill switch."""

    def __init__(self, inner: Any, switch: KillSwitch) -> None:
        self._inner = inner
        self._switch = switch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._switch.check()
            result = attribute(*args, **kwargs)
            return Mortal(result, self._switch) if name == "get_paginator" else result

        return call


@dataclass
class Queue:
    """The send queue as SQS behaves for this purpose: a message taken and not acknowledged
    comes back later (its visibility timeout ends); the bodies are the real queue messages."""

    switch: KillSwitch | None = None
    visible: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        if self.switch:
            self.switch.check()
        self.visible += [job_message(ref) for ref in refs]
        return []

    def take(self) -> list[str]:
        taken, self.visible = self.visible, []
        self.in_flight += taken
        return taken

    def acknowledge(self, body: str) -> None:
        self.in_flight.remove(body)

    def visibility_timeout_ends(self) -> None:
        self.visible += self.in_flight
        self.in_flight = []


@dataclass
class Phone:
    """The SMS gateway, in process: what it took, by number. A kill switch may stop it before
    the gateway takes the message, or after it took it but before the sender heard back."""

    switch: KillSwitch | None = None
    sent: list[tuple[str, str, datetime]] = field(default_factory=list)
    clock: Callable[[], datetime] = lambda: DUE_AT

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        if self.switch:
            self.switch.check()
        self.sent.append((to, body, self.clock()))
        if self.switch:
            self.switch.check()
        return SmsReceipt(sid=_sid(len(self.sent) - 1), status="queued")

    def to(self, phone: str) -> int:
        return sum(1 for entry in self.sent if entry[0] == phone)

    # ---- its records, as Twilio's Message list gives them ----

    def sent_to(self, to: str, since: datetime, until: datetime) -> list[SentSms]:
        return [
            SentSms(_sid(n), phone, body, "delivered", at)
            for n, (phone, body, at) in enumerate(self.sent)
            if phone == to and since <= at <= until
        ]

    def status_of(self, sid: str) -> SentSms | None:
        return None


def _sid(n: int) -> str:
    return f"SM{n:032d}"


@dataclass
class Stack:
    """One table on moto with PATIENTS reminders due at DUE_AT, and the processes' parts."""

    table: Table
    admin: Admin
    phones: list[str]
    appointment_ids: list[str]
    queue: Queue
    phone: Phone
    now: datetime = DUE_AT

    def jobs(self, switch: KillSwitch | None = None) -> DynamoJobs:
        return DynamoJobs(self._table(switch))

    def sender(self, switch: KillSwitch | None = None) -> Sender:
        table = self._table(switch)
        return Sender(DynamoJobs(table), DynamoPatients(table), Phone(switch, self.phone.sent, self.clock))

    def clock(self) -> datetime:
        return self.now

    def reconcile(self, now: datetime) -> ReconcileResult:
        return Reconciler(DynamoReconciliation(self.table), self.phone).run(now, LOOKBACK)

    def _table(self, switch: KillSwitch | None) -> Table:
        return Table(Mortal(self.table.client, switch), self.table.name) if switch else self.table

    def all_jobs(self) -> list[Job]:
        appointments = DynamoAppointments(self.table)
        return [job for appointment_id in self.appointment_ids for job in appointments.get(appointment_id)[1]]


def new_stack(aws: AwsClients, name: str) -> Stack:
    created = create_aws_resources(aws, table_name=f"lease-{name}", queue_name=f"lease-{name}")
    table = Table(aws.dynamodb, created["table_name"])
    service = admin(table=table)
    clinic = service.create_clinic(
        {
            "name": "Calm Waters",
            "timezone": "America/New_York",
            "sender": "+15005550006",
            "phone": "+12125550100",
            "reminders": [{"before": "PT2H"}],
        },
        BOOKED_AT,
    )
    phones, appointments = [], []
    for n in range(PATIENTS):
        patient = service.create_patient(
            clinic.clinic_id, {"first_name": f"P{n}", "phone": f"+1555123000{n}"}, BOOKED_AT
        )
        booked = service.create_appointment(
            clinic.clinic_id,
            {"patient_id": patient.patient_id, "starts_at": "2030-03-05T15:00:00-05:00"},
            BOOKED_AT,
        )
        phones.append(patient.phone)
        appointments.append(booked.appointment.appointment_id)
    return Stack(table, service, phones, appointments, Queue(), Phone())


def deliver_all(stack: Stack, sender: Sender, now: datetime) -> None:
    """The sender on every visible message, acknowledging what it finished (a retry stays)."""
    failed: list[str] = []
    for body in stack.queue.take():
        try:
            sender.deliver(parse_job_message(body), now)
        except (RetryLater, RuntimeError):  # the record failed: the queue brings it back
            failed.append(body)
        else:
            stack.queue.acknowledge(body)


def crash_run(stack: Stack, switch: KillSwitch) -> None:
    """A scheduler pass and a sender's batch on a process the kill switch governs."""
    stack.queue.switch = switch
    try:
        run_scheduler_pass(stack.jobs(switch), stack.queue, DUE_AT, LOOKBACK)
        deliver_all(stack, stack.sender(switch), DUE_AT)
    except (Killed, RuntimeError):
        pass
    finally:
        stack.queue.switch = None


def recover(stack: Stack, minutes: int = RECOVERY_MINUTES) -> None:
    """Healthy passes and deliveries once a minute; what a dead process held comes back."""
    for minute in range(1, minutes + 1):
        now = stack.now = DUE_AT + timedelta(minutes=minute)
        stack.queue.visibility_timeout_ends()
        run_scheduler_pass(stack.jobs(), stack.queue, now, LOOKBACK)
        deliver_all(stack, stack.sender(), now)


def reconcile_for(stack: Stack, minutes: int) -> None:
    """After the recovery: the reconciler, then the pass and the sender, every five minutes."""
    for minute in range(RECOVERY_MINUTES + 1, RECOVERY_MINUTES + minutes + 1):
        if minute % 5:
            continue
        now = stack.now = DUE_AT + timedelta(minutes=minute)
        stack.reconcile(now)
        stack.queue.visibility_timeout_ends()
        run_scheduler_pass(stack.jobs(), stack.queue, now, LOOKBACK)
        deliver_all(stack, stack.sender(), now)


def assert_all_final_none_twice(stack: Stack) -> dict[JobState, int]:
    jobs = {job.patient_id: job for job in stack.all_jobs()}
    assert len(jobs) == PATIENTS
    states: dict[JobState, int] = {}
    for job in jobs.values():
        states[job.state] = states.get(job.state, 0) + 1
        assert job.state in (JobState.SENT, JobState.UNKNOWN), job
        assert job.lease_id is None
        assert job.lease_until is None
    for phone in stack.phones:
        assert stack.phone.to(phone) <= 1, f"{phone} texted twice"
    sent = sum(1 for job in jobs.values() if job.state is JobState.SENT)
    assert sum(stack.phone.to(phone) for phone in stack.phones) >= sent
    for job in jobs.values():
        if job.state is JobState.UNKNOWN:
            assert job.reason == "interrupted_while_sending"
    return states


def healthy_calls(aws: AwsClients) -> int:
    stack = new_stack(aws, "count")
    switch = KillSwitch(at=0)
    crash_run(stack, switch)
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
    return switch.calls


@pytest.mark.parametrize("kill", [True, False], ids=["killed", "failed"])
def test_a_fault_at_any_step_of_a_pass_or_a_send_leaves_every_job_final_and_none_sent_twice(
    aws: AwsClients, kill: bool
) -> None:
    steps = healthy_calls(aws)
    assert steps > 3 * PATIENTS  # the pass's reads and claims, the queue, the sends
    outcomes: dict[str, int] = {}
    for at in range(1, steps + 1):
        stack = new_stack(aws, f"{int(kill)}-{at}")
        switch = KillSwitch(at=at, kill=kill)
        crash_run(stack, switch)
        assert switch.fired
        recover(stack)
        for state, count in assert_all_final_none_twice(stack).items():
            outcomes[state.value] = outcomes.get(state.value, 0) + count
        # Then the reconciler settles each unknown from the gateway's records: none is left,
        # every patient texted exactly once.
        reconcile_for(stack, RECONCILE_MINUTES)
        assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
        assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS
    # Most faults cost nothing; a process that died between taking a job and recording
    # Twilio's answer leaves that one job unknown (for reconciliation), never sent twice.
    assert outcomes["sent"] > outcomes.get("unknown", 0)


def test_a_pass_killed_after_claiming_leaves_the_jobs_findable_and_the_next_lease_sends_them(
    aws: AwsClients,
) -> None:
    stack = new_stack(aws, "claimed")
    lost = Queue()  # the pass died before its messages reached the queue
    run_scheduler_pass(stack.jobs(), lost, DUE_AT)
    assert [job.state for job in stack.all_jobs()] == [JobState.QUEUED] * PATIENTS

    # Within the lease, no pass claims them again.
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT + QUEUE_LEASE - timedelta(minutes=1))
    assert stack.queue.visible == []

    result = run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT + QUEUE_LEASE)
    assert result.queued == PATIENTS
    deliver_all(stack, stack.sender(), DUE_AT + QUEUE_LEASE)
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS


def test_a_message_of_a_replaced_claim_is_ignored_and_the_new_claim_sends_once(aws: AwsClients) -> None:
    stack = new_stack(aws, "replaced")
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT)
    stale = stack.queue.take()
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT + QUEUE_LEASE)  # claimed again
    fresh = stack.queue.take()
    assert {json.loads(body)["lease"] for body in stale}.isdisjoint(
        json.loads(body)["lease"] for body in fresh
    )

    sender = stack.sender()
    late = [sender.deliver(parse_job_message(body), DUE_AT + QUEUE_LEASE) for body in stale]
    assert {(delivery.outcome, delivery.reason) for delivery in late} == {("ignored", "claim_replaced")}
    assert stack.phone.sent == []

    current = [sender.deliver(parse_job_message(body), DUE_AT + QUEUE_LEASE) for body in fresh]
    assert {delivery.outcome for delivery in current} == {"sent"}
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS


def test_a_send_killed_after_twilio_took_it_is_left_alone_in_its_lease_then_settled_unknown(
    aws: AwsClients,
) -> None:
    stack = new_stack(aws, "mid-send")
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT)
    [first, *_] = stack.queue.take()
    dying = stack.sender()
    calls_to_twilio = {"n": 0}
    original = dying.sms.send

    def took_it_then_died(**message: str) -> SmsReceipt:
        original(**message)
        calls_to_twilio["n"] += 1
        raise Killed

    dying.sms.send = took_it_then_died  # type: ignore[method-assign]
    with pytest.raises(Killed):
        dying.deliver(parse_job_message(first), DUE_AT)
    ref = parse_job_message(first)
    [job] = [job for job in stack.all_jobs() if job.job_id == ref.job_id]
    assert job.state is JobState.SENDING

    # The queue brings the message back at once: another sender may still be at work.
    again = stack.sender().deliver(ref, DUE_AT + SEND_LEASE - timedelta(seconds=1))
    assert (again.outcome, again.reason) == ("ignored", "sending_elsewhere")

    result = run_scheduler_pass(stack.jobs(), Queue(), DUE_AT + SEND_LEASE)
    assert result.interrupted == 1
    [job] = [job for job in stack.all_jobs() if job.job_id == ref.job_id]
    assert (job.state, job.reason) == (JobState.UNKNOWN, "interrupted_while_sending")
    assert calls_to_twilio["n"] == 1
    assert len(stack.phone.sent) == 1
    # The clinic sees what the patient may have received.
    [logged] = DynamoMessageLog(stack.table).for_patient(job.patient_id)
    assert (logged.direction, logged.status, logged.job_id) == ("outbound", "unknown", job.job_id)
    assert logged.body == stack.phone.sent[0][1]


def test_a_job_claimed_again_and_again_and_never_taken_fails_rather_than_circle(aws: AwsClients) -> None:
    stack = new_stack(aws, "never-taken")
    now = DUE_AT
    for _ in range(MAX_CLAIMS):
        assert run_scheduler_pass(stack.jobs(), Queue(), now).queued == PATIENTS  # every message lost
        now += QUEUE_LEASE
    result = run_scheduler_pass(stack.jobs(), Queue(), now)
    assert result.queued == 0
    assert {(job.state, job.reason) for job in stack.all_jobs()} == {(JobState.FAILED, "never_taken")}
    assert stack.phone.sent == []


def test_a_retried_send_keeps_its_claim_and_its_queue_message_brings_it_back(aws: AwsClients) -> None:
    stack = new_stack(aws, "retry")
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT)
    throttled = stack.sender()

    def too_many_requests(**_: str) -> SmsReceipt:
        from touchpoint.domain.delivery import SmsRetryLater

        raise SmsRetryLater("429")

    throttled.sms.send = too_many_requests  # type: ignore[method-assign]
    deliver_all(stack, throttled, DUE_AT)
    assert [job.state for job in stack.all_jobs()] == [JobState.QUEUED] * PATIENTS

    # Three minutes on, the visibility timeout ends: the same messages, the same claims.
    stack.queue.visibility_timeout_ends()
    deliver_all(stack, stack.sender(), DUE_AT + timedelta(minutes=3))
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS
