"""Leased claims: whatever dies when, every due job ends final within one lease and two passes,
and none is sent twice.

The fault matrix runs the real scheduler pass and the real sender on moto, with a fault switch
on every DynamoDB call, every queue call and both sides of the SMS gateway. For each step k of
one process (the pass, or the sender's batch), that process

- is killed at its k-th call: that call and every later one fail, as after SIGKILL or a Lambda
  timeout (no clean-up handler gets through);
- fails at it: only that call raises an error, the process lives on;
- times out at it (writes only: for a read it is a failure): the call takes effect, then the
  client raises, as botocore does after a read timeout and the Twilio adapter does after a
  connect timeout (SmsRetryLater, nothing taken) or a read timeout (SmsOutcomeUnknown, taken).

Then healthy passes and deliveries run once a minute, with every message the dead process held
coming back from the queue, until one queue lease and two passes have gone by: every job must be
final then, each patient texted at most once. Then the reconciler, with the pass and the sender,
runs every five minutes for its contract's 30 minutes: no `unknown` is left, every patient has
been texted exactly once.

The step-by-step matrix runs on a due index of one shard per hour (far fewer reads per pass, the
same claims, queueing and sends); the sharded index of the default 8 shards, read in parallel
threads, gets a kill at every step of the sender, and a kill or a failure at every write (and the
first and last reads) of the pass.
"""

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from botocore.exceptions import ReadTimeoutError
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.moto_table import empty, module_table_fixture
from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.reconciliation import DynamoReconciliation
from touchpoint.adapters.dynamo.table import Table, to_attributes
from touchpoint.adapters.sqs_queue import job_message, parse_job_message
from touchpoint.bootstrap import admin
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.delivery import (
    MAX_CLAIMS,
    QUEUE_LEASE,
    SEND_LEASE,
    JobRef,
    SentSms,
    SmsOutcomeUnknown,
    SmsReceipt,
    SmsRetryLater,
)
from touchpoint.settings import DEFAULT_DUE_SHARDS
from touchpoint.usecases.reconciling import Reconciler, ReconcileResult
from touchpoint.usecases.scheduling import FULL_LOOKBACK_EVERY, run_scheduler_pass
from touchpoint.usecases.sending import INTERRUPTED, Sender

moto_table = module_table_fixture()

BOOKED_AT = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
DUE_AT = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)  # the PT2H reminder of a 15:00 EST session
PATIENTS = 2  # two jobs: a fault on one while the other goes on, or between the two
# The matrix looks back one hour: every kind of step is there, with fewer bucket reads.
LOOKBACK = timedelta(hours=1)
# One queue lease, then two passes (one a minute): by then every job must be final.
RECOVERY_MINUTES = int(QUEUE_LEASE / timedelta(minutes=1)) + 2
# The contract's bound for settling an unknown send.
RECONCILE_MINUTES = 30

# What the domain calls final: no pass or sender moves a job out of these (an `unknown` one
# only the reconciler does).
FINAL = frozenset({JobState.SENT, JobState.SKIPPED, JobState.CANCELLED, JobState.FAILED, JobState.UNKNOWN})
# What a fault may leave after the recovery, here: nothing may be skipped or fail (the patients
# may be texted, and the gateway refuses nothing); a send Twilio may have is `unknown`.
AFTER_RECOVERY = frozenset({JobState.SENT, JobState.UNKNOWN})
UNKNOWN_REASONS = frozenset({INTERRUPTED, "twilio_outcome_unknown"})

KILLED, FAILED, TIMED_OUT = "killed", "failed", "timed_out"
# Calls that change nothing: a timeout there is a failure, which the FAILED matrix covers.
READS = frozenset({"get_item", "batch_get_item", "paginate", "query", "scan"})
PASS, SENDER = "pass", "sender"


class Killed(BaseException):
    """The process died (SIGKILL, a Lambda timeout): not an error anything may catch."""


@dataclass
class FaultSwitch:
    """Counts the calls a process makes to the outside (their names in `names`) and faults the
    `at`-th (counting only the calls named `only`, if given): KILLED, the process is dead from
    then on, every later call fails too; FAILED, only that call raises an error; TIMED_OUT, that
    call takes effect, then the caller raises its timeout (`step` says so). The pass's shards
    call from threads of their own: counted under a lock."""

    at: int
    mode: str = KILLED
    only: str | None = None
    calls: int = 0
    dead: bool = False
    fired: bool = False
    names: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self, name: str) -> bool:
        """Before a call: raises if it is faulted (or the process is dead); True if it is to
        time out once it took effect."""
        with self._lock:
            if self.dead:
                raise Killed
            self.names.append(name)
            if self.only is None or name == self.only:
                self.calls += 1
                if self.calls == self.at:
                    self.fired = True
                    if self.mode == KILLED:
                        self.dead = True
                        raise Killed
                    if self.mode == FAILED:
                        raise RuntimeError(f"injected failure at call {self.at} ({name})")
                    return True
        return False


class Mortal:
    """A DynamoDB client (or paginator) whose every call to the outside first asks the switch.
    A paginator is made in process: its `paginate` is the call."""

    def __init__(self, inner: Any, switch: FaultSwitch) -> None:
        self._inner = inner
        self._switch = switch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute
        if name == "get_paginator":
            return lambda *args, **kwargs: Mortal(attribute(*args, **kwargs), self._switch)

        def call(*args: Any, **kwargs: Any) -> Any:
            times_out = self._switch.step(name)
            result = attribute(*args, **kwargs)
            if times_out:
                raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")
            return result

        return call


@dataclass
class Queue:
    """The send queue as SQS behaves for this purpose: a message taken and not acknowledged
    comes back later (its visibility timeout ends); the bodies are the real queue messages."""

    switch: FaultSwitch | None = None
    visible: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        times_out = self.switch.step("send_message_batch") if self.switch else False
        with self._lock:  # one batch per shard, from the shards' threads
            self.visible += [job_message(ref) for ref in refs]
        if times_out:
            raise ReadTimeoutError(endpoint_url="https://sqs.us-east-1.amazonaws.com/")
        return []

    def take(self) -> list[str]:
        taken, self.visible = self.visible, []
        self.in_flight += taken
        return taken

    def acknowledge(self, body: str) -> None:
        self.in_flight.remove(body)

    def fail(self, body: str) -> None:
        """A record the batch processor reports failed: it stays in flight, to come back."""
        assert body in self.in_flight

    def visibility_timeout_ends(self) -> None:
        self.visible += self.in_flight
        self.in_flight = []


@dataclass
class Phone:
    """The SMS gateway, in process: what it took, by number. A fault switch may stop it before
    the gateway takes the message, or after it took it but before the sender heard back; a
    timeout there is what the Twilio adapter makes of one (twilio_sms.py)."""

    switch: FaultSwitch | None = None
    sent: list[tuple[str, str, datetime]] = field(default_factory=list)
    clock: Callable[[], datetime] = lambda: DUE_AT

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        if self.switch and self.switch.step("twilio_connect"):
            raise SmsRetryLater("could not connect to Twilio")  # ConnectTimeout: not taken
        self.sent.append((to, body, self.clock()))
        if self.switch and self.switch.step("twilio_answer"):
            raise SmsOutcomeUnknown("ReadTimeout")  # taken, the answer lost
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
    """The module's table with PATIENTS reminders due at DUE_AT, and the processes' parts."""

    table: Table
    phones: list[str]
    appointment_ids: list[str]
    queue: Queue = field(default_factory=Queue)
    phone: Phone = field(default_factory=Phone)
    now: datetime = DUE_AT

    def jobs(self, switch: FaultSwitch | None = None) -> DynamoJobs:
        return DynamoJobs(self._table(switch))

    def sender(self, switch: FaultSwitch | None = None) -> Sender:
        table = self._table(switch)
        return Sender(DynamoJobs(table), DynamoPatients(table), Phone(switch, self.phone.sent, self.clock))

    def clock(self) -> datetime:
        return self.now

    def reconcile(self, now: datetime) -> ReconcileResult:
        return Reconciler(DynamoReconciliation(self.table), self.phone).run(now, LOOKBACK)

    def _table(self, switch: FaultSwitch | None) -> Table:
        if switch is None:
            return self.table
        mortal = cast("DynamoDBClient", Mortal(self.table.client, switch))
        return Table(mortal, self.table.name, self.table.due_shards)

    def all_jobs(self) -> list[Job]:
        appointments = DynamoAppointments(self.table)
        return [job for appointment_id in self.appointment_ids for job in appointments.get(appointment_id)[1]]


@dataclass
class Seed:
    """The table's items with the PATIENTS reminders booked, as the admin API wrote them."""

    items: list[dict[str, Any]]
    phones: list[str]
    appointment_ids: list[str]


class World:
    """One moto table for the module; each scenario starts from the same booked reminders
    (per shard count), restored into the emptied table rather than booked again."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self.client = client
        self.table_name = table_name
        self.seeds: dict[int, Seed] = {}

    def stack(self, due_shards: int = DEFAULT_DUE_SHARDS) -> Stack:
        if due_shards not in self.seeds:
            self.seeds[due_shards] = self._seed(due_shards)
        seed = self.seeds[due_shards]
        empty(self.client, self.table_name)
        for start in range(0, len(seed.items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in seed.items[start : start + 25]]
            self.client.batch_write_item(RequestItems={self.table_name: requests})  # type: ignore[dict-item]
        return Stack(Table(self.client, self.table_name, due_shards), seed.phones, seed.appointment_ids)

    def _seed(self, due_shards: int) -> Seed:
        """Booked through the admin API; with several shards, booked again until the jobs are
        in different shards, so that the pass claims them in threads of their own."""
        table = Table(self.client, self.table_name, due_shards)
        while True:
            empty(self.client, self.table_name)
            phones, appointment_ids = _book(table)
            stack = Stack(table, phones, appointment_ids)
            shards = {keys.due_shard(job.job_id, due_shards) for job in stack.all_jobs()}
            if len(shards) == min(PATIENTS, due_shards):
                break
        items = [
            item
            for page in self.client.get_paginator("scan").paginate(TableName=self.table_name)
            for item in page["Items"]
        ]
        return Seed(items, phones, appointment_ids)


def _book(table: Table) -> tuple[list[str], list[str]]:
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
    return phones, appointments


@pytest.fixture(scope="module")
def world(moto_table: tuple[DynamoDBClient, str]) -> World:
    return World(*moto_table)


def deliver_all(stack: Stack, sender: Sender, now: datetime) -> None:
    """The sender on every visible message, acknowledging what it finished; a record that
    raised an error stays (the batch processor reports it failed: the queue brings it back)."""
    for body in stack.queue.take():
        try:
            sender.deliver(parse_job_message(body), now)
        except Exception:  # RetryLater, or an error: the record failed
            stack.queue.fail(body)
        else:
            stack.queue.acknowledge(body)


def a_pass(stack: Stack, now: datetime, switch: FaultSwitch | None = None) -> None:
    """One scheduler pass as the scheduler function runs it (the look-back's older hours every
    FULL_LOOKBACK_EVERY minutes)."""
    run_scheduler_pass(
        stack.jobs(switch), stack.queue, now, LOOKBACK, full_lookback_every=FULL_LOOKBACK_EVERY
    )


def faulty_run(stack: Stack, process: str, switch: FaultSwitch) -> None:
    """A scheduler pass, then a sender's batch, at DUE_AT; the switch governs `process`. A
    process that raised (or died) ends there, as its invocation would."""
    if process == PASS:
        stack.queue.switch = switch
        try:
            a_pass(stack, DUE_AT, switch)
        except (Killed, Exception):
            return
        finally:
            stack.queue.switch = None
        deliver_all(stack, stack.sender(), DUE_AT)
    else:
        a_pass(stack, DUE_AT)
        with contextlib.suppress(Killed):
            deliver_all(stack, stack.sender(switch), DUE_AT)


def job_items(stack: Stack) -> list[dict[str, Any]]:
    """The jobs' items as stored, due index keys and all."""
    return [
        item
        for appointment_id in stack.appointment_ids
        for item in stack.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :jobs)",
            ExpressionAttributeValues=to_attributes(
                {":pk": keys.appointment_partition(appointment_id), ":jobs": keys.JOB_PREFIX}
            ),
        )
    ]


def at_rest(stack: Stack) -> bool:
    """Nothing any pass, sender or redelivery can do changes anything any more: every job final
    and off the due index's buckets a pass reads (an `unknown` one waits in the reconciler's),
    and no message left in the queue. Once so, the later minutes of a phase are skipped."""
    if stack.queue.visible or stack.queue.in_flight:
        return False
    return all(
        JobState(item["state"]) in FINAL
        and str(item.get("due_bucket", keys.RECONCILE_PREFIX)).startswith(keys.RECONCILE_PREFIX)
        for item in job_items(stack)
    )


def recover(stack: Stack, minutes: int = RECOVERY_MINUTES) -> None:
    """Healthy passes and deliveries once a minute, for one lease and two passes (or until all
    is at rest); what a dead process held comes back."""
    for minute in range(1, minutes + 1):
        now = stack.now = DUE_AT + timedelta(minutes=minute)
        stack.queue.visibility_timeout_ends()
        a_pass(stack, now)
        deliver_all(stack, stack.sender(), now)
        if at_rest(stack):
            return


def reconcile_for(stack: Stack, minutes: int) -> None:
    """After the recovery: the reconciler, then the pass and the sender, every five minutes,
    until every job is sent and all is at rest (or the minutes are over)."""
    for minute in range(RECOVERY_MINUTES + 1, RECOVERY_MINUTES + minutes + 1):
        if minute % 5:
            continue
        if all(job.state is JobState.SENT for job in stack.all_jobs()) and at_rest(stack):
            return
        now = stack.now = DUE_AT + timedelta(minutes=minute)
        stack.reconcile(now)
        stack.queue.visibility_timeout_ends()
        a_pass(stack, now)
        deliver_all(stack, stack.sender(), now)


def assert_all_final_none_twice(stack: Stack, where: str) -> dict[JobState, int]:
    """One lease and two passes after the fault: every job final, its lease ended, no patient
    texted twice, every `sent` one texted."""
    jobs = {job.patient_id: job for job in stack.all_jobs()}
    assert len(jobs) == PATIENTS, where
    states: dict[JobState, int] = {}
    for job in jobs.values():
        states[job.state] = states.get(job.state, 0) + 1
        assert job.state in FINAL, f"{where}: not final within one lease and two passes: {job}"
        assert job.state in AFTER_RECOVERY, f"{where}: {job}"
        assert (job.lease_id, job.lease_until) == (None, None), f"{where}: {job}"
        if job.state is JobState.UNKNOWN:
            assert job.reason in UNKNOWN_REASONS, f"{where}: {job}"
    for phone in stack.phones:
        assert stack.phone.to(phone) <= 1, f"{where}: {phone} texted twice"
    sent = sum(1 for job in jobs.values() if job.state is JobState.SENT)
    assert sum(stack.phone.to(phone) for phone in stack.phones) >= sent, where
    return states


def assert_settled_and_texted_once(stack: Stack, where: str) -> None:
    """After the reconciler's 30 minutes: no `unknown` left, every patient texted exactly once,
    and nothing left that could text anyone again."""
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS, where
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS, where
    assert at_rest(stack), where
    assert all("due_bucket" not in item for item in job_items(stack)), where


def healthy_steps(world: World, due_shards: int, process: str) -> list[str]:
    """The names of the calls `process` makes when nothing goes wrong, in order."""
    stack = world.stack(due_shards)
    switch = FaultSwitch(at=0)
    faulty_run(stack, process, switch)
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS
    return switch.names


def run_matrix(
    world: World, due_shards: int, process: str, mode: str, faults: list[tuple[int, str | None]]
) -> dict[str, int]:
    """Each fault (the `at`-th call, of those named `only`), on a fresh stack: the run, the
    recovery, the reconciliation, and what they must leave. The states after the recovery, summed."""
    outcomes: dict[str, int] = {}
    for at, only in faults:
        where = f"{process} {mode} at call {at}" + (f" of {only}" if only else "")
        stack = world.stack(due_shards)
        switch = FaultSwitch(at=at, mode=mode, only=only)
        faulty_run(stack, process, switch)
        assert switch.fired, where
        recover(stack)
        for state, count in assert_all_final_none_twice(stack, where).items():
            outcomes[state.value] = outcomes.get(state.value, 0) + count
        reconcile_for(stack, RECONCILE_MINUTES)
        assert_settled_and_texted_once(stack, where)
    return outcomes


@pytest.mark.parametrize("mode", [KILLED, FAILED, TIMED_OUT])
@pytest.mark.parametrize("process", [PASS, SENDER])
def test_a_fault_at_any_step_of_a_pass_or_a_send_leaves_every_job_final_and_none_sent_twice(
    world: World, process: str, mode: str
) -> None:
    names = healthy_steps(world, 1, process)
    # The pass: its reads of the due index, its claims, the queue; the sender: each job's
    # claim, context, both sides of the gateway and the record.
    assert len(names) > 3 * PATIENTS
    steps = [at for at, name in enumerate(names, 1) if mode != TIMED_OUT or name not in READS]
    outcomes = run_matrix(world, 1, process, mode, [(at, None) for at in steps])
    # Most faults cost nothing; a sender that died (or heard nothing back) between taking a
    # job and recording Twilio's answer leaves that one job unknown, never sent twice.
    assert outcomes["sent"] > outcomes.get("unknown", 0)
    if process == SENDER:  # the matrix reached the send Twilio may have taken
        assert outcomes.get("unknown", 0) > 0


def test_with_the_sharded_due_index_a_kill_at_any_step_of_the_sender_leaves_every_job_final(
    world: World,
) -> None:
    # The sender makes the same calls whatever the shards (the 1-shard matrix fails and times
    # out each of them); what the shards change is the keys it writes, which a kill exercises.
    mode = KILLED
    names = healthy_steps(world, DEFAULT_DUE_SHARDS, SENDER)
    assert len(names) > 3 * PATIENTS
    outcomes = run_matrix(
        world, DEFAULT_DUE_SHARDS, SENDER, mode, [(at, None) for at in range(1, len(names) + 1)]
    )
    assert outcomes["sent"] > outcomes.get("unknown", 0)
    assert outcomes.get("unknown", 0) > 0  # a fault at the gateway leaves one unknown


@pytest.mark.parametrize("mode", [KILLED, FAILED])
def test_with_the_sharded_due_index_a_fault_at_a_claim_the_queue_or_a_read_of_the_pass_leaves_every_job_final(
    world: World, mode: str
) -> None:
    names = healthy_steps(world, DEFAULT_DUE_SHARDS, PASS)
    # Every hour's shards and the unsharded bucket, read in parallel; the jobs are in two
    # shards: two claims, two queue batches.
    reads = names.count("paginate")
    assert reads >= 2 * (DEFAULT_DUE_SHARDS + 1)
    assert names.count("update_item") == PATIENTS
    assert names.count("send_message_batch") == PATIENTS
    # The shards' threads call in no fixed order: each write is faulted by its name's count.
    faults: list[tuple[int, str | None]] = [(1, "paginate"), (reads, "paginate")]
    faults += [(n, name) for name in ("update_item", "send_message_batch") for n in range(1, PATIENTS + 1)]
    outcomes = run_matrix(world, DEFAULT_DUE_SHARDS, PASS, mode, faults)
    assert outcomes == {"sent": PATIENTS * len(faults)}  # nothing was taken: nothing unknown


def test_a_pass_killed_after_claiming_leaves_the_jobs_findable_and_the_next_lease_sends_them(
    world: World,
) -> None:
    stack = world.stack()
    lost = Queue()  # the pass died before its messages reached the queue
    run_scheduler_pass(stack.jobs(), lost, DUE_AT, LOOKBACK)
    assert [job.state for job in stack.all_jobs()] == [JobState.QUEUED] * PATIENTS

    # Within the lease, no pass claims them again.
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT + QUEUE_LEASE - timedelta(minutes=1), LOOKBACK)
    assert stack.queue.visible == []

    result = run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT + QUEUE_LEASE, LOOKBACK)
    assert result.queued == PATIENTS
    deliver_all(stack, stack.sender(), DUE_AT + QUEUE_LEASE)
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS


def test_a_message_of_a_replaced_claim_is_ignored_and_the_new_claim_sends_once(world: World) -> None:
    stack = world.stack()
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT, LOOKBACK)
    stale = stack.queue.take()
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT + QUEUE_LEASE, LOOKBACK)  # claimed again
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
    world: World,
) -> None:
    stack = world.stack()
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT, LOOKBACK)
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

    result = run_scheduler_pass(stack.jobs(), Queue(), DUE_AT + SEND_LEASE, LOOKBACK)
    assert result.interrupted == 1
    [job] = [job for job in stack.all_jobs() if job.job_id == ref.job_id]
    assert (job.state, job.reason) == (JobState.UNKNOWN, "interrupted_while_sending")
    assert calls_to_twilio["n"] == 1
    assert len(stack.phone.sent) == 1
    # The clinic sees what the patient may have received.
    [logged] = DynamoMessageLog(stack.table).for_patient(job.patient_id)
    assert (logged.direction, logged.status, logged.job_id) == ("outbound", "unknown", job.job_id)
    assert logged.body == stack.phone.sent[0][1]


def test_a_job_claimed_again_and_again_and_never_taken_fails_rather_than_circle(world: World) -> None:
    stack = world.stack()
    now = DUE_AT
    for _ in range(MAX_CLAIMS):
        assert (
            run_scheduler_pass(stack.jobs(), Queue(), now, LOOKBACK).queued == PATIENTS
        )  # every message lost
        now += QUEUE_LEASE
    result = run_scheduler_pass(stack.jobs(), Queue(), now, LOOKBACK)
    assert result.queued == 0
    assert {(job.state, job.reason) for job in stack.all_jobs()} == {(JobState.FAILED, "never_taken")}
    assert stack.phone.sent == []


def test_a_retried_send_keeps_its_claim_and_its_queue_message_brings_it_back(world: World) -> None:
    stack = world.stack()
    run_scheduler_pass(stack.jobs(), stack.queue, DUE_AT, LOOKBACK)
    throttled = stack.sender()

    def too_many_requests(**_: str) -> SmsReceipt:
        raise SmsRetryLater("429")

    throttled.sms.send = too_many_requests  # type: ignore[method-assign]
    deliver_all(stack, throttled, DUE_AT)
    assert [job.state for job in stack.all_jobs()] == [JobState.QUEUED] * PATIENTS

    # Three minutes on, the visibility timeout ends: the same messages, the same claims.
    stack.queue.visibility_timeout_ends()
    deliver_all(stack, stack.sender(), DUE_AT + timedelta(minutes=3))
    assert [job.state for job in stack.all_jobs()] == [JobState.SENT] * PATIENTS
    assert [stack.phone.to(phone) for phone in stack.phones] == [1] * PATIENTS
